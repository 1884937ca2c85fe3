"""Writing one batch of articles: one transaction, a few statements whatever its size.

Row for row what the editor leaves (wiki.editing, wiki.publishing): the article mirroring its
published revision, every revision with its rendered HTML and parent, tags and contrasts,
the published aliases, the link table and the search entry. The tests compare these rows
with the ones ``save_edit`` and ``publish()`` write.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from files.models import FileUse

from .. import names, pagecache, tagcounts
from ..models import Alias, Article, Link, Revision, RevisionStatus, SearchEntry
from . import rows
from .plan import Entry, Plan
from .workers import Prepared


@dataclass
class Context:
    """What every batch needs: ids by name, the tag order, counts kept across batches."""

    plan: Plan
    user_ids: dict[str, int]
    tag_ids: dict[str, int]
    tag_names: dict[int, str]
    tag_rank: dict[int, int]
    link_targets: dict[str, tuple[str, int]]  # name key -> ("wiki", pk) or ("file", index)
    deferred_contrasts: set[tuple[int, int]] = field(default_factory=set)  # (revision, index)
    taken_alias_keys: set[str] = field(default_factory=set)
    accepted_edits: Counter = field(default_factory=Counter)
    revisions: int = 0
    lz4: bool = False

    def article(self, where: str, target: int) -> int | None:
        """The id of an article of the wiki, or of the file once written (else None)."""
        return target if where == "wiki" else self.plan.by_index[target].pk

    def user(self, username: str | None) -> int | None:
        return self.user_ids[username.lower()] if username else None


def write_batch(batch: list[tuple[Entry, Prepared]], context: Context) -> None:
    now = timezone.now()
    with transaction.atomic():
        if context.lz4:
            _use_lz4()
        article_rows = [_article_row(entry, prepared, context, now) for entry, prepared in batch]
        for (entry, _), pk in zip(batch, rows.insert(Article, article_rows, ids=True), strict=True):
            entry.pk = pk
        made = _revision_rows(batch, context, now)
        _tags_and_contrasts(batch, made, context)
        _point_at_revisions(batch, made)
        _aliases(batch, context)
        _links_and_search(batch, made, context)
        pagecache.bump()


def _article_row(entry: Entry, prepared: Prepared, context, now) -> dict:
    article, summary = prepared.article, entry.summary
    first, shown = article.revisions[0], article.shown
    published = article.published_index
    if published is not None:  # publish() stamps the time it ran: the review
        updated = shown.reviewed_at or shown.created_at or now
    else:
        updated = first.created_at or now
    return {
        "kind": article.kind,
        "title": summary.title.name,
        "title_key": summary.title.key,
        "title_skeleton": summary.title.skeleton,
        "slug": entry.slug,
        "summary": shown.values["summary"],
        "protection": article.protection,
        "is_featured": article.featured,
        "is_deleted": article.deleted,
        "created_by_id": context.user(first.author),
        "created_at": first.created_at or now,
        "updated_at": updated,
    }


@dataclass
class _Made:
    """A revision as written: what later rows of the batch need of it."""

    pk: int
    status: str
    size: int


def _revision_rows(batch, context, now) -> list[list[_Made]]:
    """Every revision of the batch, one insert per revision number so that each one's parent
    (the newest earlier revision that was not rejected) already has its id."""
    made: list[list[_Made]] = [[] for _ in batch]
    depth = max(len(prepared.article.revisions) for _, prepared in batch)
    for level in range(depth):
        rows_, owners = [], []
        for position, (entry, prepared) in enumerate(batch):
            revisions = prepared.article.revisions
            if level >= len(revisions):
                continue
            parent = next(
                (r for r in reversed(made[position]) if r.status != RevisionStatus.REJECTED),
                None,
            )
            revision, rendered = revisions[level], prepared.rendered[level]
            rows_.append(
                _revision_row(entry.pk, level + 1, parent, revision, rendered, context, now)
            )
            owners.append(position)
        for position, row, pk in zip(
            owners, rows_, rows.insert(Revision, rows_, ids=True), strict=True
        ):
            made[position].append(_Made(pk, row["status"], row["size"]))
            if row["status"] == RevisionStatus.ACCEPTED and row["author_id"]:
                context.accepted_edits[row["author_id"]] += 1
        context.revisions += len(rows_)
    return made


def _revision_row(article_id, number, parent, revision, rendered, context, now) -> dict:
    size = len(revision.values["body"].encode("utf-8"))
    return {
        "article_id": article_id,
        "number": number,
        "parent_id": parent.pk if parent else None,
        "author_id": context.user(revision.author),
        "created_at": revision.created_at or now,
        "edit_summary": revision.edit_summary,
        "is_minor": revision.is_minor,
        "status": revision.status,
        "reviewed_by_id": context.user(revision.reviewed_by),
        "reviewed_at": revision.reviewed_at,
        "review_reason": revision.review_reason,
        "body_html": rendered.html,
        "faq": rendered.faq,
        "external_links": rendered.external_links,
        "link_targets": rendered.link_targets,
        "size": size,
        "size_delta": size - (parent.size if parent else 0),
        **revision.values,
    }


def _tags_and_contrasts(batch, made, context) -> None:
    tag_rows, contrast_rows, shown = [], [], Counter()
    for (entry, prepared), revisions in zip(batch, made, strict=True):
        article = prepared.article
        for number, (revision, row) in enumerate(
            zip(article.revisions, revisions, strict=True), start=1
        ):
            tag_ids = {context.tag_ids[names.name_key(name)] for name in revision.tags}
            tag_rows += [{"revision_id": row.pk, "tag_id": pk} for pk in sorted(tag_ids)]
            if number - 1 == article.published_index and not article.deleted:
                shown.update(tag_ids)  # the tags readers see: counted, as publish() does
            targets = set()
            for title in revision.contrasts:
                where, target = entry.contrasts[(number, title)]
                pk = context.article(where, target)
                if pk is not None:
                    targets.add(pk)
                else:  # an article further on in the file: added at the end
                    context.deferred_contrasts.add((row.pk, target))
            contrast_rows += [{"revision_id": row.pk, "article_id": pk} for pk in sorted(targets)]
    rows.insert(Revision.tags.through, tag_rows)
    rows.insert(Revision.contrasts_with.through, contrast_rows)
    tagcounts.add(shown)


def _point_at_revisions(batch, made) -> None:
    """Published: the newest accepted revision (publish() ran for each in turn). Latest: the
    newest that was not rejected (what save_edit and reject leave)."""
    changes = {}
    for (entry, prepared), revisions in zip(batch, made, strict=True):
        published, latest = prepared.article.published_index, prepared.article.latest_index
        changes[entry.pk] = {
            "published_revision": revisions[published].pk if published is not None else None,
            "latest_revision": revisions[latest].pk if latest is not None else None,
        }
    rows.update(Article, changes)


def _aliases(batch, context) -> None:
    """The published aliases, as publish() stores them. A deleted article of the file keeps
    the ones nobody else holds (in the wiki, aliases are freed when another article claims
    them); deleted articles of the wiki give up those the file's live articles hold."""
    live = [entry for entry, _ in batch if entry.summary.published and not entry.summary.deleted]
    deleted = [entry for entry, _ in batch if entry.summary.published and entry.summary.deleted]
    claimed = [name.key for entry in live for name in entry.summary.aliases]
    if claimed:
        Alias.objects.filter(key__in=claimed, article__is_deleted=True).delete()
    wanted = [name.key for entry in deleted for name in entry.summary.aliases]
    taken = set(Alias.objects.filter(key__in=wanted).values_list("key", flat=True))
    taken |= context.plan.held_alias_keys | context.taken_alias_keys
    alias_rows = []
    for entry in live + deleted:
        for name in entry.summary.aliases:
            if entry.summary.deleted and name.key in taken:
                continue
            taken.add(name.key)
            context.taken_alias_keys.add(name.key)
            alias_rows.append(
                {
                    "article_id": entry.pk,
                    "name": name.name,
                    "key": name.key,
                    "skeleton": name.skeleton,
                }
            )
    rows.insert(Alias, alias_rows)


