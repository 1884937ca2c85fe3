"""Search, page by page: pages of 20, excerpts cut at word boundaries from text whose blocks
stay apart, the reader's filters, "did you mean" for misspellings on both databases, FTS5 on
SQLite, query budgets per page, and on PostgreSQL plans that never walk the articles."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import edit, make_article, make_tag
from wiki import search as search_service
from wiki.deletion import delete_article
from wiki.models import Article, Revision, RevisionStatus, SearchEntry
from wiki.preferences import ReaderPrefs
from wiki.rendering import plain_text, render_markdown
from wiki.tags import rename_tag

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5")


def get(client, q, **params):
    response = client.get(reverse("search"), {"q": q, "fulltext": "1", **params})
    assert response.status_code == 200
    return response


def titles(response):
    return [hit.article.title for hit in response.context["results"].articles]


def snippets(response):
    return re.findall(r'<p class="snippet">(.*?)</p>', response.content.decode(), re.S)


def bulk_articles(n, *, body="Ordinary words.", start=0):
    """`n` published articles with their search rows, made in bulk (no rendering)."""
    articles = Article.objects.bulk_create(
        Article(title=f"Filler {i:05d}", title_key=f"filler {i:05d}", slug=f"filler-{i}")
        for i in range(start, start + n)
    )
    revisions = Revision.objects.bulk_create(
        Revision(
            article=a, number=1, title=a.title, summary="Filler.", status=RevisionStatus.ACCEPTED
        )
        for a in articles
    )
    for article, revision in zip(articles, revisions, strict=True):
        article.published_revision = revision
    Article.objects.bulk_update(articles, ["published_revision"])
    SearchEntry.objects.bulk_create(
        SearchEntry(
            article=a,
            published_revision=r,
            title=a.title,
            summary="Filler.",
            body=body.format(i=i),
        )
        for i, (a, r) in enumerate(zip(articles, revisions, strict=True))
    )
    return articles


# --- pages ---------------------------------------------------------------------------------


def test_results_come_twenty_to_a_page_with_links_to_the_others(client, db):
    bulk_articles(45, body="A zanzibar story, number {i}.")

    first = get(client, "zanzibar")
    third = get(client, "zanzibar", page="3")

    assert len(titles(first)) == 20
    assert len(titles(third)) == 5
    assert first.context["results"].count == 45
    html = first.content.decode()
    assert "45 results for" in html
    assert "page 1 of 3" in html
    assert 'rel="next"' in html and "page=2" in html
    assert set(titles(first)).isdisjoint(titles(third))


def test_a_page_past_the_last_shows_the_last_and_a_bad_page_the_first(client, db):
    bulk_articles(25, body="A zanzibar story.")

    assert len(titles(get(client, "zanzibar", page="99"))) == 5
    assert len(titles(get(client, "zanzibar", page="x"))) == 20


def test_a_word_in_more_articles_than_are_ranked_says_at_least(client, db):
    bulk_articles(search_service.RANKED + 30, body="A zanzibar story.")

    response = get(client, "zanzibar")

    results = response.context["results"]
    assert results.more
    assert results.count > search_service.RANKED
    assert f"At least {results.count} results" in response.content.decode()


def test_an_exact_title_stays_first_among_many_matches(client, moderator):
    make_article("Zanzibar", author=moderator, body="An island.")
    bulk_articles(search_service.RANKED + 30, body="A zanzibar story about zanzibar.")

    assert titles(get(client, "zanzibar"))[0] == "Zanzibar"


def test_a_title_match_is_found_among_many_newer_body_matches(client, moderator):
    make_article("Zanzibar copal", author=moderator, body="Resin.")
    bulk_articles(search_service.RANKED + 30, body="A zanzibar story about zanzibar.")

    assert titles(get(client, "zanzibar"))[0] == "Zanzibar copal"


# --- excerpts ------------------------------------------------------------------------------


def test_snippet_cuts_at_word_boundaries_with_ellipses():
    text = (
        " ".join(f"word{i}" for i in range(100))
        + " concealed zanzibar treasure "
        + (" ".join(f"tail{i}" for i in range(100)))
    )

    excerpt = search_service.snippet(text, ["zanzibar"], width=120)

    assert excerpt.startswith("… word")
    assert excerpt.endswith(" …")
    assert "<mark>zanzibar</mark>" in excerpt
    body = excerpt.removeprefix("… ").removesuffix(" …")
    assert all(
        re.fullmatch(r"(word|tail)\d+|concealed|<mark>zanzibar</mark>|treasure", w)
        for w in body.split()
    ), body


def test_snippet_marks_the_whole_word_around_a_substring_match():
    assert search_service.snippet("Two waifus here.", ["waifu"]) == (
        "Two <mark>waifus</mark> here."
    )


def test_snippet_with_whole_words_leaves_words_that_only_contain_the_match():
    excerpt = search_service.snippet("A glove of love.", ["love"], whole_words=True)

    assert excerpt == "A glove of <mark>love</mark>."


def test_snippet_shows_blocks_apart_and_escapes_everything_but_mark():
    text = "Intro <b>&</b>\nArchetypes\nThe zanzibar type."

    excerpt = search_service.snippet(text, ["zanzibar"])

    assert excerpt == (
        "Intro &lt;b&gt;&amp;&lt;/b&gt; · Archetypes · The <mark>zanzibar</mark> type."
    )


def test_snippet_of_a_long_unbroken_run_stays_bounded():
    excerpt = search_service.snippet("寝" * 15_000 + "zanzibar" + "寝" * 50_000, ["zanzibar"])

    assert len(excerpt) < 400
    assert "<mark>" in excerpt


_TEXT = st.text(alphabet='ab AB\n.,-_<&"éÉİ寝', max_size=600)  # "İ".lower() is two characters
# Query words as `parse` gives them: never blank, never with space at either end.
_WORD = st.text(alphabet="abAB é寝-", min_size=1, max_size=8).map(str.strip).filter(bool)
_WORDS = st.lists(_WORD, max_size=3)


@given(text=_TEXT, words=_WORDS, whole_words=st.booleans())
@settings(max_examples=300, deadline=None)
def test_any_snippet_is_an_escaped_piece_of_the_text_marking_only_the_words(
    text, words, whole_words
):
    """Whatever the text and the words: the excerpt is one piece of the text (blocks joined
    by a middle dot), escaped, and every <mark> holds a match of a word; if a word occurs at
    all (as a whole word, when asked), the excerpt marks one."""
    excerpt = search_service.snippet(text, words, whole_words=whole_words)

    assert re.sub(r"</?mark>", "", excerpt).count("<") == 0
    marked = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", excerpt, re.S)]
    plain = html.unescape(re.sub(r"</?mark>", "", excerpt)).removeprefix("… ")
    plain = plain.removesuffix(" …")
    assert plain in text.replace("\n", " · ")
    folded = [w.lower() for w in words]
    for piece in marked:
        if whole_words:
            assert piece.lower() in folded, (piece, words)
        else:
            assert any(w in piece.lower() for w in folded), (piece, words)
    haystack, pattern = search_service._finder(text, words)
    occurs = search_service._matches(haystack, pattern, whole_words=whole_words, limit=1)
    assert bool(marked) == bool(occurs)


def test_search_text_has_a_line_per_block_and_no_footnote_numbers():
    html = render_markdown(
        "A love story.[^1]\n\n## Archetypes\n\n- one\n- two\n\n| a | b |\n|---|---|\n"
        "| c1 | c2 |\n\n[^1]: A note."
    )

    assert plain_text(html, lines=True).split("\n") == [
        "A love story.",
        "Archetypes",
        "one",
        "two",
        "a",
        "b",
        "c1",
        "c2",
        "References",
        "A note.",
    ]
    assert plain_text(html).startswith("A love story.1 Archetypes")  # other callers: unchanged


def test_search_page_excerpt_keeps_a_heading_apart_from_the_text_before_it(client, moderator):
    make_article(
        "Tsundere",
        author=moderator,
        body="A prickly love story.[^1]\n\n## Archetypes\n\nThe zanzibar type.\n\n[^1]: Note.",
    )

    (excerpt,) = snippets(get(client, "zanzibar"))

    assert "story. · Archetypes · The <mark>zanzibar</mark> type." in excerpt
    assert "story.1" not in excerpt


# --- the reader's filters ------------------------------------------------------------------


def test_hidden_tag_articles_are_left_out(client, moderator):
    lewd = make_tag("Lewd")
    make_article("Kept", author=moderator, body="A zanzibar tale.")
    make_article("Hidden", author=moderator, body="A zanzibar tale.", tags=[lewd])
    client.post(reverse("reader_settings"), {"hidden_tags": [lewd.pk]})

    assert titles(get(client, "zanzibar")) == ["Kept"]


def test_search_says_how_many_matches_the_readers_hidden_tags_took_out(client, moderator):
    lewd = make_tag("Lewd")
    make_article("Kept", author=moderator, body="A zanzibar tale.")
    make_article("Hidden", author=moderator, body="A zanzibar tale.", tags=[lewd])
    make_article("Hidden too", author=moderator, body="Another zanzibar tale.", tags=[lewd])
    make_article("Unrelated", author=moderator, body="Nothing here.", tags=[lewd])
    client.post(reverse("reader_settings"), {"hidden_tags": [lewd.pk]})

    response = get(client, "zanzibar")

    assert titles(response) == ["Kept"]
    assert response.context["results"].hidden == 2
    assert "2 articles hidden by your" in response.content.decode()


def test_search_for_a_reader_who_hides_nothing_counts_nothing_hidden(client, moderator):
    make_article("Kept", author=moderator, body="A zanzibar tale.")

    response = get(client, "zanzibar")

    assert response.context["results"].hidden is None
    assert "hidden by your" not in response.content.decode()


def test_adult_article_is_listed_with_its_summary_and_no_excerpt(client, moderator):
    adult = make_tag("Explicit", category="warning", adult=True)
    make_article(
        "Adult term",
        author=moderator,
        summary="Plain summary.",
        body="Zanzibar text.",
        tags=[adult],
    )

    response = get(client, "zanzibar")

    assert titles(response) == ["Adult term"]
    assert snippets(response) == []
    assert "Plain summary." in response.content.decode()
    assert "Zanzibar text" not in response.content.decode()


def test_each_result_shows_its_warning_and_adult_tags_by_name_and_no_other_tags(client, moderator):
    spoilers = make_tag("Spoilers", category="warning")
    adult = make_tag("Explicit", category="genre", adult=True)
    topic = make_tag("Romance")
    make_article("Zanzibar one", author=moderator, body="Zanzibar.", tags=[spoilers, adult, topic])
    make_article("Zanzibar two", author=moderator, body="Zanzibar.", tags=[topic])
    old = make_article("Zanzibar three", author=moderator, body="Zanzibar.", tags=[spoilers])
    edit(old, moderator, body="Zanzibar, again.", tags=[])

    response = get(client, "zanzibar")

    badges = {
        hit.article.title: [tag.name for tag in hit.badges]
        for hit in response.context["results"].articles
    }
    assert badges == {
        "Zanzibar one": ["Explicit", "Spoilers"],
        "Zanzibar two": [],
        "Zanzibar three": [],  # the published revision's tags, not an older one's
    }
    page = response.content.decode()
    assert '<span class="badge badge-adult">Explicit</span>' in page
    assert '<span class="badge badge-warning">Spoilers</span>' in page
    assert ">Romance</span>" not in page


def test_an_adult_reader_gets_the_excerpt(client, moderator):
    from tests.factories import make_user

    adult = make_tag("Explicit", category="warning", adult=True)
    make_article("Adult term", author=moderator, body="Zanzibar text.", tags=[adult])
    client.force_login(make_user("grown-up", show_adult=True))

    assert snippets(get(client, "zanzibar")) == ["<mark>Zanzibar</mark> text."]


def test_a_deleted_article_is_left_out(client, moderator):
    gone = make_article("Gone", author=moderator, body="A zanzibar tale.")
    make_article("Kept", author=moderator, body="A zanzibar tale.")
    delete_article(gone, moderator=moderator, reason="test")

    assert titles(get(client, "zanzibar")) == ["Kept"]


def test_kind_and_tag_filters_apply_to_many_matches(client, moderator):
    romance = make_tag("Romance")
    make_article("Genre one", author=moderator, kind="genre", body="Zanzibar.", tags=[romance])
    bulk_articles(search_service.RANKED + 10, body="A zanzibar story.")

    assert titles(get(client, "zanzibar", kind="genre")) == ["Genre one"]
    assert titles(get(client, "zanzibar", tag="romance")) == ["Genre one"]


# --- "did you mean", on both databases -----------------------------------------------------


@pytest.fixture
def demo_names(moderator):
    """The demo content's names (wiki/demo/content/articles)."""
    for title, aliases in (
        ("NTR", "Netorare\n寝取られ\nNTR genre"),
        ("Tsundere", "ツンデレ\nTsun-dere"),
        ("Isekai", "異世界\nIsekai fiction"),
        ("Waifu", "ワイフ\nHusbando"),
        ("Moe", ""),
    ):
        make_article(title, author=moderator, aliases=aliases, body=f"About {title.lower()}.")


