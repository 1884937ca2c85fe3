"""The article and history pages run a fixed, small number of queries, whatever the size."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import edit, make_article, make_tag, make_user
from wiki.models import Article

pytestmark = pytest.mark.django_db

BUDGET = 6


def big_body(existing: list[str]) -> str:
    """30 footnotes and 40 wikilinks (half to existing articles, half red)."""
    links = [f"[[{title}]]" for title in existing[:20]]
    links += [f"[[Missing {n}|missing {n}]]" for n in range(20)]
    sentences = [f"Claim {n}.[^{n}]" for n in range(1, 31)]
    notes = [f"[^{n}]: Source {n}, https://example.com/{n}" for n in range(1, 31)]
    return "\n\n".join([" ".join(links), " ".join(sentences), "\n".join(notes)])


@pytest.fixture(scope="module")
def _built(module_transaction, django_db_blocker):
    """Built once for the module (each test's changes roll back): five authors, a small
    article and a big one (50 revisions, 20 aliases, 40 links, 30 footnotes, 10 tags)."""
    with django_db_blocker.unblock():
        authors = [make_user(f"author{n}", trust="autoconfirmed") for n in range(5)]
        tag = make_tag("Small tag")
        small = make_article("Small", author=authors[0], body="Short [[Nothing]].", tags=[tag.pk])
        others = [make_article(f"Other {n}", author=authors[0]) for n in range(20)]
        tags = [make_tag(f"Tag {n}") for n in range(10)]
        for other in others[:3]:
            edit(other, authors[0], tags=[t.pk for t in tags[:2]])
        article = make_article("Big", author=authors[0], body="First.")
        for n in range(48):  # short bodies: cheap to save; only the history length matters
            edit(
                article,
                authors[n % len(authors)],
                edit_summary=f"Edit {n}",
                is_minor=n % 2 == 0,
                body=f"Version {n}.",
            )
        edit(
            article,
            authors[1],
            edit_summary="Everything at once",
            body=big_body([o.title for o in others]),
            aliases="\n".join(f"Big alias {n}" for n in range(20)),
            original_script="大",
            reading="dai",
            origin_language="Japanese",
            tags=[t.pk for t in tags],
        )
        assert article.revisions.count() == 50
        assert article.alias_set.count() == 20
        assert article.outgoing_links.count() == 40
        return {"authors": [a.pk for a in authors], "small": small.pk, "big": article.pk}


@pytest.fixture
def authors(_built):
    users = get_user_model().objects.in_bulk(_built["authors"])
    return [users[pk] for pk in _built["authors"]]


@pytest.fixture
def small(_built):
    return Article.objects.get(pk=_built["small"])


@pytest.fixture
def big(_built):
    return Article.objects.get(pk=_built["big"])


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_article_page_stays_within_budget(client, big, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        response = client.get("/wiki/big/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="wikilink"') == 20
    assert html.count('class="wikilink new"') == 20
    assert "Big alias 19" in html
    assert "Source 30" in html


def test_history_page_stays_within_budget(client, big, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        response = client.get("/wiki/big/history/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<tr class="rev-accepted">') == 50
    assert html.count('href="/users/author') == 50


def test_article_page_queries_do_not_grow_with_the_article(client, small, big):
    assert count_queries(client, "/wiki/small/") == count_queries(client, "/wiki/big/")


def test_history_page_queries_do_not_grow_with_the_history(client, small, big):
    assert count_queries(client, "/wiki/small/history/") == count_queries(
        client, "/wiki/big/history/"
    )


def test_old_revision_and_diff_queries_do_not_grow(client, small, big):
    edit(small, small.created_by, body="Changed [[Nothing]].")
    assert count_queries(client, "/wiki/small/revisions/1/") == count_queries(
        client, "/wiki/big/revisions/49/"
    )
    assert count_queries(client, "/wiki/small/diff/1/2/") == count_queries(
        client, "/wiki/big/diff/1/50/"
    )


def test_genre_comparison_box_queries_do_not_grow(client, authors, django_assert_max_num_queries):
    others = [make_article(f"Contrast {n}", author=authors[0]) for n in range(12)]
    make_article("One", author=authors[0], kind="genre", contrasts_with=[others[0].pk])
    make_article("Many", author=authors[0], kind="genre", contrasts_with=[o.pk for o in others])

    with django_assert_max_num_queries(BUDGET):
        html = client.get("/wiki/many/").content.decode()
    assert html.count('<tr><th scope="row">') == 12
    assert count_queries(client, "/wiki/one/") == count_queries(client, "/wiki/many/")


def test_signed_in_reader_pages_do_not_grow(client, small, big, authors):
    client.force_login(authors[1])
    for small_url, big_url in [
        ("/wiki/small/", "/wiki/big/"),
        ("/wiki/small/history/", "/wiki/big/history/"),
    ]:
        assert count_queries(client, small_url) == count_queries(client, big_url)


@pytest.mark.parametrize(
    "url",
    [
        "/wiki/big/history/",
        "/recent/",
        "/recent/feed/",
        "/wiki/big/history/feed/",
        "/users/author1/",
    ],
)
def test_lists_of_revisions_do_not_load_their_texts(client, big, url):
    """A history page loaded 50 texts and their HTML (and each parent's) to show one line
    each: lists read revisions without their text columns."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    revision_selects = [q["sql"] for q in queries if 'FROM "wiki_revision"' in q["sql"]]
    assert revision_selects
    for sql in revision_selects:
        assert '"body_html"' not in sql and '"wiki_revision"."body"' not in sql, sql[:300]
