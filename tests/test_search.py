"""Search: exact matches first, the "Go" redirect, aliases, bodies, filters and escaped
snippets on every database; websearch syntax, ranking, typo suggestions and the GIN index on
PostgreSQL."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import edit, make_article, make_tag
from wiki import search as search_service
from wiki import statements
from wiki.models import Article, Revision, RevisionStatus, SearchEntry
from wiki.preferences import ReaderPrefs

pytestmark = pytest.mark.django_db


def postgres_only(test):
    """Mark a test as PostgreSQL-only; it is skipped on other databases."""
    skip = pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL full-text search"
    )
    return pytest.mark.postgres(skip(test))


def results(client, q, **params):
    """Titles of the results page for `q` (never the "Go" redirect)."""
    response = client.get(reverse("search"), {"q": q, "fulltext": "1", **params})
    assert response.status_code == 200
    return [entry.article.title for entry in response.context["results"].articles]


def first_snippet(client, q) -> tuple[str, str]:
    """The results page for `q`, and its first excerpt."""
    html = client.get(reverse("search"), {"q": q, "fulltext": "1"}).content.decode()
    return html, re.search(r'<p class="snippet">(.*?)</p>', html, re.S).group(1)


# --- every database --------------------------------------------------------------------------


def test_exact_title_match_comes_first(client, moderator):
    make_article("A moe blob", author=moderator, body="Moe everywhere.")
    make_article("Aaa", author=moderator, body="Something moe.")
    make_article("Moe", author=moderator, body="Affection for a character.")

    assert results(client, "moe")[0] == "Moe"


def test_exact_alias_match_comes_first(client, moderator):
    make_article("Aaa NTR fans", author=moderator, body="About NTR readers.")
    make_article("Netorare", author=moderator, aliases="NTR", body="A genre.")

    assert results(client, "ntr")[0] == "Netorare"


def test_query_that_is_exactly_a_title_goes_to_the_article(client, moderator):
    article = make_article("Tsundere", author=moderator)
    make_article("Tsundere archetype", author=moderator)

    response = client.get(reverse("search"), {"q": "  tsundere "})

    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()


def test_query_that_is_exactly_an_alias_goes_to_the_article(client, moderator):
    article = make_article("Netorare", author=moderator, aliases="NTR\n寝取られ")

    assert client.get(reverse("search"), {"q": "NTR"})["Location"] == article.get_absolute_url()
    assert client.get(reverse("search"), {"q": "寝取られ"})["Location"] == (
        article.get_absolute_url()
    )


def test_full_text_search_does_not_redirect(client, moderator):
    make_article("Tsundere", author=moderator)

    response = client.get(reverse("search"), {"q": "Tsundere", "fulltext": "1"})

    assert response.status_code == 200
    assert [e.article.title for e in response.context["results"].articles] == ["Tsundere"]


def test_no_redirect_to_an_unpublished_or_deleted_article(client, newbie, moderator):
    make_article("Waiting", author=newbie)
    gone = make_article("Gone", author=moderator)
    gone.is_deleted = True
    gone.save(update_fields=["is_deleted"])

    for q in ("Waiting", "Gone"):
        response = client.get(reverse("search"), {"q": q})
        assert response.status_code == 200
        assert list(response.context["results"].articles) == []


def test_filters_do_not_redirect(client, moderator):
    make_article("Tsundere", author=moderator)

    assert client.get(reverse("search"), {"q": "Tsundere", "kind": "term"}).status_code == 200


def test_alias_matches(client, moderator):
    make_article("Netorare", author=moderator, aliases="Cuckoo story", body="A genre.")
    make_article("Other", author=moderator, body="Nothing here.")

    assert results(client, "cuckoo") == ["Netorare"]


def test_body_matches(client, moderator):
    make_article("Isekai", author=moderator, body="The hero is reincarnated as a slime.")
    make_article("Other", author=moderator, body="Nothing here.")

    assert results(client, "reincarnated") == ["Isekai"]


def test_summary_and_tags_match(client, moderator):
    mecha = make_tag("Giant robots")
    make_article("Gundam", author=moderator, summary="Real robot anime.", body="x")
    make_article("Super", author=moderator, body="x", tags=[mecha])

    assert results(client, "real robot") == ["Gundam"]
    assert results(client, "giant") == ["Super"]


def test_title_hits_rank_above_body_only_hits(client, moderator):
    make_article("Aaa", author=moderator, body="A harem of sorts.")
    make_article("Reverse harem", author=moderator, body="One heroine, many suitors.")

    assert results(client, "harem") == ["Reverse harem", "Aaa"]


def test_pending_and_deleted_text_is_not_found(client, newbie, moderator):
    article = make_article("Moe", author=moderator, body="Published words.")
    edit(article, newbie, body="Published words and quuxpending.")
    make_article("Waiting", author=newbie, body="quuxpending")
    gone = make_article("Gone", author=moderator, body="quuxdeleted")
    gone.is_deleted = True
    gone.save(update_fields=["is_deleted"])

    assert results(client, "quuxpending") == []
    assert results(client, "quuxdeleted") == []
    assert results(client, "published") == ["Moe"]


def test_kind_filter(client, moderator):
    make_article("Harem", author=moderator, body="Many love interests.")
    make_article("Harem genre", author=moderator, kind="genre", body="Many love interests.")

    assert results(client, "love", kind="genre") == ["Harem genre"]
    assert results(client, "love", kind="term") == ["Harem"]
    assert sorted(results(client, "love", kind="nonsense")) == ["Harem", "Harem genre"]


def test_tag_filter(client, moderator):
    romance = make_tag("Romance")
    make_article("Junai", author=moderator, body="Pure love.", tags=[romance])
    make_article("Yandere", author=moderator, body="Obsessive love.")

    assert results(client, "love", tag="romance") == ["Junai"]
    assert sorted(results(client, "love", tag="")) == ["Junai", "Yandere"]


def test_snippets_are_escaped_with_only_mark_added(client, moderator):
    make_article(
        "Tom and Jerry",
        author=moderator,
        body="Write `<script>alert(1)</script>` & then the zanzibar appears, Tom & Jerry.",
    )

    html, snippet = first_snippet(client, "zanzibar")

    assert "<mark>zanzibar</mark>" in snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet
    assert "Tom &amp; Jerry" in snippet
    assert re.findall(r"<[^>]+>", snippet) == ["<mark>", "</mark>"]
    assert "<script>alert" not in html


def test_snippet_function_escapes_before_marking():
    snippet = search_service.snippet('<b>bold</b> & "mark" me', ["mark"])

    assert snippet == "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;<mark>mark</mark>&quot; me"


def test_search_page_escapes_the_query(client, db):
    html = client.get(reverse("search"), {"q": "<img src=x>", "fulltext": "1"}).content.decode()

    assert "<img src=x>" not in html
    assert "&lt;img src=x&gt;" in html


@pytest.mark.parametrize("q", ['"', "-", "or", "-moe", "&|!():*", "'", "a" * 500])
def test_odd_queries_do_not_break_the_search(client, moderator, q):
    make_article("Moe", author=moderator)

    response = client.get(reverse("search"), {"q": q, "fulltext": "1"})

    assert response.status_code == 200


def test_empty_query_shows_the_form_only(client, db):
    response = client.get(reverse("search"))

    assert response.status_code == 200
    assert 'role="search"' in response.content.decode()


def test_suggest_returns_published_titles_as_json(client, newbie, moderator):
    make_article("Netorare", author=moderator, summary="A genre.")
    make_article("Nekomimi", author=moderator, aliases="Cat ears")
    make_article("Moe", author=moderator)
    make_article("Nettle waiting", author=newbie)

    response = client.get(reverse("search_suggest"), {"q": "ne"})

    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert [r["title"] for r in data["results"]] == ["Nekomimi", "Netorare"]
    assert data["results"][1] == {
        "title": "Netorare",
        "url": "/wiki/netorare/",
        "summary": "A genre.",
    }
    by_alias = client.get(reverse("search_suggest"), {"q": "cat e"}).json()
    assert [r["title"] for r in by_alias["results"]] == ["Nekomimi"]


def test_suggest_needs_two_characters(client, moderator):
    make_article("Netorare", author=moderator)

    assert client.get(reverse("search_suggest"), {"q": "n"}).json() == {"results": []}
    assert client.get(reverse("search_suggest")).json() == {"results": []}


# --- PostgreSQL only -------------------------------------------------------------------------


@postgres_only
def test_quoted_phrase_matches_the_phrase_only(client, moderator):
    make_article("Junai", author=moderator, body="A pure love story.")
    make_article("Other", author=moderator, body="Love is never pure.")

    assert results(client, '"pure love"') == ["Junai"]
    assert sorted(results(client, "pure love")) == ["Junai", "Other"]


@postgres_only
def test_minus_word_excludes(client, moderator):
    make_article("Junai", author=moderator, body="A pure love story.")
    make_article("Yandere", author=moderator, body="An obsessive love story.")

    assert results(client, "love -obsessive") == ["Junai"]


@postgres_only
def test_or_matches_either_word(client, moderator):
    make_article("Junai", author=moderator, body="A pure love story.")
    make_article("Yandere", author=moderator, body="An obsessive crush.")
    make_article("Moe", author=moderator, body="Affection.")

    assert sorted(results(client, "pure or obsessive")) == ["Junai", "Yandere"]
    assert results(client, "pure obsessive") == []


@postgres_only
def test_ranking_is_title_then_summary_then_body(client, moderator):
    make_article("Aaa", author=moderator, summary="Plain.", body="A word about kemonomimi.")
    make_article("Bbb", author=moderator, summary="Kemonomimi in brief.", body="Plain.")
    make_article("Kemonomimi girls", author=moderator, summary="Plain.", body="Plain.")

    assert results(client, "kemonomimi") == ["Kemonomimi girls", "Bbb", "Aaa"]


@postgres_only
def test_stemming_finds_other_word_forms(client, moderator):
    make_article("Isekai", author=moderator, body="The hero is reincarnated.")

    assert results(client, "reincarnation") == ["Isekai"]


@postgres_only
def test_a_typo_in_a_title_finds_the_article_and_says_did_you_mean(client, moderator):
    make_article("Netorare", author=moderator, aliases="NTR", summary="A <b>genre</b>.")

    response = client.get(reverse("search"), {"q": "netorere", "fulltext": "1"})

    html = response.content.decode()
    assert [e.article.title for e in response.context["results"].articles] == ["Netorare"]
    assert response.context["results"].suggestion == "Netorare"
    assert 'Did you mean <a href="/search/?q=Netorare">Netorare</a>?' in html
    assert (
        "Nothing matches <strong>netorere</strong> exactly; 1 article has a similar name." in html
    )
    assert "A &lt;b&gt;genre&lt;/b&gt;." in html


@postgres_only
def test_a_typo_in_an_alias_finds_the_article_and_suggests_the_alias(client, moderator):
    make_article("Netorare", author=moderator, aliases="NTR\nCuckoldry")

    response = client.get(reverse("search"), {"q": "cuckoldy", "fulltext": "1"})

    assert [e.article.title for e in response.context["results"].articles] == ["Netorare"]
    assert response.context["results"].suggestion == "Cuckoldry"
    assert "Did you mean" in response.content.decode()


@postgres_only
def test_typo_results_are_closest_first(client, moderator):
    make_article("Netorase", author=moderator)
    make_article("Netorare", author=moderator)

    assert results(client, "netorarre")[:2] == ["Netorare", "Netorase"]


@postgres_only
def test_typo_results_keep_the_kind_and_tag_filters(client, moderator):
    romance = make_tag("Romance")
    make_article("Netorare", author=moderator, kind="genre", tags=[romance])

    assert results(client, "netorere", kind="genre") == ["Netorare"]
    assert results(client, "netorere", kind="term") == []
    assert results(client, "netorere", tag="romance") == ["Netorare"]
    assert results(client, "netorere", tag=make_tag("Comedy").slug) == []


@postgres_only
def test_typo_results_leave_out_hidden_tags(client, moderator):
    lewd = make_tag("Lewd")
    make_article("Netorare", author=moderator, tags=[lewd])
    client.post(reverse("reader_settings"), {"hidden_tags": [lewd.pk]})

    response = client.get(reverse("search"), {"q": "netorere", "fulltext": "1"})

    assert list(response.context["results"].articles) == []
    assert response.context["results"].suggestion is None


@postgres_only
def test_a_query_close_to_nothing_finds_nothing(client, moderator):
    make_article("Netorare", author=moderator)

    response = client.get(reverse("search"), {"q": "kemonomimi", "fulltext": "1"})

    assert list(response.context["results"].articles) == []
    assert response.context["results"].suggestion is None


@postgres_only
def test_typo_search_runs_the_same_queries_for_1_and_20_close_titles(client, moderator):
    make_article("Netorare 0", author=moderator, aliases="NTR")
    client.get(reverse("search"), {"q": "netorere", "fulltext": "1"})  # warm up
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("search"), {"q": "netorere", "fulltext": "1"})
    for i in range(1, 20):
        make_article(f"Netorare {i}", author=moderator, aliases=f"NTR {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("search"), {"q": "netorere", "fulltext": "1"})

    assert len(response.context["results"].articles) == 20
    assert len(few.captured_queries) == len(many.captured_queries)


@postgres_only
def test_excerpts_mark_every_form_the_index_matches_and_nothing_else(client, moderator):
    make_article(
        "Fandoms",
        author=moderator,
        body="Communities grow. A community chats; the commune and common cats do not.",
    )

    _, snippet = first_snippet(client, "community")

    assert re.findall(r"<mark>(.*?)</mark>", snippet) == ["Communities", "community"]


@postgres_only
def test_no_suggestion_for_hidden_or_unpublished_titles(client, newbie, moderator):
    make_article("Netorare", author=newbie)

    response = client.get(reverse("search"), {"q": "netorere", "fulltext": "1"})

    assert response.context["results"].suggestion is None
    assert "Did you mean" not in response.content.decode()


def fill_search_table(n):
    """`n` published articles with their search entries, made in bulk: enough rows that the
    planner's choice means something once the statistics are fresh."""
    articles = Article.objects.bulk_create(
        Article(title=f"Filler {i}", title_key=f"filler {i}", slug=f"filler-{i}") for i in range(n)
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
        SearchEntry(article=a, title=a.title, body=f"Ordinary filler text, entry {i}.")
        for i, a in enumerate(articles)
    )