@pytest.mark.parametrize(
    ("q", "title"),
    [("netorere", "NTR"), ("tsundre", "Tsundere"), ("isekia", "Isekai"), ("Waifus", "Waifu")],
)
def test_a_misspelling_or_plural_finds_its_article(client, demo_names, q, title):
    assert titles(get(client, q))[0] == title


@pytest.mark.parametrize(
    ("q", "suggestion"), [("netorere", "Netorare"), ("tsundre", "Tsundere"), ("isekia", "Isekai")]
)
def test_a_misspelling_says_did_you_mean(client, demo_names, q, suggestion):
    response = get(client, q)

    assert response.context["results"].suggestion == suggestion
    assert f'Did you mean <a href="/search/?q={suggestion}">{suggestion}</a>?' in (
        response.content.decode()
    )


def test_did_you_mean_leaves_out_hidden_tags(client, moderator):
    lewd = make_tag("Lewd")
    make_article("Netorare", author=moderator, tags=[lewd])
    client.post(reverse("reader_settings"), {"hidden_tags": [lewd.pk]})

    response = get(client, "netorere")

    assert titles(response) == []
    assert response.context["results"].suggestion is None


def test_nothing_close_finds_nothing(client, demo_names):
    response = get(client, "qwxzvk")

    assert titles(response) == []
    assert response.context["results"].suggestion is None


