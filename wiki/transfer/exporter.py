"""Exporting the wiki as an article file (docs/import-format.md), streamed.

The header comes first (every tag; the users the exported revisions name), then one line per
article in the order they were created, each with its revisions in order. Articles are read
a chunk at a time with a fixed number of queries per chunk, so memory stays flat whatever the
size of the wiki. The same wiki always gives the same file, and importing a file into an
empty wiki and exporting it again gives that file back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC

from django.contrib.auth import get_user_model
from django.db.models import Q

from ..models import Article, Revision, RevisionStatus, Tag
from .records import FORMAT, VERSION

CHUNK = 500  # articles per round of queries
REVISION_FIELDS = (
    "id",
    "article_id",
    "title",
    "summary",
    "body",
    "aliases",
    "original_script",
    "reading",
    "origin_language",
    "tone",
    "author_id",
    "created_at",
    "edit_summary",
    "is_minor",
    "status",
    "reviewed_by_id",
    "reviewed_at",
    "review_reason",
)


def export_articles(
    write: Callable[[str], object],
    *,
    published_only: bool = False,
    emails: bool = False,
) -> int:
    """Write every article (``published_only``: the published, live ones with their accepted
    revisions only) through ``write``, one JSON line at a time. Returns the article count.
    Email addresses are left out unless ``emails``."""
    articles = Article.objects.published() if published_only else Article.objects.all()
    revisions = Revision.objects.filter(article__in=articles)
    if published_only:
        revisions = revisions.filter(status=RevisionStatus.ACCEPTED)
    usernames = _write_header(write, revisions, emails)
    tag_names = dict(Tag.objects.values_list("pk", "name"))
    count, last = 0, 0
    while True:
        chunk = list(
            articles.filter(pk__gt=last)
            .order_by("pk")
            .values("pk", "kind", "slug", "protection", "is_featured", "is_deleted")[:CHUNK]
        )
        if not chunk:
            return count
        last = chunk[-1]["pk"]
        by_article = _revisions(
            revisions.filter(article_id__in=[a["pk"] for a in chunk]),
            usernames,
            tag_names,
            published_only,
        )
        for article in chunk:
            record = {
                "kind": article["kind"],
                "slug": article["slug"],
                "protection": article["protection"],
                "featured": article["is_featured"],
                "deleted": article["is_deleted"],
                "revisions": by_article[article["pk"]],
            }
            write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1


def _write_header(write, revisions, emails: bool) -> dict[int, str]:
    """The header line; returns user pk -> username for the users it lists."""
    users = (
        get_user_model()
        .objects.filter(
            Q(pk__in=revisions.values("author_id")) | Q(pk__in=revisions.values("reviewed_by_id"))
        )
        .order_by("username")
    )
    listed, usernames = [], {}
    for user in users.only("username", "email"):
        entry = {"username": user.username}
        if emails and user.email:
            entry["email"] = user.email
        listed.append(entry)
        usernames[user.pk] = user.username
    tags = [
        {
            "name": tag.name,
            "category": tag.category,
            "adult": tag.is_adult,
            "description": tag.description,
            "aliases": sorted(alias.name for alias in tag.aliases.all()),
        }
        for tag in Tag.objects.prefetch_related("aliases").order_by("name_key")
    ]
    header = {"format": FORMAT, "version": VERSION, "tags": tags, "users": listed}
    write(json.dumps(header, ensure_ascii=False) + "\n")
    return usernames


def _revisions(revisions, usernames, tag_names, published_only) -> dict[int, list[dict]]:
    """article pk -> its revisions as records, in order (four queries)."""
    rows = list(revisions.order_by("article_id", "number").values(*REVISION_FIELDS))
    ids = [row["id"] for row in rows]
    tags = defaultdict(list)
    for revision_id, tag_id in Revision.tags.through.objects.filter(
        revision_id__in=ids
    ).values_list("revision_id", "tag_id"):
        tags[revision_id].append(tag_names[tag_id])
    contrasts = defaultdict(list)
    pairs = list(
        Revision.contrasts_with.through.objects.filter(revision_id__in=ids)
        .order_by("article_id")
        .values_list("revision_id", "article_id")
    )
    targets = Article.objects.published() if published_only else Article.objects.all()
    titles = dict(targets.filter(pk__in={pk for _, pk in pairs}).values_list("pk", "title"))
    for revision_id, article_id in pairs:
        if article_id in titles:
            contrasts[revision_id].append(titles[article_id])
    by_article = defaultdict(list)
    for row in rows:
        by_article[row["article_id"]].append(
            {
                "title": row["title"],
                "summary": row["summary"],
                "body": row["body"],
                "aliases": [line.strip() for line in row["aliases"].splitlines() if line.strip()],
                "original_script": row["original_script"],
                "reading": row["reading"],
                "origin_language": row["origin_language"],
                "tone": row["tone"],
                "contrasts_with": contrasts[row["id"]],
                "tags": sorted(tags[row["id"]]),
                "author": usernames.get(row["author_id"]),
                "created_at": _date(row["created_at"]),
                "edit_summary": row["edit_summary"],
                "is_minor": row["is_minor"],
                "status": row["status"],
                "reviewed_by": usernames.get(row["reviewed_by_id"]),
                "reviewed_at": _date(row["reviewed_at"]),
                "review_reason": row["review_reason"],
            }
        )
    return by_article


def _date(value) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None
