"""Importing an article file: the wiki's second writing path, used only by
``manage.py import_articles``.

``wiki.editing.save_edit`` makes one revision at a time for one person; an import makes
thousands of articles with their whole history, for the wiki's operator. It shares what
matters with the editor: every field passes the form's rules (wiki.validation, applied by
``records``), names are checked for clashes and look-alikes as the form checks them (in
bulk, ``plan``), every revision is rendered once by wiki.rendering, and the published state
is what ``wiki.publishing.publish`` leaves (``batches``). Who may edit, spam checks and rate
limits concern people editing on the site and do not apply.

Two passes over the file:

1. Check: every record is cleaned (in worker processes, ``workers``), then the whole file is
   checked against itself and the wiki. Nothing is written. A bad record is reported with
   its place and reason; the import is refused, or with ``skip_invalid`` it is left out.
2. Write: users and tags first, then the articles in batches, one transaction each, while
   the workers render the next batch; wikilinks are resolved against the wiki as it will be
   once the import is done, so links between imported articles are blue from the start. A
   last transaction adds what had to wait for every batch (contrasts with later articles,
   link targets, red links elsewhere in the wiki turning blue, authors' accepted-edit counts).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from files.embedding import every_visible_file
from files.models import FileUse

from .. import names, pagecache
from ..models import Alias, Article, Link, Revision, SearchEntry, Tag, TagAlias
from ..rendering import render
from . import batches, records, rows, workers
from .plan import Plan, Problem, chunks

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
    processes = max(1, workers if workers is not None else (os.cpu_count() or 1))
    report = ImportReport(dry_run=dry_run)
    try:
        plan = _check(path, processes, say)
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
        report.revisions = _write(path, plan, processes, batch_size, say)
        report.written = True
    report.seconds = time.monotonic() - started
    return report


# --- pass 1: check -------------------------------------------------------------------------


def _check(path, processes: int, say) -> Plan:
    plan = Plan()
    window: list = []
    seen = 0
    started = time.monotonic()
    with workers.pool(processes) as pool:
        for place, kind, payload in workers.mapped(
            workers.check, records.read(path), pool, CHECK_WINDOW
        ):
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


def _write(path, plan: Plan, processes: int, batch_size: int, say) -> int:
    max_before = Article.objects.aggregate(top=Max("pk"))["top"] or 0
    with transaction.atomic():
        user_ids = _create_users(plan)
        tag_ids, tag_names, tag_rank = _create_tags(plan)
    targets = _link_targets(plan)
    context = batches.Context(
        plan,
        user_ids,
        tag_ids,
        tag_names,
        tag_rank,
        link_targets={key: target[1:] for key, target in targets.items()},
        lz4=batches.lz4_available(),
    )
    # Read by the workers (forked after this) to resolve wikilinks.
    workers.LINK_SLUGS = {key: target[0] for key, target in targets.items()}
    workers.PICTURES = every_visible_file()
    workers.ADULT_TAGS = _adult_tag_keys()
    items = ((place, raw) for place, raw in records.read(path) if place in plan.entries)
    done, total, started = 0, len(plan.entries), time.monotonic()
    try:
        with workers.pool(processes) as pool:
            batch = []
            for place, prepared in workers.mapped(workers.prepare, items, pool, batch_size):
                batch.append((plan.entries[place], prepared))
                if len(batch) == batch_size:
                    batches.write_batch(batch, context)
                    done += len(batch)
                    batch = []
                    rate = done / (time.monotonic() - started)
                    say(f"Imported {done:,} of {total:,} articles ({rate:,.0f}/s).")
            if batch:
                batches.write_batch(batch, context)
    finally:
        workers.LINK_SLUGS, workers.PICTURES, workers.ADULT_TAGS = {}, {}, set()
    with transaction.atomic():
        _finish(context, max_before)
    return context.revisions


def _adult_tag_keys() -> set[str]:
    adult = Tag.objects.filter(is_adult=True)
    aliases = TagAlias.objects.filter(tag__in=adult).values_list("name", flat=True)
    return {names.name_key(name) for name in [*adult.values_list("name", flat=True), *aliases]}


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


def _link_targets(plan: Plan) -> dict[str, tuple[str, str, int]]:
    """name key -> (slug, "wiki" or "file", pk or index) of every article that will be
    published and live: the wiki's (by title or alias) and the file's."""
    published = Article.objects.published()
    targets = {
        key: (slug, "wiki", pk)
        for key, slug, pk in Alias.objects.filter(article__in=published)
        .values_list("key", "article__slug", "article_id")
        .iterator()
    }
    for key, slug, pk in published.values_list("title_key", "slug", "pk").iterator():
        targets[key] = (slug, "wiki", pk)
    for entry in plan.accepted():
        summary = entry.summary
        if summary.published and not summary.deleted:
            for name in summary.aliases:
                targets.setdefault(name.key, (entry.slug, "file", entry.index))
            targets[summary.title.key] = (entry.slug, "file", entry.index)
    return targets


def _finish(context: batches.Context, max_before: int) -> None:
    _analyze()
    rows.insert(
        Revision.contrasts_with.through,
        [
            {"revision_id": revision, "article_id": context.plan.by_index[index].pk}
            for revision, index in sorted(context.deferred_contrasts)
        ],
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


def _analyze() -> None:
    """PostgreSQL: fresh planner statistics for the tables the import filled. Until
    autovacuum gets round to it, the planner would go on believing they are as small as
    before, and pick plans for that (scanning an index of every accepted revision, say)."""
    if connection.vendor != "postgresql":
        return
    written = (Article, Revision, Revision.tags.through, Alias, Link, SearchEntry, FileUse)
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in written)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


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
