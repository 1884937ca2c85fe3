"""400, 403, 404 and 500 pages in the site's style, and the page an unconfirmed editor gets."""

import pytest
from django.test import Client

from config import errors
from tests.factories import make_article

pytestmark = pytest.mark.django_db

SITE_FRAME = (
    '<a class="skip-link" href="#main-content">Skip to content</a>',
    'class="site-header"',
)


def assert_site_frame(html: str):
    for marker in SITE_FRAME:
        assert marker in html


def test_the_404_page_uses_the_site_template(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_site_frame(html)
    assert "<h1>Page not found</h1>" in html
    assert "There is nothing at <code>/no-such-page/</code>" in html


def test_the_404_page_escapes_the_path(client):
    response = client.get("/<script>alert(1)</script>/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_a_missing_article_gets_the_site_404_page(client):
    response = client.get("/wiki/no-such-article/")
    assert response.status_code == 404
    assert_site_frame(response.content.decode())
    assert "<h1>No article called “no such article”</h1>" in response.content.decode()


def test_the_403_page_uses_the_site_template_and_says_why(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    client.force_login(autoconfirmed)

    response = client.post(f"/wiki/{article.slug}/rollback/{autoconfirmed.username}/")
    assert response.status_code == 403
    html = response.content.decode()
    assert_site_frame(html)
    assert "You cannot do that here" in html
    assert "Only moderators can roll back." in html


def test_the_400_page_uses_the_site_template(client):
    response = client.get("/", HTTP_HOST="not-an-allowed-host.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert_site_frame(html)
    assert "That request did not make sense" in html


@pytest.mark.urls("tests.urls_500")
def test_the_500_page_is_rendered_when_a_view_fails():
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'href="/static/css/kotoba.css"' in html
    assert "A bug in a view" not in html


def test_the_500_page_renders_without_the_request_or_its_context_processors():
    # A broken database or context processor must not break the 500 page too.
    response = errors.server_error(request=None)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


# Editing needs a confirmed email ------------------------------------------------------------


def test_an_unconfirmed_user_cannot_open_the_new_article_page(client, unconfirmed):
    client.force_login(unconfirmed)
    response = client.get("/wiki/new/")
    assert response.status_code == 403
    html = response.content.decode()
    assert_site_frame(html)
    assert "Confirm your email first" in html
    assert "unconfirmed@example.com" in html
    assert 'action="/accounts/confirm-resend/"' in html


def test_an_unconfirmed_user_cannot_post_a_new_article(client, unconfirmed):
    from wiki.models import Article

    client.force_login(unconfirmed)
    response = client.post("/wiki/new/", {"kind": "term", "title": "Moe", "body": "Text."})
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_an_unconfirmed_user_cannot_open_an_edit_page(client, unconfirmed, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    client.force_login(unconfirmed)
    response = client.get(f"/wiki/{article.slug}/edit/")
    assert response.status_code == 403
    assert "Confirm your email first" in response.content.decode()


def test_an_unconfirmed_user_can_still_read(client, unconfirmed, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    client.force_login(unconfirmed)
    assert client.get(f"/wiki/{article.slug}/").status_code == 200


def test_a_confirmed_user_opens_the_new_article_page(client, newbie):
    client.force_login(newbie)
    assert client.get("/wiki/new/").status_code == 200


def test_an_anonymous_visitor_is_sent_to_sign_in_from_the_new_article_page(client):
    response = client.get("/wiki/new/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/wiki/new/"


def test_the_confirmation_requirement_can_be_switched_off(client, unconfirmed, settings):
    settings.KOTOBA_REQUIRE_CONFIRMED_EMAIL = False
    client.force_login(unconfirmed)
    assert client.get("/wiki/new/").status_code == 200


def test_a_form_with_an_expired_token_gets_the_sites_page(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "The form expired" in html and 'class="skip-link"' in html


def test_a_missing_article_offers_a_search_for_its_title(client):
    response = client.get("/wiki/tsun-dere/")

    html = response.content.decode()
    assert response.status_code == 404
    assert_site_frame(html)
    assert "No article called “tsun dere”" in html
    assert 'name="q" value="tsun dere"' in html
    assert 'href="/wiki/new/?title=tsun+dere"' not in html
    assert 'href="/accounts/login/?next=%2Fwiki%2Fnew%2F%3Ftitle%3Dtsun%2Bdere"' in html


def test_a_missing_article_offers_a_signed_in_reader_to_write_it(client, autoconfirmed):
    client.force_login(autoconfirmed)

    response = client.get("/wiki/tsun-dere/history/")

    assert response.status_code == 404
    assert 'href="/wiki/new/?title=tsun+dere"' in response.content.decode()


def test_an_article_the_reader_may_not_see_gets_the_same_missing_page(client, newbie):
    make_article("Secret draft", author=newbie)  # waits for review: not published

    response = client.get("/wiki/secret-draft/")

    assert response.status_code == 404
    assert "No article called “secret draft”" in response.content.decode()


def test_the_missing_article_page_is_the_same_with_debug_on(client, settings):
    settings.DEBUG = True

    response = client.get("/wiki/tsun-dere/")

    assert response.status_code == 404
    assert "No article called “tsun dere”" in response.content.decode()
