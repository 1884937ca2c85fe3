"""Search over published articles, a page at a time.

Both databases work the same way, from the search table (`SearchEntry`, one row per
published article) and its indexes, never walking the articles:

1. Candidates, each passing the reader's filters (kind, tag, hidden tags, not deleted): the
   articles whose title or alias is exactly the query, then up to `RANKED` matches in their
   title, aliases, summary or tags, and up to `RANKED` matches anywhere, newest articles
   first. A word in fewer than `RANKED` articles has all its matches ranked; a word in more
   has the newest `RANKED` ranked (plus every head match among the newest `RANKED` of those),
   and the page says "200+". That is the trade-off: ranking every row of a word found in
   most articles costs more than the first pages are worth, while reading the newest
   matches in index order stops after a few hundred rows.
2. Ranking of the candidates: exact title, then exact alias, then relevance (PostgreSQL's
   `ts_rank` on the weighted document; SQLite's FTS5 `bm25` with the title weighted over the
   aliases, the summary and tags, and the body).
3. Only the page shown (`PER_PAGE` rows) is loaded, with its badges, and only it gets
   excerpts: cut from the stored plain text (one line per block) at word boundaries, matches
   in <mark>, everything else HTML-escaped (`snippet`).

PostgreSQL matches with `websearch_to_tsquery` (English stemming; "quoted phrases", -word,
or) on the GIN-indexed `document` and `head` tsvectors. SQLite matches substrings through
FTS5 tables with the trigram tokenizer (the same syntax; a plural also finds the singular).

When nothing matches, titles and aliases close to the query are offered instead, with a
"did you mean": candidates from the trigram indexes (pg_trgm's `%`; the FTS5 names table),
scored with rapidfuzz, so both databases pick the same suggestion.
"""

