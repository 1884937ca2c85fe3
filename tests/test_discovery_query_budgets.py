"""Query budgets: the discovery pages run a fixed number of queries whatever the number of
results. Each test counts a page with 5 articles, adds 35 more, and counts again."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import edit, make_article, make_tag, make_user
from wiki.moderation import accept_chain

pytestmark = pytest.mark.django_db

PAGES = {
    "tag page": (reverse("tag", args=["romance"]), {}),
    "search results": (reverse("search"), {"q": "zanzibar", "fulltext": "1"}),
    "recent changes": (reverse("recent"), {}),
    "home page": (reverse("home"), {}),
    "tags index": (reverse("tags"), {}),
    "article list": (reverse("browse"), {}),
    "suggestions": (reverse("search_suggest"), {"q": "za"}),
}
# For an anonymous reader; a signed-in one adds two (session, user: the hidden tags come with it).
MAX_QUERIES = {
    "tag page": 5,  # tag, count, page, badges, related tags
    # candidates and their ranking (one query on PostgreSQL, two on SQLite), the page's
    # articles, badges, the words to mark (PostgreSQL), the tag filter's list
    "search results": 5,
    "recent changes": 4,  # count, page, the moderation log entries, the tag filter's list
    "home page": 7,  # featured, newest and updated (each with badges), top tags
    "tags index": 1,
    "article list": 3,  # count, page, badges
    "suggestions": 1,
}


class Library:
    """Articles carrying a warning tag, an adult tag or both; every third one edited by a new
    user and accepted by a moderator (so recent changes show authors, reviewers and diffs)."""

    def __init__(self, moderator, editor):
        self.moderator, self.editor = moderator, editor
        self.romance = make_tag("Romance")
        self.warnings = [
            make_tag("Infidelity", category="warning"),
            make_tag("Violence", category="warning"),
            make_tag("Lewd", category="warning", adult=True),
        ]
        self.count = 0

    def grow_to(self, n):
        while self.count < n:
            i = self.count
            article = make_article(
                f"Zanzibar {i:02d}",
                author=self.moderator,
                body=f"Zanzibar body {i}.",
                tags=[self.romance, self.warnings[i % 3], self.warnings[(i + 1) % 3]],
            )
            if i % 2:
                article.is_featured = True
                article.save(update_fields=["is_featured"])
            if i % 3 == 0:
                outcome = edit(article, self.editor, body=f"Zanzibar body {i}, edited.")
                accept_chain(outcome.revision, moderator=self.moderator)
            self.count += 1


@pytest.fixture
def library(moderator):
    return Library(moderator, make_user("editor"))


def count_queries(client, name):
    url, params = PAGES[name]
    client.get(url, params)  # warm up: sessions, content types and the like
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def results_shown(response):
    context = response.context
    if context is None:  # JSON
        return len(response.json()["results"])
    for key in ("page", "newest"):
        if key in context:
            return len(list(context[key]))
    if "results" in context:
        return len(context["results"].articles)
    return sum(len(tags) for _, tags in context["categories"])


def readers(library):
    """Three clients: anonymous, signed in, and anonymous with a hidden tag (cookie)."""
    anonymous, signed_in, hiding = Client(), Client(), Client()
    signed_in.force_login(make_user("reader"))
    hiding.post(reverse("reader_settings"), {"hidden_tags": [make_tag("Hidden").pk]})
    return {"anonymous": anonymous, "signed in": signed_in, "hiding a tag": hiding}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_runs_the_same_queries_for_5_and_40_articles(library, name):
    clients = readers(library)
    library.grow_to(5)
    few = {who: count_queries(client, name) for who, client in clients.items()}

    library.grow_to(40)
    many = {who: count_queries(client, name) for who, client in clients.items()}

    for who in clients:
        (few_count, few_response), (many_count, many_response) = few[who], many[who]
        if name != "tags index":
            assert results_shown(many_response) > results_shown(few_response), who
        assert few_count == many_count, (
            f"{name}, {who}: {few_count} queries for 5 articles, {many_count} for 40"
        )


@pytest.mark.parametrize("name", list(PAGES))
def test_page_stays_within_its_query_budget(client, library, name, django_assert_max_num_queries):
    library.grow_to(12)
    url, params = PAGES[name]

    with django_assert_max_num_queries(MAX_QUERIES[name]):
        response = client.get(url, params)

    assert response.status_code == 200


def test_search_page_shows_badges_without_extra_queries(client, library):
    library.grow_to(5)

    count, response = count_queries(client, "search results")

    html = response.content.decode()
    assert html.count('class="badge badge-warning"') + html.count('class="badge badge-adult"') == 10
    assert count <= MAX_QUERIES["search results"]