# --- SQLite: FTS5 --------------------------------------------------------------------------


@on_sqlite
def test_sqlite_matches_substrings_and_plurals(client, moderator):
    make_article("Isekai", author=moderator, body="The hero is reincarnated.")
    make_article("Fandom", author=moderator, body="Fan communities everywhere.")

    assert titles(get(client, "reincarnat")) == ["Isekai"]
    assert titles(get(client, "community")) == ["Fandom"]
    assert titles(get(client, "stories")) == []


@on_sqlite
def test_sqlite_ranks_a_title_match_over_a_body_match(client, moderator):
    make_article("Aaa", author=moderator, summary="Plain.", body="About kemonomimi here.")
    make_article("Kemonomimi girls", author=moderator, summary="Plain.", body="Plain.")

    assert titles(get(client, "kemonomimi")) == ["Kemonomimi girls", "Aaa"]


@on_sqlite
def test_sqlite_quoted_phrase_minus_word_and_or(client, moderator):
    make_article("Junai", author=moderator, body="A pure love story.")
    make_article("Yandere", author=moderator, body="An obsessive love, never pure.")

    assert titles(get(client, '"pure love"')) == ["Junai"]
    assert titles(get(client, "love -obsessive")) == ["Junai"]
    assert sorted(titles(get(client, "story or obsessive"))) == ["Junai", "Yandere"]


