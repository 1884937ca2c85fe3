"""Importing an article file: the wiki's second writing path, used only by
``manage.py import_articles``.

``wiki.editing.save_edit`` makes one revision at a time for one person; an import makes
thousands of articles with their whole history, from the wiki's operator. It shares what
matters with the editor: every field passes the form's rules (wiki.validation, through
``records``), names are checked for clashes and look-alikes as the form checks them (in bulk,
``plan``), every revision is rendered once by wiki.rendering, and the published state is
what ``wiki.publishing.publish`` leaves (title, slug and summary mirrored, aliases, the link
table, the search entry). Who may edit, spam checks and rate limits are the editor's
concerns and do not apply.

Two passes over the file:

1. Check: every record is cleaned (in worker processes), then the whole file is checked
   against itself and the wiki. Nothing is written. A bad record is reported with its
   place and reason; the import is refused, or with ``skip_invalid`` the record is left out.
2. Write: users and tags first, then the articles in batches, one transaction each: every
   revision rendered (in the workers) with wikilinks resolved against the wiki as it will be
   once the import is done, so links between imported articles are blue from the start.
   A last transaction adds what had to wait for every batch (contrasts with later articles,
   link targets, red links elsewhere in the wiki turning blue, editors' accepted-edit counts).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import names, pagecache
from ..models import (
    Alias,
    Article,
    Link,
    Revision,
    RevisionStatus,
    SearchEntry,
    Tag,
    TagAlias,
)
from ..rendering import render
from . import records
from .plan import Entry, Plan, Problem, chunks

CHECK_WINDOW = 2000  # records checked together (their names asked in a few queries)
BATCH_SIZE = 500  # articles written per transaction


@dataclass
class ImportReport:
    articles: int = 0
    revisions: int = 0
    users_created: int = 0
    tags_created: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    seconds: float = 0.0

    @property
    def skipped(self) -> int:
        return len({problem.place for problem in self.problems})


class ImportRefused(Exception):
    """Nothing was written: the file has bad records (listed in ``report.problems``)."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{report.skipped} bad record(s)")
        self.report = report


