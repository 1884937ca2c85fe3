"""Markdown -> safe HTML: the one renderer for article bodies, tag descriptions and the preview.

One parse gives everything a save needs::

    result = render(body)          # resolver: default wiki.linking.resolve_titles
    result.html                    # sanitized HTML: store it, show it
    result.faq                     # [(question, answer)], plain text, for the FAQ JSON-LD
    result.external_links          # http(s) URLs in document order, for the spam checks
    result.wikilink_targets        # titles linked with [[...]], for the link table
    result.problem                 # a MarkupProblem when the text was over a limit

A text over a limit (``markup_problem``) is never parsed: it comes back as escaped plain
paragraphs, with ``problem`` set. The article form and the preview refuse such text first.
``render_markdown``, ``faq_items``, ``external_links`` and ``wikilink_targets`` are thin
wrappers over ``render`` for the callers that want one thing. Whatever markdown-it makes,
nh3 cleans with an explicit allowlist: the Markdown side only has to be useful, never safe.
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
    "markup_problem",
    "plain_text",
    "render",
    "render_markdown",
    "wikilink_targets",
]

Resolver = Callable[[Iterable[str]], dict[str, str | None]]


@dataclass
class Rendered:
    html: str
    wikilink_targets: frozenset[str] = frozenset()
    problem: MarkupProblem | None = None
    _document: markup.Document | None = field(default=None, repr=False)
    _source: str = field(default="", repr=False)

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


def markup_problem(text: str) -> MarkupProblem | None:
    """Why ``text`` cannot be accepted, or None. Counting first; nesting needs the parse,
    which is kept, so rendering the same text next costs nothing more."""
    text = text or ""
    problem = limits.size_problem(text)
    if problem is None and text.strip() and markup.parse(text).too_deep:
        problem = limits.TOO_DEEP
    return problem


def render(text: str, resolver: Resolver | None = None) -> Rendered:
    """Parse ``text`` once. ``resolver(set_of_titles) -> {title: slug | None}`` is called at
    most once (not at all without wikilinks); default ``wiki.linking.resolve_titles``."""
    text = text or ""
    if not text.strip():
        return Rendered("")
    problem = limits.size_problem(text)
    doc = None if problem else markup.parse(text)
    if doc is not None and doc.too_deep:
        problem = limits.TOO_DEEP
    if problem:
        return Rendered(sanitize.clean(_as_plain_paragraphs(text)), problem=problem, _source=text)
    slugs: dict[str, str | None] = {}
    if doc.wikilink_targets:
        if resolver is None:
            from wiki.linking import resolve_titles as resolver
        slugs = dict(resolver(set(doc.wikilink_targets)) or {})
    html = sanitize.clean(doc.to_html(slugs)).strip()
    return Rendered(html, doc.wikilink_targets, None, doc)


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
    text = text or ""
    if not text.strip() or limits.size_problem(text):
        return set()
    doc = markup.parse(text)
    return set() if doc.too_deep else set(doc.wikilink_targets)


def faq_items(text: str) -> list[tuple[str, str]]:
    """(question, plain-text answer) pairs of the FAQ section(s); ``[]`` when there are none."""
    return render(text, resolver=_no_articles).faq


def external_links(text: str) -> list[str]:
    """http(s) URLs in the Markdown source (links, autolinks, bare URLs), in document order,
    duplicates kept (use ``len(set(...))`` for distinct). Needs no database."""
    return render(text, resolver=_no_articles).external_links


def _no_articles(titles) -> dict[str, str | None]:
    return {}