import functools
import html
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.paginator import Page, Paginator
from django.db import connection, connections, router
from django.db.models import (
    Case,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Substr
from rapidfuzz import fuzz, utils

from . import statements
from .models import Alias, Article, SearchEntry, Tag, normalize_title
from .models.search import SearchName, SearchText
from .preferences import ReaderPrefs, filter_articles, hidden_count, opens_directly
from .routes import Route
from .selectors import badge_tags_of, published_article_named

CONFIG = "english"
PER_PAGE = 20
RANKED = 200  # candidates ranked per branch (see the module docstring)
CLOSE_NAMES = 50  # titles and aliases scored for "did you mean"
CLOSE_SCORE = 75  # rapidfuzz's ratio (0-100) a name needs to be offered
SNIPPET_WIDTH = 200
START, STOP = "\x02", "\x03"
# FTS5's bm25 with column weights: title, aliases, summary, tags, body.
BM25_TEXT = "bm25(wiki_searchentry_fts, 10.0, 8.0, 3.0, 3.0, 1.0)"
EXCERPT_CHARS = 20_000  # the start of a text that excerpts (and their highlighting) look at
LITERAL_SCANS = 3  # query initials scanned for one by one (see _words_starting)
LONGEST_WORD = 100  # characters; a longer run of letters is not highlighted on PostgreSQL


@dataclass
class Hit:
    """One result: the article, its badges and its excerpt (escaped, with <mark>s)."""

    article: Article
    url: str = ""
    snippet: str = ""
    badges: list[Tag] = field(default_factory=list)  # its warning and adult tags


@dataclass
class SearchResults:
    query: str
    articles: list[Hit] = field(default_factory=list)  # this page's results
    suggestion: str | None = None
    page: Page | None = None
    more: bool = False  # more matches than were ranked ("200+")
    hidden: int | None = None  # matches the reader's hidden tags took out (None: hides none)

    @property
    def count(self) -> int:
        return self.page.paginator.count if self.page else 0


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def exact_match(query: str) -> Article | None:
    """The one published article whose title or alias is exactly the query, if any."""
    return published_article_named(query)


# --- the query ------------------------------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_EDGE_PUNCTUATION = "\"'`.,;:!?()[]{}<>&|*^~+=@#$%\\/"


@dataclass
class Terms:
    """A query in websearch syntax: every group must match; a group's alternatives (words or
    phrases) are joined by "or"; excluded ones must not match."""

    groups: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def positive(self) -> list[str]:
        return [alternative for group in self.groups for alternative in group]


def parse(query: str) -> Terms:
    terms = Terms()
    join_next = False
    for match in _TOKEN.finditer(query):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            negated = word.startswith("-")
            word = word.lstrip("-")
            if word.lower() == "or" and not negated:
                join_next = bool(terms.groups)
                continue
            phrase = word.strip(_EDGE_PUNCTUATION)
        phrase = " ".join(phrase.split())
        if not phrase:
            continue
        if negated:
            terms.excluded.append(phrase)
        elif join_next:
            terms.groups[-1].append(phrase)
        else:
            terms.groups.append([phrase])
        join_next = False
    return terms


# --- the reader's filters, on any query over search rows ----------------------------------


def for_reader(rows, prefs: ReaderPrefs, *, kind=None, tag=None, prefix: str = ""):
    """Search rows (`SearchEntry`, or an FTS table through `prefix="entry__"`) that this
    reader may find: not deleted, not carrying a hidden tag, of the kind and tag asked."""
    deleted = Article.objects.filter(pk=OuterRef("pk"), is_deleted=True)
    rows = filter_articles(rows.exclude(Exists(deleted)), prefs, prefix=prefix)
    if kind:
        rows = rows.filter(**{f"{prefix}kind": kind})
    if tag is not None:
        rows = rows.filter(**{f"{prefix}published_revision__tags": tag})
    return rows


def _exact_tier(key: str):
    """2 for the article titled exactly as the query, 1 for one with it as an alias."""
    return Case(
        When(pk__in=Article.objects.filter(title_key=key).values("pk"), then=Value(2)),
        When(pk__in=Alias.objects.filter(key=key).values("article_id"), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


# --- search ---------------------------------------------------------------------------------


def search(query: str, prefs: ReaderPrefs, *, kind=None, tag=None, page=1) -> SearchResults:
    query = " ".join(query.split())[:200]
    terms = parse(query)
    if not terms.groups:
        return SearchResults(query)
    key = normalize_title(query)
    engine = _Postgres(query, terms) if uses_postgres() else _SQLite(query, terms)
    ranked, more = engine.ranked_ids(prefs, kind=kind, tag=tag, key=key)
    suggestion = None
    if not ranked:
        entries = for_reader(SearchEntry.objects.all(), prefs, kind=kind, tag=tag)
        ranked, suggestion = _close_names(engine, query, entries, prefs, kind=kind, tag=tag)
    results = SearchResults(query, suggestion=suggestion, more=more)
    results.page = Paginator(ranked, PER_PAGE).get_page(page)
    results.articles = _hits(results.page.object_list, prefs, engine, typo=suggestion)
    if prefs.hidden_tag_ids and not suggestion:
        results.hidden = _hidden_matches(engine, prefs, kind=kind, tag=tag)
    return results


def _hidden_matches(engine, prefs: ReaderPrefs, *, kind, tag) -> int:
    """How many articles matching the query the reader's hidden tags took out (one count,
    from the index, capped as `preferences.hidden_count` caps it)."""
    unfiltered = ReaderPrefs(show_adult=prefs.show_adult)
    rows = for_reader(SearchEntry.objects.all(), unfiltered, kind=kind, tag=tag)
    return hidden_count(engine.matching(rows), prefs)


def _hits(ids: list[int], prefs: ReaderPrefs, engine, *, typo) -> list[Hit]:
    """The page's articles (one query, with the start of their search text) and their badges
    (one more), in `ids` order, and their excerpts."""
    articles = {article.pk: article for article in statements.fetch(_hits_query, (len(ids),), ids)}
    badges = badge_tags_of(article.published_revision_id for article in articles.values())
    article_url = Route("article", str)
    hits = [
        Hit(
            article, article_url(article.slug), badges=badges.get(article.published_revision_id, [])
        )
        for article in (articles[pk] for pk in ids if pk in articles)
    ]
    highlight = (
        engine.highlighter([hit.article.text for hit in hits]) if hits and not typo else None
    )
    for hit in hits:
        # An article that opens behind a notice is listed with its summary alone, never with
        # an excerpt of its text; so are the "did you mean" results (nothing to highlight).
        if highlight is not None and opens_directly(hit.badges, prefs):
            hit.snippet = highlight(hit.article.text)
    return hits


def _hits_query(count: int):
    """Stand-ins 0..count-1: the articles of a page of results, with what a hit shows."""
    shown = ("title", "slug", "kind", "summary", "published_revision")
    text = Substr("search_entry__body", 1, EXCERPT_CHARS)
    wanted = [statements.stand_in(n) for n in range(count)]
    return Article.objects.only(*shown).annotate(text=text).filter(pk__in=wanted).order_by()


# --- PostgreSQL -----------------------------------------------------------------------------


class TableColumn(Expression):
    """A column of the query's own table that only a migration knows about (PostgreSQL's
    generated tsvectors): `"alias"."name"`, right in subqueries too."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name(compiler.query.get_initial_alias())
        return f"{alias}.{connection.ops.quote_name(self.name)}", []


class _Postgres:
    def __init__(self, query: str, terms: Terms):
        self.query = query
        self.terms = terms
        self.tsquery = SearchQuery(query, search_type="websearch", config=CONFIG)

    def _matching(self, rows, column: str):
        document = TableColumn(column, SearchVectorField())
        return rows.alias(**{column: document}).filter(**{column: self.tsquery})

    def matching(self, rows):
        """The search rows among `rows` that match the query anywhere."""
        return self._matching(rows, "document")

    def ranked_query(self, entries, key):
        """The candidates (exact names, the newest head and body matches) as a UNION of index
        scans, ranked: a queryset of ids."""
        newest = ("-pk",)
        head = self._matching(entries, "head").order_by(*newest).values("pk")[: RANKED + 1]
        body = self._matching(entries, "document").order_by(*newest).values("pk")[: RANKED + 1]
        titled = entries.filter(article__title_key=key).values("pk")
        aliased = entries.filter(pk__in=Alias.objects.filter(key=key).values("article_id"))
        candidates = head.union(body, titled, aliased.values("pk"))
        document = TableColumn("document", SearchVectorField())
        return (
            SearchEntry.objects.filter(pk__in=candidates)
            .annotate(tier=_exact_tier(key), rank=SearchRank(document, self.tsquery))
            .order_by("-tier", "-rank", "title", "pk")
            .values_list("pk", flat=True)
        )

    def ranked_ids(self, prefs, *, kind, tag, key) -> tuple[list[int], bool]:
        """One query, `ranked_query`'s, from its SQL compiled once per shape (below)."""
        shape = (prefs.hidden_tag_ids, kind, tag.pk if tag else None)
        ranked = statements.fetch(_ranked_query, shape, [self.query, key])
        return ranked, len(ranked) > RANKED

    def highlighter(self, texts):
        """The words of these texts that match a query word under the same English stemming
        as the index (one query), as a `snippet` function."""
        positive = " ".join(self.terms.positive)
        words = _words_starting(texts, {w[0] for w in _WORD.findall(positive.lower())})
        if not words:
            return lambda text: snippet(text, [], whole_words=True)
        with connections[router.db_for_read(SearchEntry)].cursor() as cursor:
            cursor.execute(
                "SELECT w FROM unnest(%s::text[]) AS w WHERE "
                "tsvector_to_array(to_tsvector(%s::regconfig, w)) "
                "&& tsvector_to_array(to_tsvector(%s::regconfig, %s))",
                [sorted(words), CONFIG, CONFIG, positive],
            )
            matching = [row[0] for row in cursor.fetchall()]
        return lambda text: snippet(text, matching, whole_words=True)

    def close_names(self, entries) -> list[tuple[int, str, str]]:
        """Rows whose title or an alias is similar to the query by trigrams (pg_trgm's `%`,
        similarity >= 0.3, from the trigram indexes): (id, title, aliases)."""
        titled = entries.filter(title__trigram_similar=self.query).values("pk")[:CLOSE_NAMES]
        aliases = Alias.objects.filter(name__trigram_similar=self.query).values("article_id")
        aliased = entries.filter(pk__in=aliases[:CLOSE_NAMES]).values("pk")
        return list(
            SearchEntry.objects.filter(pk__in=titled.union(aliased)).values_list(
                "pk", "title", "aliases"
            )
        )


def _ranked_query(hidden_tag_ids: frozenset, kind, tag_id):
    """`_Postgres.ranked_query` for one shape of search (the reader's hidden tags, the kind
    and the tag asked for), with stand-ins for the words (text 0) and their title key (text
    1): building and compiling it costs several milliseconds of CPU, more than PostgreSQL
    takes to run it, so it is compiled once per shape (wiki.statements)."""
    prefs = ReaderPrefs(hidden_tag_ids=hidden_tag_ids)
    entries = for_reader(SearchEntry.objects.all(), prefs, kind=kind, tag=tag_id)
    words = statements.text_stand_in(0)
    engine = _Postgres(words, parse(words))
    return engine.ranked_query(entries, statements.text_stand_in(1))


def _words_starting(texts, prefixes) -> set[str]:
    """The words (lowercased) in the first `EXCERPT_CHARS` of these texts that begin with one
    of `prefixes`, and the tails of words from such a letter on ("ommunity" in "community"):
    harmless, since excerpts mark whole words only, and cheaper than telling them apart.
    English stemming keeps a word's first letter (it cuts and mends endings: "skies" is
    "sky", "dying" is "die"), so a word can only share a stem with a query word that starts as
    it does: a few dozen of a page's thousands of words are left to ask the database about.
    One literal scan per prefix, up to `LITERAL_SCANS` of them (the regex engine skips ahead
    to a literal, several times faster than a character class or a leading \\b); for a query
    of many initials, one scan for any of them, so the work stays one pass."""
    if len(prefixes) <= LITERAL_SCANS:
        scans = [re.compile(re.escape(prefix) + r"\w*") for prefix in sorted(prefixes)]
    else:
        scans = [re.compile("(?:" + "|".join(map(re.escape, sorted(prefixes))) + r")\w*")]
    found = set()
    for text in texts:
        lowered = text[:EXCERPT_CHARS].lower()
        for scan in scans:
            found.update(scan.findall(lowered))
    return {word for word in found if len(word) <= LONGEST_WORD}


# --- SQLite ---------------------------------------------------------------------------------


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _plural_forms(word: str) -> list[str]:
    """The word and, for an English plural, its singular (for a word in -y, its plural):
    substrings of both are matched ("waifus" finds "waifu", "stories" finds "story",
    "community" finds "communities")."""
    forms = [word]
    lower = word.lower()
    if " " in word or len(word) < 5:
        return forms
    if lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u"):
        forms.append(word[:-1] + "ies")  # substrings cover the other plurals already
    elif lower.endswith("ies"):
        forms.append(word[:-3] + "y")
    elif lower.endswith(("ches", "shes", "sses", "xes")):
        forms.append(word[:-2])
    elif lower.endswith("s") and not lower.endswith("ss"):
        forms.append(word[:-1])
    return forms


class _SQLite:
    SHORT = 3  # the trigram tokenizer matches nothing shorter

    def __init__(self, query: str, terms: Terms):
        self.query = query
        self.terms = terms
        groups, self.short_groups = [], []
        for group in terms.groups:
            if any(len(alternative) < self.SHORT for alternative in group):
                self.short_groups.append(group)
                continue
            forms = [_fts_string(f) for alternative in group for f in _plural_forms(alternative)]
            groups.append("(" + " OR ".join(forms) + ")")
        self.fts = " AND ".join(groups)
        excluded = [_fts_string(e) for e in terms.excluded if len(e) >= self.SHORT]
        self.short_excluded = [e for e in terms.excluded if len(e) < self.SHORT]
        if self.fts and excluded:
            self.fts = f"({self.fts}) NOT ({' OR '.join(excluded)})"
        self.words = [f for alternative in terms.positive for f in _plural_forms(alternative)]

    def _like(self, rows, prefix=""):
        """The groups and exclusions too short for the trigram index, as LIKE filters."""
        columns = ("title", "aliases", "summary", "tags", "body")
        for group in self.short_groups:
            found = Q()
            for alternative in group:
                for column in columns:
                    found |= Q(**{f"{prefix}{column}__icontains": alternative})
            rows = rows.filter(found)
        for excluded in self.short_excluded:
            for column in columns:
                rows = rows.exclude(**{f"{prefix}{column}__icontains": excluded})
        return rows

    def ranked_ids(self, prefs, *, kind, tag, key) -> tuple[list[int], bool]:
        """Two queries for a word in at most `RANKED` articles (its matches, then their
        ranking), four for a commoner one (head matches and exact names join them)."""
        self.prefs, self.kind, self.tag = prefs, kind, tag  # for close_names
        entries = for_reader(SearchEntry.objects.all(), prefs, kind=kind, tag=tag)
        tier = _exact_tier(key)
        if not self.fts:  # only words too short for the index: a scan, for tiny queries only
            rows = self._like(entries).annotate(tier=tier).order_by("-tier", "-pk")
            found = list(rows.values_list("pk", flat=True)[: RANKED + 1])
            return found, len(found) > RANKED

        def newest(match: str) -> list[int]:
            texts = SearchText.objects.filter(document__match=match)
            texts = self._like(for_reader(texts, prefs, kind=kind, tag=tag, prefix="entry__"))
            return list(texts.order_by("-pk").values_list("pk", flat=True)[: RANKED + 1])

        candidates = newest(self.fts)
        more = len(candidates) > RANKED
        if more:
            candidates += newest("{title aliases summary tags} : (" + self.fts + ")")
            named = (
                Article.objects.filter(title_key=key)
                .values("pk")
                .union(Alias.objects.filter(key=key).values("article_id"))
            )
            candidates += entries.filter(pk__in=named).values_list("pk", flat=True)
        bm25 = Func(template=BM25_TEXT, output_field=FloatField())
        # "+rowid": FTS5 would run the whole MATCH again for each id of an IN list on its
        # rowid; read the matches once and keep the candidates instead.
        rowid = Func(F("pk"), template="+%(expressions)s", output_field=IntegerField())
        ranked = (
            SearchText.objects.filter(document__match=self.fts)
            .alias(rowid=rowid)
            .filter(rowid__in=set(candidates))
            .annotate(tier=tier, score=bm25)
            .order_by("-tier", "score", "pk")
        )
        return list(ranked.values_list("pk", flat=True)), more

    def highlighter(self, texts):
        return lambda text: snippet(text, self.words)

    def matching(self, rows):
        """The search rows among `rows` that match the query anywhere."""
        if self.fts:
            rows = rows.filter(
                pk__in=SearchText.objects.filter(document__match=self.fts).values("pk")
            )
        return self._like(rows)

    def close_names(self, entries) -> list[tuple[int, str, str]]:
        """Rows sharing the most trigrams with the query in their title or aliases (the FTS5
        names table, bm25 order): (id, title, aliases)."""
        folded = " ".join(self.query.lower().split())
        grams = sorted({folded[i : i + 3] for i in range(len(folded) - 2)} - {""})
        if not grams:
            return []
        match = " OR ".join(_fts_string(g) for g in grams)
        names = SearchName.objects.filter(names__match=match)
        names = for_reader(names, self.prefs, kind=self.kind, tag=self.tag, prefix="entry__")
        bm25 = Func(template="bm25(wiki_searchname_fts)", output_field=FloatField())
        return list(
            names.annotate(score=bm25)
            .order_by("score")
            .values_list("pk", "entry__title", "entry__aliases")[:CLOSE_NAMES]
        )


# --- "did you mean" -------------------------------------------------------------------------


def _close_names(engine, query, entries, prefs, *, kind, tag) -> tuple[list[int], str | None]:
    """Articles whose title or an alias is close to the query, closest first, and the closest
    name as the suggestion (rapidfuzz's ratio on casefolded names)."""
    scored = []
    for pk, title, aliases in engine.close_names(entries):
        names = [title, *(a for a in aliases.split("\n") if a)]
        closeness, name = max((_closeness(query, n), n) for n in names)
        if closeness[0] >= CLOSE_SCORE:
            scored.append((closeness, title.casefold(), pk, name))
    scored.sort(key=lambda row: (-row[0][0], -row[0][1], row[1]))
    if not scored:
        return [], None
    return [pk for _, _, pk, _ in scored], scored[0][3]


def _closeness(query: str, name: str) -> tuple[float, float]:
    """How close a name is to the query: the best rapidfuzz ratio against the name or a run of
    as many of its words as the query has ("netorere" is close to "Netorare 10"), then the
    ratio against the whole name (the tie-break)."""
    query, name = utils.default_process(query), utils.default_process(name)
    whole = fuzz.ratio(query, name)
    size, words = len(query.split()), name.split()
    runs = (" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1)))
    return max(whole, *(fuzz.ratio(query, run) for run in runs)), whole


# --- excerpts -------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_BLOCK_SEPARATOR = " · "
_MAX_EXTEND = 40  # characters a match is widened by to reach whole words


def snippet(text: str, words, *, whole_words: bool = False, width: int = SNIPPET_WIDTH) -> str:
    """An excerpt of `text` (plain, one line per block) around the first match of `words`,
    cut at word boundaries with an ellipsis where text was left out; lines shown joined by a
    middle dot; everything HTML-escaped, then the matched words (whole words: a match inside
    a word marks the word) wrapped in <mark>. Only the first `EXCERPT_CHARS` of the text are
    looked at: the work per result stays bounded whatever the text and the words."""
    length = len(text)
    text = text[:EXCERPT_CHARS]
    haystack, pattern = _finder(text, words)
    first = _matches(haystack, pattern, whole_words=whole_words, limit=1)
    start = _word_start(text, max(0, first[0][0] - width // 3)) if first else 0
    end = _word_end(text, start, start + width)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # Only the excerpt is searched for the rest: a common word occurs all through a text.
    spans = _matches(haystack, pattern, whole_words=whole_words, start=start, end=end)
    excerpt_spans = [(a - start, b - start) for a, b in spans if a >= start and b <= end]
    excerpt = _mark_spans(text[start:end], excerpt_spans)
    marked = _mark(html.escape(excerpt).replace("\n", _BLOCK_SEPARATOR))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < length else ""
    return prefix + marked + suffix


def _finder(text: str, words) -> tuple[str, re.Pattern | None]:
    """What to search and how: the words' alternation (None: no words) over the lowercased
    text — offsets stay the text's when lowercasing keeps its length (it never shortens a
    character), and a case-sensitive scan is several times faster than re.IGNORECASE — or,
    for the rare text where it does not, over the text itself with re.IGNORECASE."""
    key = tuple(sorted({w.lower() for w in words if w}, key=lambda w: (-len(w), w)))
    if not key:
        return text, None
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered, _alternation(key, 0)
    return text, _alternation(key, re.IGNORECASE)


@functools.lru_cache(maxsize=32)
def _alternation(words: tuple[str, ...], flags) -> re.Pattern:
    """The words, longest first, as one literal alternation. Kept for the page's other
    results: escaping and compiling cost more than scanning a text for them."""
    return re.compile("|".join(re.escape(w) for w in words), flags)


def _matches(
    text: str, pattern, *, whole_words: bool, start=0, end=None, limit=None
) -> list[tuple[int, int]]:
    """(start, end) of the matches of `pattern` in text[start:end] (the first `limit` of
    them), widened to whole words, in text order. Literal searches and a bounded walk to the
    word's edges: linear in the text, whatever it holds."""
    if pattern is None:
        return []
    spans = []
    for found in pattern.finditer(text, start, len(text) if end is None else end):
        a, b = found.span()
        if spans and a < spans[-1][1]:  # inside the last match (widening only moves a back)
            continue
        if whole_words:
            if (a > 0 and _is_word(text[a - 1])) or (b < len(text) and _is_word(text[b])):
                continue
        else:
            floor, ceiling = max(0, a - _MAX_EXTEND), min(len(text), b + _MAX_EXTEND)
            while a > floor and _is_word(text[a - 1]):
                a -= 1
            while b < ceiling and _is_word(text[b]):
                b += 1
        if spans and a < spans[-1][1]:
            continue
        spans.append((a, b))
        if len(spans) == limit:
            break
    return spans


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _word_start(text: str, at: int) -> int:
    """`at`, moved forward to the start of a word if it falls inside one."""
    if at == 0 or not _is_word(text[at - 1]):
        return at
    limit = min(len(text), at + _MAX_EXTEND)
    while at < limit and _is_word(text[at]):
        at += 1
    return at


def _word_end(text: str, start: int, at: int) -> int:
    """`at`, moved back to the end of a word if it falls inside one (but past `start`)."""
    if at >= len(text):
        return len(text)
    if not _is_word(text[at]) or not _is_word(text[at - 1]):
        return at
    limit = max(start + 1, at - _MAX_EXTEND)
    cut = at
    while cut > limit and _is_word(text[cut - 1]):
        cut -= 1
    return cut if cut > limit else at


def _mark_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for a, b in spans:
        out += [text[last:a], START, text[a:b], STOP]
        last = b
    out.append(text[last:])
    return "".join(out)


def _mark(escaped: str) -> str:
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


# --- the search box's suggestions ------------------------------------------------------------


def suggest_titles(prefix: str, prefs: ReaderPrefs, limit: int = 8) -> list[Article]:
    prefix = " ".join(prefix.split())[:100]
    if len(prefix) < 2:
        return []
    articles = Article.objects.published().filter(
        Q(title__istartswith=prefix) | Q(alias_set__name__istartswith=prefix)
    )
    articles = filter_articles(articles, prefs)
    return list(articles.distinct().order_by("title")[:limit])