def import_articles(
    path,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import the article file at ``path`` (docs/import-format.md). Raises ImportRefused
    (nothing written) when a record is bad, unless ``skip_invalid``; a bad header is
    always refused. ``workers``: processes that clean and render records (default: one per
    CPU; 1 works in this process)."""
    started = time.monotonic()
    say = progress or (lambda message: None)
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    report = ImportReport(dry_run=dry_run)
    try:
        plan = _check(path, workers, say)
    except records.RecordError as exc:  # the file itself cannot be read
        report.problems.append(Problem("file", exc.message, exc.code))
        raise ImportRefused(report) from None
    report.problems = plan.problems
    entries = plan.accepted()
    report.articles = len(entries)
    report.users_created, report.tags_created = len(plan.users), len(plan.tags_new)
    if any(problem.place.startswith(("header", "file")) for problem in plan.problems) or (
        plan.problems and not skip_invalid
    ):
        raise ImportRefused(report)
    if not dry_run:
        report.revisions = _write(path, plan, workers, batch_size, say)
        report.written = True
    report.seconds = time.monotonic() - started
    return report


# --- pass 1: check -------------------------------------------------------------------------


def _check(path, workers: int, say) -> Plan:
    plan = Plan()
    window: list = []
    seen = 0
    started = time.monotonic()
    with _pool(workers) as pool:
        for place, kind, payload in _mapped(records.check, records.read(path), pool, CHECK_WINDOW):
            seen += 1
            if kind == "header":
                if seen > 1:
                    plan.refuse(place, "the header must be the first record", "misplaced_header")
                    continue
                try:
                    plan.header = records.clean_header(payload)
                except records.RecordError as exc:
                    plan.problems.append(Problem(f"header ({place})", exc.message, exc.code))
            elif kind == "error":
                plan.refuse(place, payload.message, payload.code)
            else:
                window.append((place, payload))
            if len(window) >= CHECK_WINDOW:
                plan.add_window(window)
                window = []
                say(f"Checked {seen:,} records ({seen / (time.monotonic() - started):,.0f}/s).")
    plan.add_window(window)
    plan.resolve_contrasts()
    plan.problems.extend(plan.plan_users())
    plan.problems.extend(plan.plan_tags())
    plan.assign_slugs()
    say(f"Checked {seen:,} records: {len(plan.accepted()):,} articles to import.")
    return plan


# --- pass 2: write -------------------------------------------------------------------------


@dataclass
class _Context:
    """What every batch needs: ids by name, the tag order, counts kept across batches."""

    plan: Plan
    user_ids: dict[str, int]
    tag_ids: dict[str, int]
    tag_names: dict[int, str]
    tag_rank: dict[int, int]
    deferred_contrasts: set[tuple[int, int]] = field(default_factory=set)  # (revision, index)
    taken_alias_keys: set[str] = field(default_factory=set)
    accepted_edits: Counter = field(default_factory=Counter)
    revisions: int = 0
    lz4: bool = False

    def user(self, username: str | None) -> int | None:
        return self.user_ids[username.lower()] if username else None


def _write(path, plan: Plan, workers: int, batch_size: int, say) -> int:
    max_before = Article.objects.aggregate(top=Max("pk"))["top"] or 0
    with transaction.atomic():
        user_ids = _create_users(plan)
        tag_ids, tag_names, tag_rank = _create_tags(plan)
    context = _Context(plan, user_ids, tag_ids, tag_names, tag_rank, lz4=_lz4_available())
    records.LINK_SLUGS = _link_slugs(plan)  # read by the workers (forked after this)
    items = ((place, raw) for place, raw in records.read(path) if place in plan.entries)
    done, total, started = 0, len(plan.entries), time.monotonic()
    try:
        with _pool(workers) as pool:
            batch = []
            for place, prepared in _mapped(records.prepare, items, pool, batch_size):
                batch.append((plan.entries[place], prepared))
                if len(batch) == batch_size:
                    _write_batch(batch, context)
                    done += len(batch)
                    batch = []
                    rate = done / (time.monotonic() - started)
                    say(f"Imported {done:,} of {total:,} articles ({rate:,.0f}/s).")
            if batch:
                _write_batch(batch, context)
    finally:
        records.LINK_SLUGS = {}
    with transaction.atomic():
        _finish(context, max_before)
    return context.revisions


def _create_users(plan: Plan) -> dict[str, int]:
    """New accounts for the usernames the file uses: no password anyone can use (a reset
    link sets one), the header's email if any, not confirmed. Returns lower-case username
    -> pk for every username of the file."""
    User = get_user_model()
    now = timezone.now()
    new = [
        User(
            username=spec.username,
            email=spec.email,
            password=make_password(None),
            date_joined=spec.date_joined or now,
        )
        for spec in plan.users.values()
    ]
    User.objects.bulk_create(new, batch_size=500)
    return {**plan.user_ids, **{user.username.lower(): user.pk for user in new}}


def _create_tags(plan: Plan):
    """Tags the file declares or uses that the wiki lacks (few: one save each, so the slug
    and description are made as the admin makes them)."""
    ids = dict(plan.tag_ids)
    for spec in plan.tags_new.values():
        tag = Tag(
            name=spec.name,
            category=spec.category,
            is_adult=spec.adult,
            description=spec.description,
            needs_review=spec.needs_review,
        )
        tag.save()
        ids[spec.key] = tag.pk
        for alias in spec.aliases:
            TagAlias.objects.create(tag=tag, name=alias)
            ids[names.name_key(alias)] = tag.pk
    ordered = list(Tag.objects.values_list("pk", "name"))  # the database's order (Meta.ordering)
    return ids, dict(ordered), {pk: rank for rank, (pk, _) in enumerate(ordered)}


def _link_slugs(plan: Plan) -> dict[str, str]:
    """name key -> slug of every article that will be published and live: the wiki's (its
    titles and aliases) and the file's."""
    published = Article.objects.published()
    slugs = dict(
        Alias.objects.filter(article__in=published).values_list("key", "article__slug").iterator()
    )
    slugs.update(published.values_list("title_key", "slug").iterator())
    for entry in plan.accepted():
        summary = entry.summary
        if summary.published and not summary.deleted:
            for name in summary.aliases:
                slugs.setdefault(name.key, entry.slug)
            slugs[summary.title.key] = entry.slug
    return slugs


def _write_batch(batch: list[tuple[Entry, records.Prepared]], context: _Context) -> None:
    now = timezone.now()
    with transaction.atomic():
        if context.lz4:
            _use_lz4()
        articles = [_article_row(entry, prepared, context, now) for entry, prepared in batch]
        Article.objects.bulk_create(articles)
        for (entry, _), article in zip(batch, articles, strict=True):
            entry.pk = article.pk
        made = _revision_rows(batch, articles, context, now)
        _tags_and_contrasts(batch, made, context)
        _point_at_revisions([article.pk for article in articles])
        _aliases(batch, context)
        _links_and_search(batch, made, context)
        pagecache.bump()


