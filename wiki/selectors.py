"""Look-ups by name, written once: forms, services, views and the admin call these.

A name here is what a person types (a title, an alias, a tag name); it is compared through
`wiki.names` (the key, or the look-alike skeleton), never with ad hoc casefolding.
"""

from django.db.models import Count, Exists, F, OuterRef, Q

from . import names, pagecache, statements
from .models import Article, ArticleKind, Tag, TagAlias, Watch
from .models.tags import BADGE
from .preferences import ReaderPrefs, filter_articles


def article_at(slug: str, *, related: tuple = (), watcher=None) -> Article | None:
    """The article whose slug is `slug` (a live one before a deleted one that had it), with
    the `related` objects (`select_related` paths) and, for a signed-in `watcher`,
    `is_watched`: one query, compiled once per shape (wiki.statements). Who may see it is
    `access.may_view`'s to say."""
    watching = watcher is not None and watcher.is_authenticated
    values = [slug, watcher.pk] if watching else [slug]
    found = statements.fetch(_article_at_query, (tuple(related), watching), values)
    return found[0] if found else None


def _article_at_query(related: tuple, watching: bool):
    """Stand-ins: text 0 the slug, 1 the watcher's id."""
    found = Article.objects.select_related(*related) if related else Article.objects.all()
    if watching:
        watched = Watch.objects.filter(user_id=statements.stand_in(1), article=OuterRef("pk"))
        found = found.annotate(is_watched=Exists(watched))
    return found.filter(slug=statements.text_stand_in(0)).order_by("is_deleted", "-pk")[:1]


def find_article_by_name(name: str, *, exclude: Article | None = None) -> Article | None:
    """The live article (published, or with a revision waiting) whose title or published
    alias is `name`. Deleted and wholly rejected articles do not hold their names."""
    key = names.name_key(name)
    if not key or len(key) > names.TITLE_MAX:
        return None
    found = Article.objects.live().filter(Q(title_key=key) | Q(alias_set__key=key))
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found.order_by("pk").first()


def find_lookalike(name: str, *, exclude: Article | None = None) -> Article | None:
    """The live article whose title or alias a reader could not tell from `name` (the same
    confusable skeleton, a different key): Cyrillic "Оtaku" beside Latin "Otaku"."""
    key = names.name_key(name)
    if not key:
        return None
    skeleton = names.skeleton(name)
    found = (
        Article.objects.live()
        .filter(Q(title_skeleton=skeleton) | Q(alias_set__skeleton=skeleton))
        .exclude(Q(title_key=key) | Q(alias_set__key=key))
    )
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found.order_by("pk").first()


def find_tag_by_name(name: str, *, exclude_tag: Tag | None = None, except_alias=None) -> Tag | None:
    """The tag whose name, or one of whose aliases, is `name`."""
    key = names.name_key(name)
    if not key or len(key) > names.TAG_NAME_MAX:
        return None
    tags = Tag.objects.filter(name_key=key)
    aliases = TagAlias.objects.select_related("tag").filter(name_key=key)
    if exclude_tag is not None:
        tags = tags.exclude(pk=exclude_tag.pk)
        aliases = aliases.exclude(tag=exclude_tag)
    if except_alias is not None:
        aliases = aliases.exclude(pk=except_alias)
    tag = tags.first()
    if tag is None:
        alias = aliases.first()
        tag = alias.tag if alias else None
    return tag


TAG_SUGGESTIONS = 8


def suggest_tags(typed: str, limit: int = TAG_SUGGESTIONS) -> list[Tag]:
    """Tags for the editor's tag picker: those whose name, or one of whose aliases, starts with
    what was typed (compared by key), by name. Tags are public: every one is listed on the tag
    index, so nothing here depends on the reader."""
    key = names.name_key(typed)
    if not key or len(key) > names.TAG_NAME_MAX:
        return []
    aliased = TagAlias.objects.filter(name_key__startswith=key).values("tag_id")
    found = Tag.objects.filter(Q(name_key__startswith=key) | Q(pk__in=aliased))
    return list(found.prefetch_related("aliases").order_by("name")[:limit])


def published_article_named(name: str) -> Article | None:
    """The published article whose title or alias is exactly `name` (search's direct hit)."""
    key = names.name_key(name)
    if not key or len(key) > names.TITLE_MAX:
        return None
    found = statements.fetch(_titled_query, (), [key]) or statements.fetch(
        _aliased_query, (), [key]
    )
    return found[0] if found else None


def _titled_query():
    """The published article titled as text stand-in 0 (a key)."""
    return Article.objects.published().filter(title_key=statements.text_stand_in(0))[:1]


def _aliased_query():
    """The published article with text stand-in 0 (a key) as an alias."""
    return Article.objects.published().filter(alias_set__key=statements.text_stand_in(0))[:1]


