"""Wikilink resolution: which titles name a published article, and under which slug."""

from .models import Alias, Article, normalize_title


def resolve_titles(titles) -> dict[str, str | None]:
    """Map each title (as written) to the slug of the published article it names, or None."""
    keys = {title: normalize_title(title) for title in titles if "\x00" not in title}
    if not keys:
        return {}
    found = dict(
        Article.objects.published()
        .filter(title_key__in=set(keys.values()))
        .values_list("title_key", "slug")
    )
    missing = set(keys.values()) - found.keys()
    if missing:
        found.update(
            Alias.objects.filter(key__in=missing, article__published_revision__isnull=False)
            .filter(article__is_deleted=False)
            .values_list("key", "article__slug")
        )
    return {title: found.get(key) for title, key in keys.items()}