def _article_row(entry: Entry, prepared: records.Prepared, context, now) -> Article:
    article, summary = prepared.article, entry.summary
    first, shown = article.revisions[0], article.shown
    published = article.published_index
    if published is not None:  # publish() stamps the time it ran: the review
        updated = shown.reviewed_at or shown.created_at or now
    else:
        updated = first.created_at or now
    return Article(
        kind=article.kind,
        title=summary.title.name,
        title_key=summary.title.key,
        title_skeleton=summary.title.skeleton,
        slug=entry.slug,
        summary=shown.values["summary"],
        protection=article.protection,
        is_featured=article.featured,
        is_deleted=article.deleted,
        created_by_id=context.user(first.author),
        created_at=first.created_at or now,
        updated_at=updated,
    )


def _revision_rows(batch, articles, context, now) -> list[list[Revision]]:
    """Every revision of the batch, one INSERT per revision number so that each one's parent
    (the newest earlier revision that was not rejected) already has its id."""
    made: list[list[Revision]] = [[] for _ in batch]
    depth = max(len(prepared.article.revisions) for _, prepared in batch)
    for level in range(depth):
        rows = []
        for position, ((_, prepared), article) in enumerate(zip(batch, articles, strict=True)):
            revisions = prepared.article.revisions
            if level >= len(revisions):
                continue
            parent = next(
                (r for r in reversed(made[position]) if r.status != RevisionStatus.REJECTED),
                None,
            )
            row = _revision_row(
                article, level + 1, parent, revisions[level], prepared.rendered[level], context, now
            )
            made[position].append(row)
            rows.append(row)
            if row.status == RevisionStatus.ACCEPTED and row.author_id:
                context.accepted_edits[row.author_id] += 1
        Revision.objects.bulk_create(rows)
        context.revisions += len(rows)
    return made


def _revision_row(article, number, parent, revision, rendered, context, now) -> Revision:
    size = len(revision.values["body"].encode("utf-8"))
    return Revision(
        article=article,
        number=number,
        parent=parent,
        author_id=context.user(revision.author),
        created_at=revision.created_at or now,
        edit_summary=revision.edit_summary,
        is_minor=revision.is_minor,
        status=revision.status,
        reviewed_by_id=context.user(revision.reviewed_by),
        reviewed_at=revision.reviewed_at,
        review_reason=revision.review_reason,
        body_html=rendered.html,
        faq=rendered.faq,
        external_links=rendered.external_links,
        link_targets=rendered.link_targets,
        size=size,
        size_delta=size - (parent.size if parent else 0),
        **revision.values,
    )


def _tags_and_contrasts(batch, made, context) -> None:
    TagLink = Revision.tags.through
    ContrastLink = Revision.contrasts_with.through
    tag_rows, contrast_rows = [], []
    for (entry, prepared), revisions in zip(batch, made, strict=True):
        for number, (revision, row) in enumerate(
            zip(prepared.article.revisions, revisions, strict=True), start=1
        ):
            tag_ids = {context.tag_ids[names.name_key(name)] for name in revision.tags}
            tag_rows += [TagLink(revision_id=row.pk, tag_id=pk) for pk in sorted(tag_ids)]
            targets = set()
            for title in revision.contrasts:
                where, target = entry.contrasts[(number, title)]
                if where == "wiki":
                    targets.add(target)
                elif context.plan.by_index[target].pk is not None:
                    targets.add(context.plan.by_index[target].pk)
                else:  # an article further on in the file: added at the end
                    context.deferred_contrasts.add((row.pk, target))
            contrast_rows += [ContrastLink(revision_id=row.pk, article_id=pk) for pk in targets]
    TagLink.objects.bulk_create(tag_rows)
    ContrastLink.objects.bulk_create(contrast_rows)


def _point_at_revisions(article_ids: list[int]) -> None:
    """Published: the newest accepted revision (publish() ran for each in turn). Latest: the
    newest that was not rejected (what save_edit and reject leave). One UPDATE."""
    revisions = Revision.objects.filter(article=OuterRef("pk")).order_by("-number")
    Article.objects.filter(pk__in=article_ids).update(
        published_revision=Subquery(
            revisions.filter(status=RevisionStatus.ACCEPTED).values("pk")[:1]
        ),
        latest_revision=Subquery(
            revisions.exclude(status=RevisionStatus.REJECTED).values("pk")[:1]
        ),
    )