def tags_with_counts() -> list[Tag]:
    """Every tag, by name, with its `article_count` (kept on the row by wiki.tagcounts): the
    same for every page and reader until the next visible change (a page-cache fragment)."""
    return pagecache.fragment("tags-with-counts", lambda: list(Tag.objects.order_by("name")))


def badge_tags_of(revision_ids) -> dict[int, list[Tag]]:
    """The badges (`BADGE`: warnings and adult tags) of these revisions, by revision, each
    list by name (one query, compiled once per number of revisions). What
    `Article.objects.with_badges()` prefetches, for a list that has only the revisions' ids."""
    revision_ids = sorted({pk for pk in revision_ids if pk is not None})
    if not revision_ids:
        return {}
    found: dict[int, list[Tag]] = {}
    for tag in statements.fetch(_badges_query, (len(revision_ids),), revision_ids):
        found.setdefault(tag.revision_id, []).append(tag)
    return found


def _badges_query(count: int):
    """Stand-ins 0..count-1: the revisions."""
    return (
        Tag.objects.filter(BADGE, revisions__in=[statements.stand_in(n) for n in range(count)])
        .only("name", "slug", "category", "is_adult")  # a badge, not a description
        .annotate(revision_id=F("revisions"))
    )


RELATED_TAGS_KEPT = 30  # enough to show 8 after a reader's hidden tags are taken out


def related_tags(tag: Tag, *, hidden_ids=(), limit: int = 8) -> list[Tag]:
    """The tags found most often with `tag` on published articles, with `shared`: the
    number of such articles. The aggregate reads every article with the tag, so its result is
    shared by every reader until the next visible change; hidden tags are taken out after."""
    kept = pagecache.fragment(f"related-tags:{tag.pk}", lambda: _count_related_tags(tag))
    hidden = {tag.pk, *hidden_ids}
    return [other for other in kept if other.pk not in hidden][:limit]


def _count_related_tags(tag: Tag) -> list[Tag]:
    return list(
        Tag.objects.filter(
            revisions__article__published_revision=F("revisions__pk"),
            revisions__article__is_deleted=False,
            revisions__tags=tag,
        )
        .exclude(pk=tag.pk)
        .annotate(shared=Count("revisions", distinct=True))
        .order_by("-shared", "name")[:RELATED_TAGS_KEPT]
    )


# A tag on more articles than this says little about what is related (think "Anime"): the
# related terms only count the article's more specific tags, so their query stays small however
# big the wiki grows. An article with none looks among the newest RELATED_CANDIDATES articles
# with its rarest tag: a bounded count rather than one over every article with a common tag.
RELATED_TAG_MAX_ARTICLES = 2000
RELATED_CANDIDATES = 500
RELATED_TERMS = 6


def related_terms(article: Article, tags, prefs: ReaderPrefs) -> list[Article]:
    """Published terms sharing the most of `article`'s specific tags (`tags`: its published
    revision's, with their `article_count`), with `shared`: none the reader hides, and no
    adult ones unless the reader opens adult articles without the notice. With only common
    tags: those sharing the most of them among the newest articles with the rarest one. One
    query, compiled once per shape (wiki.statements)."""
    if not tags:
        return []
    by_rarity = sorted(tags, key=lambda tag: (tag.article_count, tag.pk))
    specific = [tag.pk for tag in by_rarity if tag.article_count <= RELATED_TAG_MAX_ARTICLES]
    candidates = None if specific else RELATED_CANDIDATES
    tag_ids = specific or [tag.pk for tag in by_rarity]  # the rarest first
    shape = (len(tag_ids), prefs.hidden_tag_ids, prefs.opens_adult, candidates)
    return statements.fetch(_related_query, shape, [article.pk, *tag_ids])


def _related_query(tag_count: int, hidden_tag_ids: frozenset, opens_adult: bool, candidates):
    """The related terms' queryset for one shape: stand-in 0 is the article, 1.. its tags
    (1 the rarest); `candidates`: look only among that many of the newest articles with tag 1
    (None: among all)."""
    tag_ids = [statements.stand_in(n) for n in range(1, tag_count + 1)]
    others = (
        Article.objects.published()
        .filter(kind=ArticleKind.TERM, published_revision__tags__in=tag_ids)
        .exclude(pk=statements.stand_in(0))
    )
    if candidates is not None:
        newest = (
            Article.objects.published()
            .filter(published_revision__tags=tag_ids[0])
            .exclude(pk=statements.stand_in(0))
        )
        others = others.filter(pk__in=newest.order_by("-pk").values("pk")[:candidates])
    others = filter_articles(others, ReaderPrefs(hidden_tag_ids=hidden_tag_ids))
    if not opens_adult:
        others = others.exclude(published_revision__tags__is_adult=True)
    shared = Count("published_revision__tags")
    return others.annotate(shared=shared).order_by("-shared", "title_key")[:RELATED_TERMS]