@on_sqlite
def test_sqlite_index_follows_edits_tag_renames_and_deletion(client, moderator):
    from tests.factories import edit

    romance = make_tag("Romance")
    article = make_article("Junai", author=moderator, body="Old zanzibar words.", tags=[romance])
    edit(article, moderator, body="New quokka words.")
    rename_tag(romance, name="Pure romance", actor=moderator)

    assert titles(get(client, "zanzibar")) == []
    assert titles(get(client, "quokka")) == ["Junai"]
    assert titles(get(client, "pure romance")) == ["Junai"]
    SearchEntry.objects.filter(pk=article.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM wiki_searchentry_fts WHERE wiki_searchentry_fts MATCH 'quokka'"
        )
        assert cursor.fetchone() == (0,)


@on_sqlite
def test_sqlite_search_is_driven_by_the_fts5_index(db):
    bulk_articles(50, body="A zanzibar story.")
    with CaptureQueriesContext(connection) as ctx:
        search_service.search("zanzibar", ReaderPrefs(), kind="term")
    matching = [q["sql"] for q in ctx.captured_queries if "MATCH" in q["sql"]]
    assert matching

    with connection.cursor() as cursor:
        for sql in matching:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " | ".join(row[-1] for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan, plan
            assert "SCAN wiki_searchentry " not in plan + " ", plan


# --- query budgets -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 45, search_service.RANKED + 30])
def test_every_page_of_results_runs_the_same_queries(client, db, n):
    bulk_articles(n, body="A zanzibar story.")
    get(client, "zanzibar")  # warm up
    counts = []
    for page in ("1", "2"):
        with CaptureQueriesContext(connection) as ctx:
            get(client, "zanzibar", page=page)
        counts.append(len(ctx.captured_queries))

    more = n > search_service.RANKED
    # Candidates and ranking (one query on PostgreSQL, two on SQLite, two more there for a
    # word in more articles than are ranked), the page's articles, their badges, the words to
    # mark (PostgreSQL), the tag list of the form.
    expected = 5 if connection.vendor == "postgresql" else (7 if more else 5)
    assert counts == [expected, expected]


def test_a_misspelling_runs_a_fixed_number_of_queries(client, demo_names):
    get(client, "netorere")
    with CaptureQueriesContext(connection) as ctx:
        get(client, "netorere")

    # Candidates (none), the close names, the page's articles, their badges, the tag list.
    assert len(ctx.captured_queries) == (5 if connection.vendor == "postgresql" else 5)


# --- PostgreSQL: plans at a realistic size --------------------------------------------------


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def fresh_statistics():
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('wiki_searchentry_document_gin')")
        cursor.execute("SELECT gin_clean_pending_list('wiki_searchentry_head_gin')")
        cursor.execute("ANALYZE wiki_searchentry")
        cursor.execute("ANALYZE wiki_article")
        cursor.execute("ANALYZE wiki_alias")


def search_sql(q: str) -> str:
    with CaptureQueriesContext(connection) as ctx:
        found = search_service.search(q, ReaderPrefs(frozenset({1})))
    assert found.articles
    # The ranking; the reader hides a tag, so a count of the matches it hid follows.
    ranked, hidden_count = [query["sql"] for query in ctx.captured_queries if "@@" in query["sql"]]
    assert "ts_rank" in ranked and "COUNT(" in hidden_count
    return ranked


@on_postgres
def test_postgres_plans_never_walk_the_articles_or_the_search_table(db):
    """5,000 rows, "common" in 4 of 5, "zanzibar" in one in a thousand. The planner needs the
    statistics (ANALYZE, as autovacuum keeps them) to tell a common word from a rare one."""
    bulk_articles(5000, body="Entry {i}: common words and more.")
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    SearchEntry.objects.filter(pk__in=ids[::5]).update(body="Other words only.")
    SearchEntry.objects.filter(pk__in=ids[1::1000]).update(body="A rare zanzibar entry.")
    fresh_statistics()

    common_plan = explain(search_sql("common"))
    rare_plan = explain(search_sql("zanzibar"))

    for plan in (common_plan, rare_plan):
        assert "Seq Scan on wiki_article" not in plan, plan
        # The candidates ("V0"...) come from indexes. (Joining the few hundred candidates back
        # to their rows may read a table this small whole; at 100,000 rows it does not.)
        assert 'Seq Scan on wiki_searchentry "V' not in plan, plan
    # The rare word is looked up in the GIN index; the common one either there or by walking
    # the newest rows until enough match, whichever the planner finds cheaper.
    assert "Bitmap Index Scan on wiki_searchentry_document_gin" in rare_plan, rare_plan
    assert (
        "Bitmap Index Scan on wiki_searchentry_document_gin" in common_plan
        or "Index Scan Backward using wiki_searchentry_pkey" in common_plan
    ), common_plan


@pytest.mark.parametrize("initials", [{"a"}, {"a", "b"}, {"a", "b", "g", "x"}, set("abgxyzqw")])
def test_words_for_highlighting_are_the_whole_words_starting_with_a_query_initial(initials):
    """One literal scan per initial for a short query, one scan for all of them for a long one:
    every whole word that starts with an initial, lowercased, and nothing that is not a word
    or a word's tail from such a letter on."""
    texts = ["Alpha beta_1, GAMMA;\nalphabet xalpha", "über Beta"]

    found = search_service._words_starting(texts, initials)

    every = {"alpha", "beta_1", "gamma", "alphabet", "xalpha", "über", "beta"}
    assert {w for w in every if w[0] in initials} <= found
    assert all(w[0] in initials and any(e.endswith(w) for e in every) for w in found), found


def test_an_excerpt_looks_only_at_the_start_of_a_long_text():
    text = "Lead. " + "filler words " * 3000 + "zanzibar at the end"

    excerpt = search_service.snippet(text, ["zanzibar"])

    assert len(text) > search_service.EXCERPT_CHARS
    assert excerpt.startswith("Lead. filler") and excerpt.endswith(" …")
    assert "<mark>" not in excerpt


def test_a_text_that_lowercasing_lengthens_is_still_marked_in_the_right_place():
    excerpt = search_service.snippet("İstanbul fans and FANS", ["fans"], whole_words=True)

    assert excerpt == "İstanbul <mark>fans</mark> and <mark>FANS</mark>"