def _aliases(batch, context) -> None:
    """The published aliases, as publish() stores them. A deleted article of the file keeps
    the ones nobody else holds (in the wiki, aliases are freed when another article claims
    them); deleted articles of the wiki give up those the file's live articles hold."""
    live = [(e, p) for e, p in batch if e.summary.published and not e.summary.deleted]
    deleted = [(e, p) for e, p in batch if e.summary.published and e.summary.deleted]
    claimed = [name.key for entry, _ in live for name in entry.summary.aliases]
    if claimed:
        Alias.objects.filter(key__in=claimed, article__is_deleted=True).delete()
    wanted = [name.key for entry, _ in deleted for name in entry.summary.aliases]
    taken = set(Alias.objects.filter(key__in=wanted).values_list("key", flat=True))
    taken |= context.plan.held_alias_keys | context.taken_alias_keys
    rows = []
    for entry, _ in live + deleted:
        for name in entry.summary.aliases:
            if entry.summary.deleted and name.key in taken:
                continue
            taken.add(name.key)
            context.taken_alias_keys.add(name.key)
            rows.append(
                Alias(article_id=entry.pk, name=name.name, key=name.key, skeleton=name.skeleton)
            )
    Alias.objects.bulk_create(rows)


def _links_and_search(batch, made, context) -> None:
    """The link table and the search entry of every published article, as publish() leaves
    them. Link targets are filled in at the end, when every article has its id."""
    links, entries = [], []
    for (entry, prepared), revisions in zip(batch, made, strict=True):
        index = prepared.article.published_index
        if index is None:
            continue
        revision, rendered = prepared.article.revisions[index], prepared.rendered[index]
        keys = {names.name_key(title) for title in rendered.link_targets}
        keys.discard(entry.summary.title.key)
        links += [Link(source_id=entry.pk, target_key=key) for key in sorted(keys)]
        tag_ids = {context.tag_ids[names.name_key(name)] for name in revision.tags}
        tag_names = [context.tag_names[pk] for pk in sorted(tag_ids, key=context.tag_rank.get)]
        # Field for field what publishing._sync_search_entry writes (a test compares them).
        entries.append(
            SearchEntry(
                article_id=entry.pk,
                kind=prepared.article.kind,
                published_revision=revisions[index],
                title=revision.values["title"],
                aliases="\n".join(line for line in revision.values["aliases"].split("\n") if line),
                summary=revision.values["summary"],
                tags=" ".join(tag_names),
                body=prepared.search_text,
            )
        )
    Link.objects.bulk_create(links)
    SearchEntry.objects.bulk_create(entries)


def _finish(context: _Context, max_before: int) -> None:
    ContrastLink = Revision.contrasts_with.through
    ContrastLink.objects.bulk_create(
        [
            ContrastLink(revision_id=revision, article_id=context.plan.by_index[index].pk)
            for revision, index in sorted(context.deferred_contrasts)
        ]
    )
    _resolve_links(max_before)
    by_count: dict[int, list[int]] = {}
    for user_id, count in context.accepted_edits.items():
        by_count.setdefault(count, []).append(user_id)
    User = get_user_model()
    for count, user_ids in by_count.items():
        for part in chunks(user_ids):
            User.objects.filter(pk__in=part).update(
                accepted_edit_count=F("accepted_edit_count") + count
            )
    pagecache.bump()


def _resolve_links(max_before: int) -> None:
    """Point every red link whose target now exists at it (the file's links, and those of
    the wiki's articles, whose published HTML is rendered again so they turn blue, as
    publishing.turn_red_links_blue does)."""
    published = Article.objects.published()
    by_title = published.filter(title_key=OuterRef("target_key")).values("pk")[:1]
    by_alias = Alias.objects.filter(key=OuterRef("target_key"), article__in=published).values(
        "article_id"
    )[:1]
    red = Link.objects.filter(target__isnull=True).filter(Q(Exists(by_title)) | Q(Exists(by_alias)))
    older = set(red.filter(source_id__lte=max_before).values_list("source_id", flat=True))
    red.update(target_id=Coalesce(Subquery(by_title), Subquery(by_alias)))
    if older:
        stale = Revision.objects.filter(
            pk__in=Article.objects.filter(pk__in=older).values("published_revision")
        )
        for revision in stale:
            revision.body_html = render(revision.body).html
            revision.save(update_fields=["body_html"])


def _lz4_available() -> bool:
    """Whether this PostgreSQL server compresses long values with lz4 (built with it)."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic():
            _use_lz4()
    except DatabaseError:
        return False
    return True


def _use_lz4() -> None:
    """Long texts written in this transaction are compressed with lz4 rather than the
    default pglz: a revision's body and HTML are compressed about twenty times faster, and
    pglz was most of the database's time in an import. Reading does not care which."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL default_toast_compression = 'lz4'")


# --- worker processes ----------------------------------------------------------------------


@contextmanager
def _pool(workers: int):
    """Worker processes, forked so that they share this process's settings and
    ``records.LINK_SLUGS``. They never touch the database. None: work in this process."""
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


def _mapped(function, items: Iterable, pool, window: int) -> Iterator:
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
