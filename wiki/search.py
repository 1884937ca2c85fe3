"""Search over published articles.

PostgreSQL: a weighted full-text search on SearchEntry's generated `document` column (GIN
index), websearch syntax, ranking, escaped highlighted snippets; when that finds nothing,
titles and aliases close to the query by trigram similarity, with a "did you mean" line.
SQLite: substring matching on the same rows, title and alias matches ranked first.
"""

import html
import re
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Replace

from .models import Alias, Article, SearchEntry, normalize_title
from .preferences import ReaderPrefs, opens_directly
from .selectors import published_article_named

CONFIG = "english"
START, STOP, LT = "\x02", "\x03", "\x01"
TYPO_SIMILARITY = 0.3


@dataclass
class SearchResults:
    query: str
    articles: list
    suggestion: str | None = None


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def exact_match(query: str) -> Article | None:
    """The one published article whose title or alias is exactly the query, if any."""
    return published_article_named(query)


def _base(prefs: ReaderPrefs, kind: str | None, tag=None):
    entries = SearchEntry.objects.filter(
        article__published_revision__isnull=False, article__is_deleted=False
    )
    if kind:
        entries = entries.filter(article__kind=kind)
    if tag is not None:
        entries = entries.filter(article__published_revision__tags=tag)
    if prefs.hidden_tag_ids:
        entries = entries.exclude(article__published_revision__tags__in=prefs.hidden_tag_ids)
    return entries


def _exact_ids(key: str) -> list[int]:
    """Articles whose title or alias is exactly the query: they are listed whatever the
    full-text match says. A literal list keeps the search's WHERE clause indexable."""
    return list(
        Article.objects.filter(Q(title_key=key) | Q(alias_set__key=key))
        .values_list("pk", flat=True)
        .distinct()
    )


def _exact_rank(key: str, exact_ids: list[int]):
    return Case(
        When(article__title_key=key, then=Value(2)),
        When(pk__in=exact_ids, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def search(query: str, prefs: ReaderPrefs, *, kind=None, tag=None, limit=50) -> SearchResults:
    query = " ".join(query.split())[:200]
    if not query:
        return SearchResults(query, [])
    key = normalize_title(query)
    exact_ids = _exact_ids(key)
    entries = (
        _base(prefs, kind, tag)
        # The article with its published revision and badge tags: a fixed number of queries.
        .prefetch_related(Prefetch("article", queryset=Article.objects.with_badges()))
        .annotate(exact=_exact_rank(key, exact_ids))
    )
    exact = Q(pk__in=exact_ids)
    if uses_postgres():
        results = _search_postgres(query, entries, exact, limit)
    else:
        results = _search_sqlite(query, entries, exact, limit)
    for row in results.articles:
        # An article that opens behind a notice shows no excerpt of its text in the list.
        if not opens_directly(row.article.badge_tags, prefs):
            row.snippet = html.escape(row.summary)
    return results


def _search_postgres(query, entries, exact, limit) -> SearchResults:
    search_query = SearchQuery(query, search_type="websearch", config=CONFIG)
    document = RawSQL('"wiki_searchentry"."document"', [], output_field=SearchVectorField())
    rows = list(
        entries.alias(document=document)
        .filter(Q(document=search_query) | exact)
        .annotate(
            rank=SearchRank(document, search_query),
            headline=SearchHeadline(
                # ts_headline drops what looks like an HTML tag: hide "<" from its parser.
                Replace("body", Value("<"), Value(LT)),
                search_query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
            ),
        )
        .order_by("-exact", "-rank", "title")[:limit]
    )
    if not rows:
        return _search_typos(query, entries, limit)
    for row in rows:
        row.snippet = _mark(html.escape((row.headline or row.summary).replace(LT, "<")))
    return SearchResults(query, rows)


def _search_typos(query, entries, limit) -> SearchResults:
    """When the full-text search finds nothing: the entries whose title or an alias is close
    to the query by trigram similarity, closest first, and the closest title or alias as a
    "did you mean" line. One query (plus the article prefetch), whatever the results."""
    closest_alias = (
        Alias.objects.filter(article_id=OuterRef("article_id"))
        .annotate(similarity=TrigramWordSimilarity(query, "name"))
        .order_by("-similarity", "name")
        .values("name")[:1]
    )
    rows = list(
        entries.annotate(
            title_similarity=TrigramSimilarity("title", query),
            alias_similarity=TrigramWordSimilarity(query, "aliases"),
            similarity=Greatest("title_similarity", "alias_similarity"),
            closest_alias=Subquery(closest_alias),
        )
        .filter(similarity__gt=TYPO_SIMILARITY)
        .order_by("-similarity", "title")[:limit]
    )
    for row in rows:
        row.snippet = html.escape(row.summary)
    suggestion = None
    if rows:
        best = rows[0]
        suggestion = best.title
        if best.alias_similarity > best.title_similarity and best.closest_alias:
            suggestion = best.closest_alias
    return SearchResults(query, rows, suggestion)


def _search_sqlite(query, entries, exact, limit) -> SearchResults:
    words = [w for w in re.split(r"\s+", query.replace('"', " ")) if w and not w.startswith("-")]
    excluded = [w[1:] for w in query.split() if w.startswith("-") and len(w) > 1]
    if not words:
        return SearchResults(query, [])
    match = Q()
    for word in words:
        match &= (
            Q(title__icontains=word)
            | Q(aliases__icontains=word)
            | Q(summary__icontains=word)
            | Q(tags__icontains=word)
            | Q(body__icontains=word)
        )
    for word in excluded:
        match &= ~(Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word))
    title_hit = Q()
    for word in words:
        title_hit &= Q(title__icontains=word) | Q(aliases__icontains=word)
    rows = list(
        entries.filter(match | exact)
        .annotate(
            in_title=Case(
                When(title_hit, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by("-exact", "-in_title", F("title").asc())[:limit]
    )
    for row in rows:
        row.snippet = snippet(row.body or row.summary, words)
    return SearchResults(query, rows)


def snippet(text: str, words: list[str], width: int = 180) -> str:
    """An escaped excerpt of `text` around the first matching word, matches in <mark>."""
    lower = text.lower()
    positions = [lower.find(w.lower()) for w in words if lower.find(w.lower()) >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    excerpt = text[start : start + width]
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    marked = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", excerpt)
    prefix = "… " if start else ""
    suffix = " …" if start + width < len(text) else ""
    return prefix + _mark(html.escape(marked)) + suffix


def _mark(escaped: str) -> str:
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


def suggest_titles(prefix: str, prefs: ReaderPrefs, limit: int = 8) -> list[Article]:
    prefix = " ".join(prefix.split())[:100]
    if len(prefix) < 2:
        return []
    articles = Article.objects.published().filter(
        Q(title__istartswith=prefix) | Q(alias_set__name__istartswith=prefix)
    )
    if prefs.hidden_tag_ids:
        articles = articles.exclude(published_revision__tags__in=prefs.hidden_tag_ids)
    return list(articles.distinct().order_by("title")[:limit])
