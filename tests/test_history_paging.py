"""A long history is walked by revision number ("newer 50 · older 50"), never by offset:
every page, the oldest included, costs the same few queries and reads one index range."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import edit, make_article, make_tag, make_user
from wiki import paging
from wiki.moderation import reject
from wiki.views import history as history_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_history(monkeypatch):
    """Twelve revisions (a moderator rejected the 7th), in pages of five."""
    monkeypatch.setattr(history_views, "HISTORY_PAGE_SIZE", 5)
    author = make_user("writer", trust="autoconfirmed")
    article = make_article("Long", author=author, body="Version 1.")
    for number in range(2, 13):
        if number == 7:
            edit(article, make_user("newbie"), body="Version 7.")
            moderator = make_user("mod", trust="moderator")
            reject(article.revisions.get(number=7), moderator=moderator, reason="Spam")
        else:
            edit(article, author, body=f"Version {number}.")
    return article


def numbers(response) -> list[int]:
    return [revision.number for revision in response.context["page"]]


def test_the_first_page_is_the_newest_with_a_way_to_older_ones(client, long_history):
    response = client.get("/wiki/long/history/")
    assert numbers(response) == [12, 11, 10, 9, 8]
    html = response.content.decode()
    assert 'href="?older=8"' in html and 'href="?newer=0"' in html
    assert "?newer=12" not in html


def test_older_pages_follow_on_without_gaps_or_repeats(client, long_history):
    second = client.get("/wiki/long/history/", {"older": 8})
    # 7 was rejected: an anonymous reader's pages skip it and stay five long.
    assert numbers(second) == [6, 5, 4, 3, 2]
    assert second.context["page"].newer == 6 and second.context["page"].older == 2
    last = client.get("/wiki/long/history/", {"older": 2})
    assert numbers(last) == [1]
    assert last.context["page"].older is None and last.context["page"].newer == 1


def test_newer_pages_walk_back_up(client, long_history):
    back = client.get("/wiki/long/history/", {"newer": 6})
    assert numbers(back) == [12, 11, 10, 9, 8]
    assert back.context["page"].newer is None  # that is the newest page again


def test_the_oldest_page_holds_the_first_revisions(client, long_history):
    oldest = client.get("/wiki/long/history/", {"newer": 0})
    assert numbers(oldest) == [5, 4, 3, 2, 1]
    assert oldest.context["page"].older is None and oldest.context["page"].newer == 5


def test_moderators_see_the_rejected_revision_in_its_place(client, long_history):
    client.force_login(long_history.revisions.get(number=7).reviewed_by)
    second = client.get("/wiki/long/history/", {"older": 8})
    assert numbers(second) == [7, 6, 5, 4, 3]


@pytest.mark.parametrize(
    "params", [{"older": "x"}, {"newer": "-3"}, {"older": "99999999999"}, {"newer": ""}]
)
def test_keys_that_are_not_numbers_show_the_newest_page(client, long_history, params):
    response = client.get("/wiki/long/history/", params)
    assert response.status_code == 200
    assert numbers(response) == [12, 11, 10, 9, 8]


def test_keys_past_either_end_offer_the_way_back(client, long_history):
    below = client.get("/wiki/long/history/", {"older": 1})
    assert numbers(below) == [] and below.context["page"].newer == 0
    above = client.get("/wiki/long/history/", {"newer": 40})
    assert numbers(above) == [] and above.context["page"].older == 41


def test_no_page_counts_or_skips_rows(client, long_history):
    """The oldest page costs what the newest does, and no query holds OFFSET or COUNT."""
    counts = []
    for params in ({}, {"older": 8}, {"newer": 0}, {"newer": 6}):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/wiki/long/history/", params).status_code == 200
        for query in queries:
            sql = query["sql"].upper()
            if '"WIKI_REVISION"' in sql:
                assert "OFFSET" not in sql and "COUNT(" not in sql, sql[:300]
        counts.append(len(queries))
    assert max(counts) - min(counts) <= 1  # the pages in the middle ask whether more exist


def test_by_number_on_a_short_list_has_no_links(long_history):
    page = paging.by_number(long_history.revisions.all(), {}, size=50)
    assert len(page) == 12 and not page.has_other_pages


# --- lists that are not counted: recent changes and tag pages ------------------------------


@pytest.mark.parametrize("url", ["/recent/", "/tags/long-tag/"])
def test_recent_changes_and_tag_pages_never_count_the_whole_list(client, url):
    """A COUNT over every revision (or every article of a big tag) cost more than the page:
    these pages read one row more than they show instead, and say "Page 2", not "of N"."""
    tag = make_tag("Long tag")
    author = make_user("writer", trust="autoconfirmed")
    for number in range(3):
        make_article(f"Term {number}", author=author, tags=[tag.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3
    assert not [q["sql"] for q in queries if "COUNT(*)" in q["sql"].upper()]


@pytest.mark.parametrize("page", ["2", "999", "99999999999999999999", "x", "-1"])
def test_pages_past_the_end_or_not_numbers_answer_calmly(client, page):
    author = make_user("writer", trust="autoconfirmed")
    make_article("Lonely", author=author)
    for url in ("/recent/", "/wiki/"):
        response = client.get(url, {"page": page})
        assert response.status_code == 200, (url, page)
