"""wiki.statements: a queryset compiled once per shape, run with each call's own values, and
giving what the plain queryset gives."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from tests.factories import delete, edit, make_article, make_tag, make_user
from wiki import selectors, statements
from wiki.models import Article, Watch
from wiki.models.articles import reader_visibility
from wiki.views.history import _diff_sides

pytestmark = pytest.mark.django_db


def _titles_query(kind: str, with_second: bool):
    """Stand-in 0 in a plain filter, 1 and 2 in an IN list, and a constant of the shape."""
    wanted = Q(pk=statements.stand_in(0))
    if with_second:
        wanted |= Q(pk__in=[statements.stand_in(1), statements.stand_in(2)])
    return Article.objects.filter(wanted, kind=kind, is_deleted=False).order_by("title_key")


def test_each_run_gets_its_own_values_from_one_compiled_statement(moderator):
    moe, kawaii, yandere = (make_article(t, author=moderator) for t in ("Moe", "Kawaii", "Yandere"))
    make_article("Harem", author=moderator, kind="genre")
    statements.clear()

    def titles(*values, kind="term", with_second=True):
        found = statements.fetch(_titles_query, (kind, with_second), values)
        return [article.title for article in found]

    assert titles(moe.pk, kawaii.pk, yandere.pk) == ["Kawaii", "Moe", "Yandere"]
    assert titles(yandere.pk, moe.pk, moe.pk) == ["Moe", "Yandere"]
    assert titles(yandere.pk, 0, 0) == ["Yandere"]
    assert statements.prepared.cache_info().misses == 1

    assert titles(kawaii.pk, with_second=False) == ["Kawaii"]
    assert titles(kawaii.pk, moe.pk, moe.pk, kind="genre") == []  # the shape's constant holds
    assert statements.prepared.cache_info().misses == 3


def test_stand_ins_are_values_no_row_or_request_has():
    assert {statements.stand_in(n) for n in range(100)} == set(range(-100, 0))
    texts = {statements.text_stand_in(n) for n in range(100)}
    assert len(texts) == 100
    assert all("\x00" in text for text in texts)  # refused in URLs and forms, never stored


def _comparable(article) -> tuple:
    """What a view reads of an article found by slug: its fields, its related revision and
    author as loaded, and the watch flag."""
    revision = article.__dict__.get("_state").fields_cache.get("published_revision")
    author = revision._state.fields_cache.get("author") if revision is not None else None
    return (
        {f.attname: getattr(article, f.attname) for f in Article._meta.concrete_fields},
        revision and (revision.pk, revision.number, revision.body_html),
        author and (author.pk, author.username),
        getattr(article, "is_watched", "not asked"),
    )


def test_an_article_by_slug_is_what_the_plain_queryset_finds(moderator, client):
    """Every shape `with_article` uses (with or without the revision and author, asked by a
    watcher or not), for a live article, a deleted one that kept its slug, and a missing one,
    matches the queryset run as Django runs it, in one query."""
    reader = make_user("reader", trust="autoconfirmed")
    moe = make_article("Moe", author=moderator)
    gone = make_article("Kawaii", author=moderator)
    delete(gone)
    Watch.objects.create(user=reader, article=moe)
    statements.clear()
    for related in ((), ("published_revision__author",)):
        for watcher in (None, reader, moderator):
            for slug in ("moe", "kawaii", "no-such-article"):
                plain = Article.objects.filter(slug=slug)
                if related:
                    plain = plain.select_related(*related)
                if watcher is not None:
                    plain = plain.annotate(
                        is_watched=Q(pk__in=Watch.objects.filter(user=watcher).values("article"))
                    )
                expected = plain.order_by("is_deleted", "-pk").first()
                with CaptureQueriesContext(connection) as queries:
                    found = selectors.article_at(slug, related=related, watcher=watcher)
                assert len(queries) == 1
                if expected is None:
                    assert found is None
                    continue
                assert _comparable(found) == _comparable(expected)
    assert statements.prepared.cache_info().misses == 4  # 2 related × watched or not


def test_a_diff_side_comes_with_its_neighbours_and_author_and_defers_what_a_diff_never_shows(
    moderator,
):
    article = make_article("Moe", author=moderator, body="One.")
    writer = make_user("writer", trust="autoconfirmed")
    edit(article, writer, body="Two.")
    edit(article, moderator, body="Three.")
    statements.clear()
    visibility = reader_visibility(moderator)
    sides = statements.fetch(_diff_sides, (visibility,), [article.pk, 1, 2])
    with CaptureQueriesContext(connection) as queries:
        by_number = {revision.number: revision for revision in sides}
        assert by_number[2].author.username == "writer"
        assert (by_number[2].previous_number, by_number[2].next_number) == (1, 3)
        assert (by_number[1].previous_number, by_number[1].next_number) == (None, 2)
        assert by_number[1].body == "One."
    assert len(queries) == 0  # all of it came with the one query
    assert {"body_html", "faq"} <= by_number[1].get_deferred_fields()
    assert "password" in by_number[1].author.get_deferred_fields()
    assert sorted(by_number) == [1, 2]


def _tagged_query(with_tag: bool):
    """An IN list that Django knows is empty: the shape matches nothing, without a query."""
    found = Article.objects.filter(pk=statements.stand_in(0))
    return found.filter(published_revision__tags__in=[]) if not with_tag else found


def test_a_shape_that_can_match_nothing_asks_nothing(moderator):
    moe = make_article("Moe", author=moderator, tags=[make_tag("Romance")])
    with CaptureQueriesContext(connection) as queries:
        assert statements.fetch(_tagged_query, (False,), [moe.pk]) == []
    assert len(queries) == 0
    assert [a.title for a in statements.fetch(_tagged_query, (True,), [moe.pk])] == ["Moe"]


def _with_tags_query():
    return Article.objects.filter(pk=statements.stand_in(0)).prefetch_related(
        "published_revision__tags"
    )


def test_prefetched_lookups_come_with_the_objects(moderator):
    moe = make_article("Moe", author=moderator, tags=[make_tag("Romance"), make_tag("Comedy")])
    (found,) = statements.fetch(_with_tags_query, (), [moe.pk])
    with CaptureQueriesContext(connection) as queries:
        names = sorted(tag.name for tag in found.published_revision.tags.all())
    assert names == ["Comedy", "Romance"]
    assert len(queries) == 0  # the revision and its tags were fetched with the article


def _prepared_statements(pattern: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [pattern]
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_look_ups_by_unique_key_keep_their_plans_and_lists_and_search_plan_every_run(
    moderator, client
):
    """Read again and again, an article page's look-ups by unique key (the reader's session and
    account, the article) are prepared (psycopg, on the fifth run; server-side binding in
    config.settings), so PostgreSQL can keep their plans. A history's revisions and a search,
    whose best plans depend on the article or the word, are planned at every run. With
    KOTOBA_DB_PREPARED_STATEMENTS=0 nothing is prepared."""
    binding = connection.settings_dict["OPTIONS"].get("server_side_binding", False)
    reader = make_user("reader", trust="autoconfirmed")
    client.force_login(reader)
    for title in ("Moe", "Kawaii", "Yandere"):
        make_article(title, author=moderator, body="A word fans use.")
    for _ in range(2):
        for slug in ("moe", "kawaii", "yandere"):
            assert client.get(f"/wiki/{slug}/").status_code == 200
            assert client.get(f"/wiki/{slug}/history/").status_code == 200
            assert client.get("/search/", {"q": "fans", "fulltext": "1"}).status_code == 200
    expected = 1 if binding else 0
    # the article with its text (the article page) and without (its history)
    assert _prepared_statements('%"wiki_watch"%FROM "wiki_article"%') == 2 * expected
    assert _prepared_statements('%FROM "django_session"%') == expected
    assert _prepared_statements('%FROM "accounts_user"%') == expected
    assert _prepared_statements('%FROM "wiki_revision"%') == 0
    assert _prepared_statements('%FROM "wiki_searchentry"%') == 0
    before = _prepared_statements("%")
    for _ in range(6):  # outside with_article, a statement run again and again is not prepared
        assert selectors.article_at("moe") is not None
    assert _prepared_statements("%") == before
