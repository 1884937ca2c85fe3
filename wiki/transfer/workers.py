"""What the worker processes do, and the pool they run in.

The importer hands raw records to ``check`` (first pass: clean every record, keep what the
checks across the file need) and ``prepare`` (second pass: clean again and render every
revision once). Both are plain functions of their argument and never touch the database;
``prepare`` resolves wikilinks through ``LINK_SLUGS`` and pictures through ``PICTURES``,
which the importer fills before the workers are forked.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .. import names
from ..rendering import plain_text, render
from .records import CleanArticle, RecordError, clean_article, decode, is_header

# name key -> slug of every published, live article (the file's and the wiki's): the
# importer sets it before the workers fork; ``prepare`` resolves wikilinks with it.
LINK_SLUGS: dict[str, str] = {}
# Set the same way: file key -> the picture readers see (files.embedding), for [[File:...]];
# and the name keys (names and aliases) of adult tags, which may show adult pictures.
PICTURES: dict[str, dict] = {}
ADULT_TAGS: set[str] = set()


@dataclass
class Name:
    name: str
    key: str
    skeleton: str


@dataclass
class Summary:
    """What the first pass keeps of a good article record: enough for the checks that need
    the whole file or the database, nothing of the text."""

    kind: str
    title: Name
    slug: str | None
    live: bool
    published: bool
    deleted: bool
    aliases: list[Name]  # the published revision's, in order, without repeats or the title
    contrasts: list[tuple[int, str]]  # (revision number, title as given)
    usernames: set[str]
    tag_names: list[str]


def _name(text: str) -> Name:
    return Name(text, names.name_key(text), names.skeleton(text))


def published_aliases(article: CleanArticle, title_key: str) -> list[Name]:
    """The aliases publish() would store: the published revision's, each key once, never the
    article's own title."""
    if article.published_index is None:
        return []
    seen, kept = {title_key}, []
    for line in article.shown.values["aliases"].split("\n"):
        if line and names.name_key(line) not in seen:
            seen.add(names.name_key(line))
            kept.append(_name(line))
    return kept


def summarize(article: CleanArticle) -> Summary:
    title = _name(article.shown.values["title"])
    usernames = set()
    for revision in article.revisions:
        usernames.update(filter(None, (revision.author, revision.reviewed_by)))
    return Summary(
        kind=article.kind,
        title=title,
        slug=article.slug,
        live=article.live,
        published=article.published_index is not None,
        deleted=article.deleted,
        aliases=published_aliases(article, title.key),
        contrasts=[
            (number, text)
            for number, revision in enumerate(article.revisions, start=1)
            for text in revision.contrasts
        ],
        usernames=usernames,
        tag_names=list(dict.fromkeys(t for r in article.revisions for t in r.tags)),
    )


def check(item: tuple[str, object]):
    """First pass, in a worker: (place, "header", data) | (place, "article", Summary) |
    (place, "error", RecordError)."""
    place, raw = item
    try:
        record = decode(raw)
        if is_header(record):
            return place, "header", record
        return place, "article", summarize(clean_article(record))
    except RecordError as exc:
        return place, "error", exc


@dataclass
class Rendered:
    html: str
    faq: list
    external_links: list[str]
    link_targets: list[str]
    file_names: list[str]


@dataclass
class Prepared:
    article: CleanArticle
    summary: Summary
    rendered: list[Rendered]
    search_text: str  # plain text of the published revision's HTML ("" if unpublished)


def _resolve(titles) -> dict[str, str | None]:
    """wiki.linking.resolve_titles, answered from LINK_SLUGS."""
    return {t: LINK_SLUGS.get(names.name_key(t)) for t in titles if "\x00" not in t}


def _pictures(file_names) -> dict[str, dict | None]:
    """files.embedding.resolve_files, answered from PICTURES."""
    return {name: PICTURES.get(names.name_key(name)) for name in file_names}


def _adult(revision):
    return lambda: any(names.name_key(tag) in ADULT_TAGS for tag in revision.tags)


def prepare(item: tuple[str, object]):
    """Second pass, in a worker: the cleaned article with every revision rendered once,
    links resolved against the whole wiki as it will be. (place, Prepared | None)."""
    place, raw = item
    record = decode(raw)
    if is_header(record):
        return place, None
    article = clean_article(record, parse_bodies=False)  # the first pass parsed them
    rendered = []
    for revision in article.revisions:
        result = render(revision.values["body"], _resolve, files=_pictures, adult=_adult(revision))
        if result.problem is not None:  # cannot happen: the first pass refused it
            raise RecordError(f"{place}: {result.problem.message}", result.problem.code)
        rendered.append(
            Rendered(
                html=result.html,
                faq=[list(pair) for pair in result.faq],
                external_links=result.external_links,
                link_targets=sorted(result.wikilink_targets),
                file_names=sorted(result.file_names),
            )
        )
    published = article.published_index
    search_text = plain_text(rendered[published].html, lines=True) if published is not None else ""
    return place, Prepared(article, summarize(article), rendered, search_text)


# --- the pool ------------------------------------------------------------------------------


@contextmanager
def pool(workers: int):
    """Worker processes, forked so that they share this process's settings and
    ``LINK_SLUGS``. They never touch the database. None: work in this process."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        yield pool
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


def mapped(function, items: Iterable, pool, window: int) -> Iterator:
    """``map(function, items)`` in order, a window at a time: while this process uses the
    answers for one window, the workers already work on the next."""
    chunks_ = _windows(items, window)
    if pool is None:
        for chunk in chunks_:
            yield from map(function, chunk)
        return
    pending = None
    for chunk in chunks_:
        job = pool.map_async(function, chunk, chunksize=max(1, len(chunk) // 16))
        if pending is not None:
            yield from pending.get()
        pending = job
    if pending is not None:
        yield from pending.get()


def _windows(items: Iterable, size: int) -> Iterator[list]:
    window = []
    for item in items:
        window.append(item)
        if len(window) == size:
            yield window
            window = []
    if window:
        yield window
