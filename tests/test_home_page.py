"""The home page and the tag index, full and empty: two lists that never repeat each other,
and a new wiki that says what to do instead of "Nothing yet" in every box."""

import re

import pytest
from django.urls import reverse

from tests.factories import edit, make_article, make_tag

pytestmark = pytest.mark.django_db


def listed(html, heading_id):
    """Titles listed under the section headed `heading_id`."""
    section = re.search(rf'<h2 id="{heading_id}">.*?</ul>', html, re.S)
    return (
        re.findall(r'class="article-link" href="[^"]*">([^<]+)</a>', section[0]) if section else []
    )


def test_recently_updated_leaves_out_what_newest_lists(client, moderator):
    articles = [make_article(f"Term {n}", author=moderator) for n in range(10)]
    edit(articles[0], moderator, body="Revised text.", edit_summary="Revise")
    edit(articles[9], moderator, body="Revised text.", edit_summary="Revise")

    html = client.get(reverse("home")).content.decode()

    newest, updated = listed(html, "newest-heading"), listed(html, "updated-heading")
    assert newest == [f"Term {n}" for n in range(9, 1, -1)]
    assert updated == ["Term 0", "Term 1"]  # Term 9, edited too, is among the newest
    assert not set(newest) & set(updated)


def test_an_empty_wiki_explains_itself_on_the_home_page(client):
    html = client.get(reverse("home")).content.decode()

    assert html.count("No articles yet") == 1
    assert 'href="/accounts/signup/"' in html.split('id="empty-heading"')[1]
    assert "Nothing yet" not in html
    assert "Read a random article" not in html
    assert 'id="updated-heading"' not in html


def test_an_empty_wiki_invites_a_signed_in_reader_to_write(client, autoconfirmed):
    client.force_login(autoconfirmed)

    html = client.get(reverse("home")).content.decode()

    assert "Write the first article" in html
    assert f'href="{reverse("article_create")}"' in html


def test_a_random_article_on_an_empty_wiki_says_there_is_none(client):
    response = client.get(reverse("random_article"), follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "There is no article to pick yet." in response.content.decode()


def test_the_tag_index_of_an_empty_wiki_says_so_once(client):
    html = client.get(reverse("tags")).content.decode()

    assert html.count("No tags yet") == 1
    assert "None yet" not in html
    assert "<h2" not in html.split("<main")[1].split("</main>")[0]


def test_the_tag_index_shows_only_categories_that_have_tags(client, moderator):
    make_article(
        "Moe", author=moderator, tags=[make_tag("Romance"), make_tag("Fluff", category="genre")]
    )

    html = client.get(reverse("tags")).content.decode()
    main = html.split("<main")[1].split("</main>")[0]

    assert re.findall(r"<h2[^>]*>([^<]+)</h2>", main) == ["Topics", "Genres"]
    assert "No tags yet" not in html
