"""Markdown -> safe HTML: the one renderer for article bodies, tag descriptions and the preview.

One parse gives everything a save needs::

    result = render(body)          # resolver: default wiki.linking.resolve_titles
    result.html                    # sanitized HTML: store it, show it
    result.faq                     # [(question, answer)], plain text, for the FAQ JSON-LD
    result.external_links          # http(s) URLs in document order, for the spam checks
    result.wikilink_targets        # titles linked with [[...]], for the link table
    result.file_names              # files embedded with [[File:...]], for "used on"
    result.problem                 # a MarkupProblem when the text was over a limit

A text over a limit (``markup_problem``) comes back as escaped plain paragraphs, with
``problem`` set: one too big or with too much markup is not parsed at all, one nested too
deeply is shown whole rather than losing its deepest part. The article form and the preview
refuse such text first. ``render_markdown``, ``faq_items``, ``external_links`` and
``wikilink_targets`` are thin wrappers for the callers that want one thing; the last parses
are kept (``markup.parse``), so asking several of them about one text still parses it once.
Whatever markdown-it makes, nh3 cleans with an allowlist: the Markdown side only has to be
useful, never safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from html import escape

from . import limits, markup, sanitize
from .limits import MarkupProblem
from .markup import CREATE_TITLE
from .sanitize import plain_text

__all__ = [
    "CREATE_TITLE",
    "MarkupProblem",
    "Rendered",
    "external_links",
    "faq_items",
    "file_names",
    "markup_problem",
    "plain_text",
    "render",
    "render_markdown",
    "wikilink_targets",
]

Resolver = Callable[[Iterable[str]], dict[str, str | None]]
FileResolver = Callable[[Iterable[str]], dict[str, dict | None]]


@dataclass
class Rendered:
    """What one parse of a text gives; ``faq`` and ``external_links`` are read on demand."""

    html: str
    wikilink_targets: frozenset[str] = frozenset()
    problem: MarkupProblem | None = None
    _document: markup.Document | None = field(default=None, repr=False)
    _source: str = field(default="", repr=False)
    file_names: frozenset[str] = frozenset()  # embedded with [[File:...]]

    @cached_property
    def faq(self) -> list[tuple[str, str]]:
        """(question, plain-text answer) pairs of the FAQ section(s)."""
        return self._document.faq_text() if self._document is not None else []

    @cached_property
    def external_links(self) -> list[str]:
        """http(s) URLs (links, autolinks, bare URLs) in document order, duplicates kept.
        Only http(s) URLs are kept: the sanitizer lets every one of them through."""
        if self._document is None:  # shown as plain text: every URL in it is a bare one
            return sanitize.http_links(sanitize.bare_urls(self._source))
        return sanitize.http_links(self._document.urls(sanitize.bare_urls))

    @cached_property
    def clickable_links(self) -> list[str]:
        """The http(s) links a reader can click (links and autolinks, not bare URLs, which
        are shown as text), in document order: what the new-user link limit counts."""
        if self._document is None:
            return []
        return sanitize.http_links(self._document.link_targets())


def markup_problem(text: str) -> MarkupProblem | None:
    """Why ``text`` cannot be accepted, or None. Counting first; nesting needs the parse,
    which is kept, so rendering the same text next costs nothing more."""
    return _parse(_well_formed(text))[1]


def _well_formed(text: str | None) -> str:
    """``text``, with lone surrogates (which no page can hold) shown as U+FFFD."""
    text = text or ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def _parse(text: str) -> tuple[markup.Document | None, MarkupProblem | None]:
    """The parse of ``text`` (None when it is blank or over a limit) and its problem."""
    problem = limits.size_problem(text)
    if problem is not None or not text.strip():
        return None, problem
    doc = markup.parse(text)
    return (None, limits.TOO_DEEP) if doc.too_deep else (doc, None)


def render(
    text: str,
    resolver: Resolver | None = None,
    *,
    files: FileResolver | None = None,
    adult: bool | Callable[[], bool] = False,
) -> Rendered:
    """Parse ``text`` once. ``resolver(set_of_titles) -> {title: slug | None}`` is called at
    most once (not at all without wikilinks); default ``wiki.linking.resolve_titles``.
    ``files(set_of_names)`` likewise for ``[[File:...]]`` (default
    ``files.embedding.resolve_files``); ``adult``: the text may show pictures marked adult
    (an article tagged adult, read behind its notice), or a function that says so, asked
    only when the text embeds a file."""
    text = _well_formed(text)
    doc, problem = _parse(text)
    if problem is not None:
        return Rendered(sanitize.clean(_as_plain_paragraphs(text)), problem=problem, _source=text)
    if doc is None:
        return Rendered("")
    slugs: dict[str, str | None] = {}
    if doc.wikilink_targets:
        if resolver is None:
            from wiki.linking import resolve_titles as resolver
        slugs = dict(resolver(set(doc.wikilink_targets)) or {})
    pictures: dict = {}
    if doc.file_names:
        if files is None:
            from files.embedding import resolve_files as files
        pictures = dict(files(set(doc.file_names)) or {})
        adult = adult() if callable(adult) else adult
    html = sanitize.clean(doc.to_html(slugs, pictures, adult=bool(adult))).strip()
    return Rendered(html, doc.wikilink_targets, None, doc, file_names=doc.file_names)


def _as_plain_paragraphs(text: str) -> str:
    """The text as written, escaped: blank lines separate paragraphs."""
    paragraphs, lines = [], []
    for line in [*text.splitlines(), ""]:
        if line.strip():
            lines.append(escape(line, quote=False))
        elif lines:
            paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
            lines = []
    return "\n".join(paragraphs)


def render_markdown(text: str, resolver: Resolver | None = None) -> str:
    """User Markdown -> sanitized HTML (``render(text, resolver).html``)."""
    return render(text, resolver).html


def wikilink_targets(text: str) -> set[str]:
    """Titles (stripped, without #section) linked by ``[[...]]``: read from the parse, so
    code, escaped brackets and titles too long to store are not among them."""
    doc, _ = _parse(_well_formed(text))
    return set(doc.wikilink_targets) if doc is not None else set()


def file_names(text: str) -> set[str]:
    """Names of the files ``text`` embeds with ``[[File:...]]`` (read from the parse). A text
    without ``[[file:`` in any case embeds none and is not parsed: publishing asks this of
    every text it publishes, the import's included, whose parse happened elsewhere."""
    if "[[file:" not in (text or "").lower():
        return set()
    doc, _ = _parse(_well_formed(text))
    return set(doc.file_names) if doc is not None else set()


def faq_items(text: str) -> list[tuple[str, str]]:
    """(question, plain-text answer) pairs of the FAQ section(s); ``[]`` when there are none."""
    doc, _ = _parse(_well_formed(text))
    return doc.faq_text() if doc is not None else []


def external_links(text: str) -> list[str]:
    """http(s) URLs in the Markdown source (links, autolinks, bare URLs), in document order,
    duplicates kept (use ``len(set(...))`` for distinct). Needs no database."""
    text = _well_formed(text)
    return Rendered("", _document=_parse(text)[0], _source=text).external_links
