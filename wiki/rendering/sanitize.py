"""The HTML side: the nh3 allowlist every rendered text passes, and reading text back out."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# Each pattern is a single character class (with a fixed prefix): a linear scan.
_BARE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.I)
_LANG_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]+")

INLINE_TAGS = {"a", "strong", "em", "del", "ins", "code", "sup", "sub", "span", "abbr"}
BLOCK_TAGS = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li"}
BLOCK_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "div", "section", "dl", "dt", "dd"}
BLOCK_TAGS |= {"details", "summary"}
BLOCK_TAGS |= {"figure", "figcaption"}
# img only as the renderer writes it for [[File:...]], with a source among IMAGE_PREFIXES;
# no h1 (demoted to h2).
_TAGS = INLINE_TAGS | BLOCK_TAGS | {"img"}
# Where pictures may come from: this wiki's own stored files (MEDIA_URL, set by the files
# app). Anything else — another site's picture, a tracking pixel — is dropped.
IMAGE_PREFIXES: tuple[str, ...] = ("/media/",)
_IMAGE_URLS = {"src", "srcset"}
_ATTRIBUTES = {
    **{h: {"id"} for h in ("h2", "h3", "h4", "h5", "h6")},
    "a": {"href", "title", "class"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start", "class"},
    "li": {"id", "class"},
    "sup": {"id", "class"},
    "div": {"id", "class"},
    "section": {"id", "class"},
    "span": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "figure": {"class"},
    "img": {"src", "srcset", "sizes", "width", "height", "alt", "loading", "decoding"},
}
# Only classes this renderer emits; code/pre also take "language-xxx" (fenced code).
_CLASSES = {
    "a": {"wikilink", "new", "footnote-ref", "footnote-backref"},
    "div": {"footnote", "faq-item"},
    "section": {"references", "faq"},
    "figure": {"wiki-figure"},
    "span": {"file-withheld"},
}


def _own_picture(value: str) -> bool:
    return value.startswith(IMAGE_PREFIXES) and not value.startswith("//")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr in _IMAGE_URLS:
        candidates = (
            [c.strip().split(" ")[0] for c in value.split(",")] if attr == "srcset" else [value]
        )
        return value if all(_own_picture(c) for c in candidates) else None
    if attr != "class":
        return value
    allowed = _CLASSES.get(tag, ())
    lang_ok = tag in ("code", "pre")
    kept = [c for c in value.split() if c in allowed or (lang_ok and _LANG_CLASS.fullmatch(c))]
    return " ".join(kept) or None


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow ugc noopener",
)


def clean(html: str) -> str:
    return _CLEANER.clean(html)


class _TextParser(HTMLParser):
    """Collects the visible text: block tags become BLOCK_BREAK, script and style are
    skipped; with `footnote_marks=False`, so are footnote numbers and their back-links."""

    BLOCK_BREAK = "\x1e"  # a record separator: never in text that was valid HTML

    def __init__(self, *, footnote_marks=True):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._footnote_marks = footnote_marks
        self._links: list[bool] = []  # per open <a>: whether it is a skipped footnote link

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            classes = (dict(attrs).get("class") or "").split()
            mark = not self._footnote_marks and bool(
                {"footnote-ref", "footnote-backref"} & set(classes)
            )
            self._links.append(mark)
            self._skip += mark
        if tag in BLOCK_TAGS or tag == "h1":
            self.parts.append(self.BLOCK_BREAK)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        if tag == "a" and self._links and self._links.pop():
            self._skip = max(0, self._skip - 1)
        if tag in BLOCK_TAGS or tag == "h1":
            self.parts.append(self.BLOCK_BREAK)

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data.replace(self.BLOCK_BREAK, " "))


def plain_text(html: str, *, lines: bool = False) -> str:
    """Visible text of ``html``: tags stripped, entities decoded, whitespace collapsed.

    With ``lines=True`` (the search text): one line per block (a heading, a paragraph, a list
    item, a table cell) and no footnote numbers or back-links, so that an excerpt cut from it
    never runs a heading or a footnote number into the words around it."""
    parser = _TextParser(footnote_marks=not lines)
    parser.feed(html or "")
    parser.close()
    blocks = (" ".join(block.split()) for block in "".join(parser.parts).split(parser.BLOCK_BREAK))
    return ("\n" if lines else " ").join(block for block in blocks if block)


def bare_urls(text: str) -> list[str]:
    """http(s) URLs written out in plain text (ASCII only), without trailing punctuation."""
    return [u.rstrip(".,;:!?)]}'\"") for u in _BARE_URL.findall(text)]


def http_links(urls: list[str]) -> list[str]:
    """The http(s) ones among link targets, as a browser would follow them."""
    urls = [_as_browser_reads(u) for u in urls]
    return [u for u in urls if u.lower().startswith(("http://", "https://"))]


def _as_browser_reads(url: str) -> str:
    """The URL as a browser resolves it: backslashes read as slashes, and a scheme-relative
    `//host/...` link as https, so odd spellings cannot slip past the spam checks."""
    url = url.strip().replace("\\", "/")
    if url.startswith("//"):
        return "https:" + url
    scheme, sep, rest = url.partition(":")
    if sep and scheme.lower() in ("http", "https") and not rest.startswith("//"):
        return f"{scheme}://{rest.lstrip('/')}"
    return url
