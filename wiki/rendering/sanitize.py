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
_TAGS = INLINE_TAGS | BLOCK_TAGS  # deliberately no img, and no h1 (demoted to h2)
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
}
# Only classes this renderer emits; code/pre also take "language-xxx" (fenced code).
_CLASSES = {
    "a": {"wikilink", "new", "footnote-ref", "footnote-backref"},
    "div": {"footnote", "faq-item"},
    "section": {"references", "faq"},
}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
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
    """Collects the visible text: block tags become spaces, script and style are skipped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag in BLOCK_TAGS or tag == "h1":
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        if tag in BLOCK_TAGS or tag == "h1":
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """Visible text of ``html``: tags stripped, entities decoded, whitespace collapsed."""
    parser = _TextParser()
    parser.feed(html or "")
    parser.close()
    return " ".join("".join(parser.parts).split())


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
