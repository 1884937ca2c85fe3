"""Markdown -> safe HTML: the one renderer for article bodies and the live preview.

Everything user-written goes through ``render_markdown``; its output is always passed through
``nh3`` with an explicit allowlist, so the Markdown side only has to be *useful*, never *safe*.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension, slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.serializers import to_html_string
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE, AtomicString

__all__ = ["external_links", "faq_items", "plain_text", "render_markdown", "wikilink_targets"]

# [[Title]], [[Title|label]], [[Title#Section]], [[Title#Section|label]]
WIKILINK_RE = r"(?<!\\)\[\[([^\[\]\n|#]*)(?:#([^\[\]\n|]*))?(?:\|([^\[\]\n]*))?\]\]"
_WIKILINK = re.compile(WIKILINK_RE)
# Mirrors Python-Markdown's fenced_code (fence at column 0) and backtick code spans.
_FENCED = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?(?<=\n)\1[ ]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(?<!\\)(`+)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", re.S)
_FAQ_HEADING = re.compile(r"(?:frequently asked questions|faq)\s*[:：]?", re.I)
_BARE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.I)
_LANG_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]+")
CREATE_TITLE = "Create this article (it does not exist yet)"

_INLINE_TAGS = {"a", "strong", "em", "del", "ins", "code", "sup", "sub", "span", "abbr"}
_BLOCK_TAGS = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li"}
_BLOCK_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "div", "section", "dl", "dt", "dd"}
_BLOCK_TAGS |= {"details", "summary"}
_TAGS = _INLINE_TAGS | _BLOCK_TAGS  # deliberately no img, and no h1 (demoted to h2)
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


class _WikiLinkProcessor(InlineProcessor):
    """``[[Title#Section|label]]`` -> ``<a class="wikilink">``; titles resolved beforehand."""

    def __init__(self, md: markdown.Markdown, slugs: dict[str, str | None]):
        super().__init__(WIKILINK_RE, md)
        self.slugs = slugs

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown API)
        title = m.group(1).strip()
        if not title:
            return None, None, None
        section = (m.group(2) or "").strip()
        label = (m.group(3) or "").strip() or (f"{title} § {section}" if section else title)
        a = etree.Element("a")
        a.text = AtomicString(label)  # plain text: no further inline processing
        slug = self.slugs.get(title)
        if slug:
            href = f"/wiki/{quote(str(slug))}/"
            if section:
                href += "#" + quote(slugify_unicode(section, "-"))
            a.set("class", "wikilink")
            a.set("href", href)
        else:
            a.set("class", "wikilink new")
            a.set("href", "/wiki/new/?" + urlencode({"title": title}))
            a.set("title", CREATE_TITLE)
        return a, m.start(0), m.end(0)


def _text(el: etree.Element) -> str:
    return "".join(el.itertext()).strip()


class _StructureProcessor(Treeprocessor):
    """Runs last: demote h1, wrap footnotes in a References section, mark up FAQ sections."""

    def run(self, root: etree.Element) -> None:
        self.faq: list[tuple[etree.Element, list[etree.Element]]] = []
        for h in root.iter("h1"):
            h.tag = "h2"
        self._references(root)
        self._faqs(root)

    def _references(self, root: etree.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        ids = {el.get("id") for el in root.iter() if el.get("id")}
        for div in [d for d in root.iter("div") if d.get("class") == "footnote"]:
            rid, n = "references", 1
            while rid in ids:
                rid, n = f"references_{n}", n + 1
            ids.add(rid)
            section = etree.Element("section", {"class": "references"})
            heading = etree.SubElement(section, "h2", {"id": rid})
            heading.text, heading.tail, section.text = "References", "\n", "\n"
            for hr in div.findall("hr"):
                div.remove(hr)
            parent = parents[div]
            parent[list(parent).index(div)] = section
            section.append(div)
            section.tail, div.tail = div.tail, "\n"

    def _faqs(self, root: etree.Element) -> None:
        children, out, i = list(root), [], 0
        while i < len(children):
            el, j = children[i], i + 1
            if el.tag == "h2" and _FAQ_HEADING.fullmatch(_text(el)):
                while j < len(children) and not (
                    children[j].tag == "h2"
                    or children[j].get("class") in ("references", "footnote")
                ):
                    j += 1
                section = self._faq_section(el, children[i + 1 : j])
                out.extend([section] if section is not None else children[i:j])
            else:
                out.append(el)
            i = j
        root[:] = out

    def _faq_section(self, h2, block):
        """Question h3s (ending in ? or ？) and their answers become faq-items; rest stays plain."""
        section = etree.Element("section", {"class": "faq"})
        section.text, section.tail = "\n", h2.tail
        section.append(h2)
        target, answer, items = section, None, []
        for el in block:
            if el.tag == "h3":
                target, answer = section, None
                if _text(el).endswith(("?", "？")):
                    target = etree.SubElement(section, "div", {"class": "faq-item"})
                    target.text, target.tail, answer = "\n", "\n", []
                    items.append((el, answer))
            elif answer is not None:
                answer.append(el)
            target.append(el)
        if not items:
            return None
        self.faq.extend(items)
        return section


class _KotobaExtension(Extension):
    def __init__(self, slugs: dict[str, str | None]):
        super().__init__()
        self.slugs = slugs

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown API)
        md.preprocessors.deregister("html_block")  # raw HTML is shown as text ...
        md.inlinePatterns.deregister("html")  # ... in blocks and inline
        # Below backtick (190) and escape (180) so code and \[\[ stay literal; above links (160).
        md.inlinePatterns.register(_WikiLinkProcessor(md, self.slugs), "wikilink", 172)
        self.structure = _StructureProcessor(md)
        md.treeprocessors.register(self.structure, "kotoba_structure", -1)  # after unescape (0)


def _convert(
    text: str, slugs: dict[str, str | None]
) -> tuple[str, _KotobaExtension, markdown.Markdown]:
    kotoba = _KotobaExtension(slugs)
    md = markdown.Markdown(  # a fresh instance per call: thread-safe, no state carried over
        extensions=[
            TableExtension(use_align_attribute=True),
            FencedCodeExtension(),
            FootnoteExtension(),
            TocExtension(slugify=slugify_unicode, marker=""),
            SaneListExtension(),
            kotoba,
        ],
        output_format="html",
    )
    return md.convert(text), kotoba, md


def render_markdown(text: str, resolver=None) -> str:
    """User Markdown -> sanitized HTML. ``resolver(set_of_titles) -> {title: slug | None}``
    is called at most once (not at all when there are no wikilinks); default
    ``wiki.linking.resolve_titles``."""
    if not text or not text.strip():
        return ""
    targets = wikilink_targets(text)
    slugs: dict[str, str | None] = {}
    if targets:
        if resolver is None:
            from wiki.linking import resolve_titles as resolver
        slugs = dict(resolver(targets) or {})
    html, _, _ = _convert(text, slugs)
    return _CLEANER.clean(html)


def wikilink_targets(text: str) -> set[str]:
    """Titles (stripped, without #section) linked by ``[[...]]`` in ``text``.

    Regex-based: skips fenced code (``` / ~~~ at column 0) and backtick code spans; does NOT
    skip indented code blocks or links inside HTML-ish text, so it may report a few extra titles
    (harmless: the renderer still only links what Python-Markdown parses as wikilinks).
    """
    text = _CODE_SPAN.sub(" ", _FENCED.sub("", text or ""))
    return {t for m in _WIKILINK.finditer(text) if (t := m.group(1).strip())}


def _stashed(block) -> str:
    return block if isinstance(block, str) else to_html_string(block)


def faq_items(text: str) -> list[tuple[str, str]]:
    """(question, plain-text answer) pairs of the FAQ section(s); ``[]`` when there are none."""
    if not text or not text.strip():
        return []
    _, kotoba, md = _convert(text, {})  # every wikilink red: only the label text matters

    def as_text(elements) -> str:
        html = "".join(to_html_string(el) for el in elements)
        blocks = md.htmlStash.rawHtmlBlocks  # fenced code etc. are stashed until serialization
        html = HTML_PLACEHOLDER_RE.sub(lambda m: _stashed(blocks[int(m.group(1))]), html)
        return plain_text(_CLEANER.clean(html))

    return [(as_text([h3]), as_text(answer)) for h3, answer in kotoba.structure.faq]


class _TextParser(HTMLParser):
    """Collects visible text and, in document order, link hrefs and bare URLs outside links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.urls: list[str] = []
        self._skip = self._in_a = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "a":
            self._in_a += 1
            self.urls.extend(v for k, v in attrs if k == "href" and v)
        if tag in _BLOCK_TAGS or tag == "h1":
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "a":
            self._in_a = max(0, self._in_a - 1)
        if tag in _BLOCK_TAGS or tag == "h1":
            self.parts.append(" ")

    def handle_data(self, data):
        if self._skip:
            return
        self.parts.append(data)
        if not self._in_a:
            self.urls.extend(u.rstrip(".,;:!?)]}'\"") for u in _BARE_URL.findall(data))


def _parse(html: str) -> _TextParser:
    parser = _TextParser()
    parser.feed(html or "")
    parser.close()
    return parser


def plain_text(html: str) -> str:
    """Visible text of ``html``: tags stripped, entities decoded, whitespace collapsed."""
    return " ".join("".join(_parse(html).parts).split())


def external_links(text: str) -> list[str]:
    """http(s) URLs in the Markdown source (links, autolinks, bare URLs), in document order,
    duplicates kept (use ``len(set(...))`` for distinct). Found by rendering, so URLs that the
    sanitizer drops are not counted; bare URLs are matched as ASCII only."""
    parser = _parse(render_markdown(text, resolver=lambda titles: {}))
    urls = [_as_browser_reads(u) for u in parser.urls]
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
