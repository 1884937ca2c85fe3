"""The pending list and the review page run a fixed number of queries, however many pending
revisions, chained revisions or author edits there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import edit, make_article, make_user
from wiki import moderation

pytestmark = pytest.mark.django_db

PENDING_LIST_MAX = 8
REVIEW_PAGE_MAX = 15  # with the Guidelines page read for the rejection form's choices


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _add_pending(moderator, start, stop):
    """Pending edits numbered start..stop-1, each by a different author, at every trust level
    a pending edit can have (new; autoconfirmed on a moderators-only article)."""
    for i in range(start, stop):
        article = make_article(f"Budget {i}", author=moderator, kind="genre" if i % 2 else "term")
        if i % 3 == 2:
            moderation.set_protection(article=article, level="moderators", moderator=moderator)
            author = make_user(f"budget-auto-{i}", trust="autoconfirmed")
        else:
            author = make_user(f"budget-new-{i}", trust="new")
        edit(article, author, body=f"Change {i}.", edit_summary=f"Summary {i}")


def _pending_list_queries(client, url):
    client.get(url)  # warm the session, content types and the like
    return _count(client, url)


@pytest.mark.parametrize("query", ["", "?trust=new", "?trust=autoconfirmed&age=day", "?q=Budget"])
def test_pending_list_runs_the_same_queries_for_3_or_30_pending_revisions(client, moderator, query):
    client.force_login(moderator)
    url = reverse("admin:wiki_revision_changelist") + query
    _add_pending(moderator, 0, 3)
    few = _pending_list_queries(client, url)
    _add_pending(moderator, 3, 30)
    many = _pending_list_queries(client, url)
    assert few == many


def test_pending_list_stays_within_its_budget(client, moderator, django_assert_max_num_queries):
    _add_pending(moderator, 0, 30)
    client.force_login(moderator)
    url = reverse("admin:wiki_revision_changelist")
    client.get(url)
    with django_assert_max_num_queries(PENDING_LIST_MAX):
        response = client.get(url)
    assert response.content.decode().count("/review/") == 30


def test_pending_list_filtered_by_trust_stays_within_its_budget(
    client, moderator, django_assert_max_num_queries
):
    _add_pending(moderator, 0, 30)
    client.force_login(moderator)
    url = reverse("admin:wiki_revision_changelist") + "?trust=new&age=day"
    client.get(url)
    with django_assert_max_num_queries(PENDING_LIST_MAX):
        response = client.get(url)
    assert response.content.decode().count("/review/") == 20


def _review_page_queries(client, moderator, n):
    """The last of `n` pending revisions of one article, by an author with `n` other edits."""
    author = make_user(f"chain-author-{n}", trust="new")
    article = make_article(f"Chain {n}", author=moderator)
    for i in range(n):
        last = edit(article, author, body=f"Chain text {i}.", edit_summary=f"Step {i}").revision
    for i in range(n):
        other = make_article(f"Elsewhere {n}-{i}", author=moderator)
        edit(other, author, body=f"Elsewhere {i}.")
    client.force_login(moderator)
    url = reverse("admin:wiki_revision_review", args=[last.pk])
    client.get(url)
    return _count(client, url)


def test_review_page_runs_the_same_queries_for_3_or_30_chained_revisions(client, moderator):
    assert _review_page_queries(client, moderator, 3) == _review_page_queries(client, moderator, 30)


def test_review_page_stays_within_its_budget(client, moderator, django_assert_max_num_queries):
    author = make_user("busy-author", trust="new")
    article = make_article("Busy", author=moderator)
    for i in range(30):
        last = edit(article, author, body=f"Busy text {i}.").revision
    client.force_login(moderator)
    url = reverse("admin:wiki_revision_review", args=[last.pk])
    client.get(url)
    with django_assert_max_num_queries(REVIEW_PAGE_MAX):
        response = client.get(url)
    assert "earlier pending revisions it builds on" in response.content.decode()
