"""`lang="ja"` on Japanese text inside English pages, so that screen readers switch voice and
browsers pick Japanese glyphs (the same kanji are drawn differently in Chinese fonts).

A run of kana or kanji (with the marks and punctuation that belong to them) is wrapped in
`<span lang="ja">`. In HTML (`mark_html`, for a revision's stored, sanitized HTML) only the
text between tags is touched, never inside <code> or <pre>; plain text (`mark_text`, for
titles, aliases and summaries in templates) is escaped first. Both are one linear pass.
"""

import re

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# Hiragana, katakana (and the half-width forms), CJK ideographs (with extension A and the
# compatibility block), the iteration marks and the long-vowel mark.
_LETTER = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f々〆〤"
# Japanese punctuation and full-width forms, kept inside a run but never starting one.
_MARK = "\u3000-\u303f\uff01-\uff65"
_RUN = re.compile(f"[{_LETTER}][{_LETTER}{_MARK}]*")
# A tag, its quoted attribute values read whole (they may hold ">"): the alternatives start
# with different characters, so the scan never backtracks.
_PIECES = re.compile(r"""(<(?:[^<>"']|"[^"]*"|'[^']*')*>)""")
_TAG_NAME = re.compile(r"</?([A-Za-z0-9]+)")
_RAW = ("code", "pre")


def _wrap(text: str) -> str:
    return _RUN.sub(lambda m: f'<span lang="ja">{m.group(0)}</span>', text)


def mark_html(html: str) -> str:
    """Sanitized HTML with its Japanese runs in `<span lang="ja">`."""
    if not _RUN.search(html):
        return html
    out, raw = [], 0
    for piece in _PIECES.split(html):
        if piece.startswith("<"):
            found = _TAG_NAME.match(piece)
            if found and found.group(1).lower() in _RAW:
                raw = max(raw + (-1 if piece.startswith("</") else 1), 0)
            out.append(piece)
        else:
            out.append(piece if raw else _wrap(piece))
    return "".join(out)


def mark_text(text: str) -> SafeString:
    """Plain text, escaped (unless it is safe already: a template's `join` escaped it), with
    its Japanese runs in `<span lang="ja">`."""
    return mark_safe(_wrap(conditional_escape(text)))  # noqa: S308 - escaped just before
