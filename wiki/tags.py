"""Tag services: rename (old slug redirects) and merge."""

from django.db import transaction
from django.utils.text import slugify

from .models import SearchEntry, Tag, TagAlias, TagSlugRedirect


@transaction.atomic
def rename_tag(tag: Tag, *, name: str, slug: str | None = None) -> Tag:
    """Rename a tag; its old slug keeps working as a redirect, its old name as an alias."""
    old_slug, old_name = tag.slug, tag.name
    tag.name = name
    tag.slug = slug or tag.free_slug(slugify(name, allow_unicode=True) or tag.slug)
    tag.save()
    if tag.slug != old_slug:
        TagSlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})
        TagSlugRedirect.objects.filter(old_slug=tag.slug).delete()
    if old_name.casefold() != tag.name_key:
        TagAlias.objects.get_or_create(
            name_key=old_name.casefold(), defaults={"tag": tag, "name": old_name}
        )
    TagAlias.objects.filter(name_key=tag.name_key).delete()
    return tag


@transaction.atomic
def merge_tags(source: Tag, *, into: Tag) -> Tag:
    """Fold `source` into `into`: every revision that had it has `into`; its name becomes an
    alias and its slug a redirect; then it is deleted."""
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
    from django.contrib.auth import get_user_model

    get_user_model().hidden_tags.through.objects.filter(tag=source).exclude(
        user_id__in=get_user_model().hidden_tags.through.objects.filter(tag=into).values("user_id")
    ).update(tag=into)
    TagAlias.objects.filter(tag=source).update(tag=into)
    TagSlugRedirect.objects.filter(tag=source).update(tag=into)
    old_name, old_slug = source.name, source.slug
    source.delete()
    TagAlias.objects.get_or_create(
        name_key=old_name.casefold(), defaults={"tag": into, "name": old_name}
    )
    TagSlugRedirect.objects.get_or_create(old_slug=old_slug, defaults={"tag": into})
    for entry in SearchEntry.objects.filter(article__published_revision__in=revision_ids):
        entry.tags = " ".join(
            t.name for t in Tag.objects.filter(revisions=entry.article.published_revision_id)
        )
        entry.save(update_fields=["tags"])
    return into
