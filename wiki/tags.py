"""Tag services: rename (old slug redirects) and merge."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from accounts.models import refresh_hidden_tag_ids

from . import names, pagecache, tagcounts
from .models import ModerationLog, SearchEntry, Tag, TagAlias, TagSlugRedirect


@transaction.atomic
def rename_tag(tag: Tag, *, name: str, slug: str | None = None, actor=None) -> Tag:
    """Rename a tag; its old slug keeps working as a redirect, its old name as an alias.
    Given an `actor`, the rename is written to the moderation log."""
    old_slug, old_name = tag.slug, tag.name
    tag.name = name
    tag.slug = slug or tag.free_slug(slugify(name, allow_unicode=True) or tag.slug)
    tag.save()
    if tag.slug != old_slug:
        TagSlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})
        TagSlugRedirect.objects.filter(old_slug=tag.slug).delete()
    if names.name_key(old_name) != tag.name_key:
        TagAlias.objects.get_or_create(
            name_key=names.name_key(old_name), defaults={"tag": tag, "name": old_name}
        )
    TagAlias.objects.filter(name_key=tag.name_key).delete()
    if tag.name != old_name:
        _refresh_search_tags(tag.revisions.values("pk"))
    pagecache.bump()
    if actor is not None:
        reason = (
            f"Renamed “{old_name}” to “{tag.name}”"
            if tag.name != old_name
            else f"Moved “{tag.name}” from /tags/{old_slug}/ to /tags/{tag.slug}/"
        )
        ModerationLog.objects.create(actor=actor, action=ModerationLog.Action.TAG, reason=reason)
    return tag


@transaction.atomic
def merge_tags(source: Tag, *, into: Tag, actor=None) -> Tag:
    """Fold `source` into `into`: every revision that had it has `into`; its name becomes an
    alias and its slug a redirect; then it is deleted. Given an `actor`, the merge is written
    to the moderation log."""
    if source.pk == into.pk:
        return into
    Through = Tag.revisions.through
    revision_ids = list(Through.objects.filter(tag=source).values_list("revision_id", flat=True))
    already = set(
        Through.objects.filter(tag=into, revision_id__in=revision_ids).values_list(
            "revision_id", flat=True
        )
    )
    Through.objects.bulk_create(
        [Through(tag=into, revision_id=rid) for rid in revision_ids if rid not in already]
    )
    Hidden = get_user_model().hidden_tags.through
    hiders = list(Hidden.objects.filter(tag=source).values_list("user_id", flat=True))
    Hidden.objects.filter(tag=source).exclude(
        user_id__in=Hidden.objects.filter(tag=into).values("user_id")
    ).update(tag=into)
    TagAlias.objects.filter(tag=source).update(tag=into)
    TagSlugRedirect.objects.filter(tag=source).update(tag=into)
    old_name, old_slug = source.name, source.slug
    source.delete()
    refresh_hidden_tag_ids(hiders)  # their copies on the user row: `into`, not `source`
    TagAlias.objects.get_or_create(
        name_key=names.name_key(old_name), defaults={"tag": into, "name": old_name}
    )
    TagSlugRedirect.objects.get_or_create(old_slug=old_slug, defaults={"tag": into})
    _refresh_search_tags(revision_ids)
    tagcounts.recount([into.pk])  # an article may have had both: not a sum
    into.refresh_from_db(fields=["article_count"])
    pagecache.bump()
    if actor is not None:
        ModerationLog.objects.create(
            actor=actor,
            action=ModerationLog.Action.TAG,
            reason=f"Merged “{old_name}” into “{into.name}”",
        )
    return into


def _refresh_search_tags(revision_ids) -> None:
    """Write the current tag names into the search entries of the articles whose published
    revision is one of `revision_ids` (a list or a query of ids): three queries in all."""
    entries = list(
        SearchEntry.objects.filter(article__published_revision__in=revision_ids).select_related(
            "article"
        )
    )
    if not entries:
        return
    names = defaultdict(list)
    published = [entry.article.published_revision_id for entry in entries]
    for revision_id, name in Tag.objects.filter(revisions__in=published).values_list(
        "revisions", "name"
    ):
        names[revision_id].append(name)
    for entry in entries:
        entry.tags = " ".join(names[entry.article.published_revision_id])
    SearchEntry.objects.bulk_update(entries, ["tags"])
