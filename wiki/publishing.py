"""Publishing a revision: what readers see changes here, and only here.

Called inside the transaction that accepts a revision. It moves the article's published
revision, mirrors title/slug/summary, rebuilds the alias and link tables and the search entry,
and bumps the page cache's generation (wiki/pagecache.py) once the transaction commits.
"""

from django.utils import timezone
from django.utils.text import slugify

from files.uses import sync_uses

from . import pagecache, tagcounts, watching
from .models import Alias, Article, Link, Revision, SearchEntry, SlugRedirect, normalize_title
from .rendering import file_names, plain_text, render

RESERVED_SLUGS = {"new", "preview", "suggest", "random"}


def slug_for(title: str, *, article: Article | None = None) -> str:
    """A unique slug from the title, keeping non-Latin letters (`寝取られ`)."""
    base = slugify(title, allow_unicode=True)[:240] or "article"
    if base in RESERVED_SLUGS:
        base = f"{base}-article"
    taken = Article.objects.live().exclude(pk=getattr(article, "pk", None))
    candidate, n = base, 2
    while (
        taken.filter(slug=candidate).exists()
        or SlugRedirect.objects.filter(old_slug=candidate)
        .exclude(article_id=getattr(article, "pk", None))
        .exists()
    ):
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def publish(revision: Revision) -> None:
    """Make `revision` the one readers see. The caller holds the article's row lock."""
    article = revision.article
    old_slug = article.slug if article.is_published else None
    previous = article.published_revision.number if article.is_published else None
    if revision.title != article.title or not article.slug:
        article.title = revision.title
        article.slug = slug_for(revision.title, article=article)
    if old_slug and article.slug != old_slug:
        SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": article})
    SlugRedirect.objects.filter(old_slug=article.slug).delete()
    if not article.is_deleted:
        tagcounts.shift(removed=article.published_revision_id, added=revision.pk)
    article.published_revision = revision
    article.summary = revision.summary
    article.updated_at = timezone.now()
    article.save()
    _sync_aliases(article, revision)
    _sync_links(article, revision)
    _sync_search_entry(article, revision)
    sync_uses(article, file_names(revision.body))
    turn_red_links_blue(article)
    pagecache.bump()
    watching.announce(revision, previous=previous)


def turn_red_links_blue(article: Article) -> None:
    """Links written before this title existed (or while the article was deleted) were red:
    point them at it and refresh the stored HTML of the published revisions that contain
    them (a cache of the same body)."""
    keys = [article.title_key, *Alias.objects.filter(article=article).values_list("key", flat=True)]
    stale = Link.objects.filter(target_key__in=keys, target__isnull=True)
    sources = _published_revisions_linking(stale)
    stale.update(target=article)
    rerender(sources)


def turn_links_red(article: Article) -> None:
    """The article is gone for readers (deleted): links to it become red again."""
    links = Link.objects.filter(target=article)
    sources = _published_revisions_linking(links)
    links.update(target=None)
    rerender(sources)


def _published_revisions_linking(links) -> list[Revision]:
    return list(
        Revision.objects.filter(
            pk__in=Article.objects.filter(outgoing_links__in=links).values("published_revision")
        )
    )


def rerender(revisions) -> None:
    """Render the stored HTML of `revisions` again (what they link to or embed changed)."""
    for revision in revisions:
        adult = revision.tags.filter(is_adult=True).exists
        revision.body_html = render(revision.body, adult=adult).html
        revision.save(update_fields=["body_html"])


def _sync_aliases(article: Article, revision: Revision) -> None:
    Alias.objects.filter(article=article).delete()
    # Deleted articles do not keep their aliases from anyone else.
    Alias.objects.filter(
        article__is_deleted=True, key__in=[normalize_title(name) for name in revision.alias_list]
    ).delete()
    seen = {article.title_key}
    for name in revision.alias_list:
        key = normalize_title(name)
        if key in seen:
            continue
        seen.add(key)
        Alias.objects.create(article=article, name=name, key=key)


def _sync_links(article: Article, revision: Revision) -> None:
    Link.objects.filter(source=article).delete()
    keys = {normalize_title(t) for t in revision.link_targets}
    keys.discard(article.title_key)
    if not keys:
        return
    published = Article.objects.published()
    targets = dict(published.filter(title_key__in=keys).values_list("title_key", "pk"))
    for key, pk in Alias.objects.filter(
        key__in=keys - targets.keys(), article__in=published
    ).values_list("key", "article_id"):
        targets[key] = pk
    Link.objects.bulk_create(
        [Link(source=article, target_key=key, target_id=targets.get(key)) for key in sorted(keys)]
    )


def _sync_search_entry(article: Article, revision: Revision) -> None:
    """The article's search row: its text, and what the reader filters ask of it (the kind
    and the published revision, whose tags the tag filters read)."""
    SearchEntry.objects.update_or_create(
        article=article,
        defaults={
            "kind": article.kind,
            "published_revision": revision,
            "title": revision.title,
            "aliases": "\n".join(revision.alias_list),
            "summary": revision.summary,
            "tags": " ".join(tag.name for tag in revision.tags.all()),
            "body": plain_text(revision.body_html, lines=True),
        },
    )