def _links_and_search(batch, made, context) -> None:
    """The link table and the search entry of every published article, as publish() leaves
    them. Link targets are filled in at the end, when every article has its id."""
    links, entries, uses = [], [], []
    for (entry, prepared), revisions in zip(batch, made, strict=True):
        index = prepared.article.published_index
        if index is None:
            continue
        revision, rendered = prepared.article.revisions[index], prepared.rendered[index]
        keys = {names.name_key(title) for title in rendered.link_targets}
        keys.discard(entry.summary.title.key)
        # Targets written by now (the wiki's, this batch's, earlier ones'); the others are
        # filled in when every batch is written.
        links += [
            {"source_id": entry.pk, "target_key": key, "target_id": _target(key, context)}
            for key in sorted(keys)
        ]
        # The pictures it shows, as files.uses.sync_uses records them.
        shown = {names.name_key(name) for name in rendered.file_names} - {""}
        uses += [{"article_id": entry.pk, "file_key": key} for key in sorted(shown)]
        tag_ids = {context.tag_ids[names.name_key(name)] for name in revision.tags}
        tag_names = [context.tag_names[pk] for pk in sorted(tag_ids, key=context.tag_rank.get)]
        # Field for field what publishing._sync_search_entry writes (a test compares them).
        entries.append(
            {
                "article_id": entry.pk,
                "kind": prepared.article.kind,
                "published_revision_id": revisions[index].pk,
                "title": revision.values["title"],
                "aliases": "\n".join(
                    line for line in revision.values["aliases"].split("\n") if line
                ),
                "summary": revision.values["summary"],
                "tags": " ".join(tag_names),
                "body": prepared.search_text,
            }
        )
    rows.insert(Link, links)
    rows.insert(SearchEntry, entries)
    rows.insert(FileUse, uses)


def _target(key: str, context: Context) -> int | None:
    found = context.link_targets.get(key)
    return context.article(*found) if found else None


def lz4_available() -> bool:
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