@postgres_only
@pytest.mark.parametrize("q", ["love", "Term 1", '"about love" -hate'])
def test_search_uses_the_gin_index(moderator, q):
    for n in range(3):
        make_article(f"Term {n}", author=moderator, body=f"Body number {n} about love.")
    fill_search_table(1000)
    with CaptureQueriesContext(connection) as ctx:
        found = search_service.search(q, ReaderPrefs())
    assert found.articles
    search_sql = [q["sql"] for q in ctx.captured_queries if "@@" in q["sql"]]
    assert len(search_sql) == 1

    with connection.cursor() as cursor:
        # Fresh statistics (ANALYZE is transactional: the test's rollback undoes it), and no
        # sequential scans, in the transaction the test runs in.
        cursor.execute("SELECT gin_clean_pending_list('wiki_searchentry_document_gin')")
        cursor.execute("ANALYZE wiki_searchentry")
        cursor.execute("ANALYZE wiki_article")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + search_sql[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Bitmap Index Scan on wiki_searchentry_document_gin" in plan, plan


@postgres_only
def test_the_gin_index_and_generated_column_exist(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'wiki_searchentry_document_gin'"
        )
        (indexdef,) = cursor.fetchone()
    assert "USING gin (document)" in indexdef


@postgres_only
def test_the_ranked_statement_is_compiled_once_per_shape_and_finds_what_the_queryset_finds(
    moderator,
):
    """The ranked query's SQL is kept per shape (hidden tags, kind, tag) with stand-ins for
    the words: whatever the words and the shape, it ranks exactly what the queryset it was
    compiled from ranks."""
    lewd, fans = make_tag("Lewd", adult=True), make_tag("Fan culture")
    make_article("Moe", author=moderator, body="Moe fans love moe.", tags=[fans])
    make_article("Moe blob", author=moderator, kind="genre", body="A fan of moe.")
    make_article("Lewd moe", author=moderator, body="Fans of moe too.", tags=[lewd])
    make_article("Otaku", author=moderator, body="Fans, not moe.", aliases="Moe fan")
    make_article("Devotees", author=moderator, body="Followers.", aliases="Fans")
    statements.clear()
    queries = ["moe", "fans", '"moe fans"', "moe -lewd", "otaku or blob", "Moe fan", "zzz"]
    queries += ["stand-in", "stand in 0"]  # words of the stand-ins, found as words
    shapes = [
        (ReaderPrefs(), None, None),
        (ReaderPrefs(frozenset({lewd.pk})), None, None),
        (ReaderPrefs(), "genre", None),
        (ReaderPrefs(frozenset({lewd.pk})), "term", fans),
    ]
    found_something = set()
    for prefs, kind, tag in shapes:
        for q in queries:
            engine = search_service._Postgres(q, search_service.parse(q))
            entries = search_service.for_reader(
                SearchEntry.objects.all(), prefs, kind=kind, tag=tag
            )
            key = search_service.normalize_title(q)
            ranked, _ = engine.ranked_ids(prefs, kind=kind, tag=tag, key=key)
            assert ranked == list(engine.ranked_query(entries, key)), (q, prefs, kind, tag)
            found_something.update([q] if ranked else [])
            if q == "fans" and not kind:  # the exact alias first, though it ranks lower
                assert ranked[0] == Article.objects.get(title="Devotees").pk

    assert {"moe", "fans", '"moe fans"', "Moe fan"} <= found_something
    assert statements.prepared.cache_info().misses == len(shapes)


@postgres_only
def test_english_stemming_keeps_the_first_letter_that_highlighting_relies_on(db):
    """Excerpts ask the database only about words that begin as a query word does
    (`_words_starting`): sound only while PostgreSQL's English stemmer never changes a word's
    first letter. Irregular forms, and thousands of made-up words. (The second letter does
    change: "dying" is "die".)"""
    irregular = "skies sky skis ski dying die lying lie tying tie idly gently ugly early only "
    irregular += "singly news howe atlas cosmos bias andes generously communities united "
    irregular += "cried crying happily yelling yes ayes eyes icy iced"
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz" + "aeiouy" * 3
    made_up = ["".join(rng.choices(letters, k=rng.randint(2, 12))) for _ in range(5000)]
    words = sorted(set(irregular.split() + made_up))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, tsvector_to_array(to_tsvector('english', w)) FROM unnest(%s::text[]) w",
            [words],
        )
        stems = dict(cursor.fetchall())

    changed = {w: s for w, s in stems.items() if s and not s[0].startswith(w[0])}
    assert not changed
    assert stems["communities"] == ["communiti"] and stems["dying"] == ["die"]


@postgres_only
def test_search_documents_are_kept_uncompressed_in_their_rows(moderator):
    """Migration 0012: a common word's search reads a few hundred documents twice (the match,
    then the rank); one compressed, or out in the TOAST table, is fetched and decompressed at
    each read."""
    words = " ".join(f"word{n} text{n * 7} term{n % 13}" for n in range(400))
    article = make_article("Long article", author=moderator, body=words)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(document), pg_column_compression(document) "
            "FROM wiki_searchentry WHERE article_id = %s",
            [article.pk],
        )
        size, compression = cursor.fetchone()
        cursor.execute(
            "SELECT c.reloptions, a.attstorage FROM pg_class c JOIN pg_attribute a "
            "ON a.attrelid = c.oid WHERE c.relname = 'wiki_searchentry' AND a.attname = 'document'"
        )
        options, storage = cursor.fetchone()

    assert size > 2000  # long enough to be compressed and moved out by default
    assert compression is None
    assert storage == "m"  # in the row, unless the row cannot fit a page
    assert "toast_tuple_target=8160" in options
