"""Bad input gets a clear message, status 400 (never 500), and the user's text back."""

import html as html_lib
from urllib.parse import quote

import pytest

from tests.factories import delete, make_article
from wiki.forms import MAX_BODY_BYTES
from wiki.models import Article

pytestmark = pytest.mark.django_db

TEXT_FIELDS = [
    "title",
    "summary",
    "body",
    "aliases",
    "original_script",
    "reading",
    "origin_language",
    "tags",
    "edit_summary",
]
GENRE_FIELDS = ["contrasts_with", "tone"]


def new_term(**overrides):
    data = {
        "kind": "term",
        "title": "Moe",
        "summary": "A warm feeling for a character.",
        "body": "My carefully typed text.",
        "aliases": "萌え",
        "original_script": "萌え",
        "reading": "moe",
        "origin_language": "Japanese",
        "tags": "",
        "edit_summary": "First draft",
    }
    return {**data, **overrides}


def page(response) -> str:
    return html_lib.unescape(response.content.decode())


@pytest.fixture
def writer(client, autoconfirmed):
    client.force_login(autoconfirmed)
    return client


def assert_refused(response, message, *typed):
    """A 400 with `message` and every piece of `typed` text back in the form."""
    text = page(response)
    assert response.status_code == 400
    assert message in text
    for value in typed:
        assert value in text, value


# --- titles -------------------------------------------------------------------------------


def test_empty_title_is_refused_with_the_text_kept(writer):
    response = writer.post("/wiki/new/", new_term(title="  "))
    assert_refused(response, "This field is required.", "My carefully typed text.", "萌え")
    assert not Article.objects.exists()


def test_overlong_title_is_refused_with_the_text_kept(writer):
    title = "M" * 201
    response = writer.post("/wiki/new/", new_term(title=title))
    assert_refused(response, "at most 200 characters (it has 201)", title, "My carefully typed")
    assert not Article.objects.exists()


def test_title_of_200_characters_is_fine(writer):
    response = writer.post("/wiki/new/", new_term(title="M" * 200))
    assert response.status_code == 302


def test_punctuation_only_title_is_refused(writer):
    response = writer.post("/wiki/new/", new_term(title="!!!"))
    assert_refused(response, "A title needs at least one letter or digit.", 'value="!!!"')
    assert not Article.objects.exists()


def test_taken_title_is_refused_and_links_the_existing_article(writer, autoconfirmed):
    make_article("Moe", author=autoconfirmed)
    response = writer.post("/wiki/new/", new_term(title="  mOE "))
    html = response.content.decode()

    assert response.status_code == 400
    assert 'This title is already used by the article <a href="/wiki/moe/">Moe</a>.' in html
    assert "My carefully typed text." in html
    assert Article.objects.count() == 1


def test_renaming_onto_a_taken_title_is_refused(writer, autoconfirmed):
    make_article("Moe", author=autoconfirmed)
    make_article("Kawaii", author=autoconfirmed)
    data = new_term(title="MOE", body="Edited text.", base_revision=1)
    del data["kind"]
    response = writer.post("/wiki/kawaii/edit/", data)

    assert response.status_code == 400
    assert '<a href="/wiki/moe/">Moe</a>' in response.content.decode()
    assert "Edited text." in response.content.decode()
    assert Article.objects.get(slug="kawaii").revisions.count() == 1


def test_alias_taken_by_another_article_is_refused(writer, autoconfirmed):
    make_article("Kawaii", author=autoconfirmed, aliases="Cute")
    response = writer.post("/wiki/new/", new_term(aliases="萌え\ncute"))
    html = response.content.decode()

    assert response.status_code == 400
    assert "The alias “cute” is already used by the article" in html
    assert '<a href="/wiki/kawaii/">Kawaii</a>' in html
    assert "萌え\ncute</textarea>" in html
    assert Article.objects.count() == 1


def test_alias_equal_to_another_articles_title_is_refused(writer, autoconfirmed):
    make_article("Kawaii", author=autoconfirmed)
    response = writer.post("/wiki/new/", new_term(aliases="KAWAII"))
    assert response.status_code == 400
    assert '<a href="/wiki/kawaii/">Kawaii</a>' in response.content.decode()


def test_title_equal_to_another_articles_alias_is_refused(writer, autoconfirmed):
    make_article("Kawaii", author=autoconfirmed, aliases="Cute")
    response = writer.post("/wiki/new/", new_term(title="Cute"))
    assert response.status_code == 400
    assert '<a href="/wiki/kawaii/">Kawaii</a>' in response.content.decode()


# --- summary and body ---------------------------------------------------------------------


def test_summary_over_200_characters_is_refused(writer):
    summary = "S" * 201
    response = writer.post("/wiki/new/", new_term(summary=summary))
    assert_refused(response, "at most 200 characters (it has 201)", summary)
    assert not Article.objects.exists()


def test_summary_with_a_newline_is_refused(writer):
    response = writer.post("/wiki/new/", new_term(summary="First line\nsecond line"))
    assert_refused(response, "The summary must be one line.", "First line", "second line")
    assert not Article.objects.exists()


def test_missing_summary_is_refused(writer):
    response = writer.post("/wiki/new/", new_term(summary=""))
    assert_refused(response, "This field is required.", "My carefully typed text.")


def test_body_over_200_kb_is_refused_with_the_text_kept(writer):
    body = "あ" * (MAX_BODY_BYTES // 3 + 1)  # three bytes each: just over the limit
    response = writer.post("/wiki/new/", new_term(body=body))
    assert_refused(response, "the limit is 200 KB", body)
    assert not Article.objects.exists()


def test_body_over_200_kb_in_an_edit_is_refused(writer, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    data = new_term(body="x" * (MAX_BODY_BYTES + 1), base_revision=1)
    del data["kind"]
    response = writer.post("/wiki/moe/edit/", data)
    assert_refused(response, "the limit is 200 KB")
    assert article.revisions.count() == 1


def test_body_leading_indentation_is_kept(writer):
    body = "    indented code\n\ntext"
    assert writer.post("/wiki/new/", new_term(body=body)).status_code == 302
    revision = Article.objects.get().published_revision
    assert revision.body == body
    assert "<pre><code>indented code" in revision.body_html


# --- NUL bytes and invalid UTF-8 ----------------------------------------------------------


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_nul_byte_in_any_field_is_refused(writer, field):
    data = new_term()
    data[field] = "Typed\x00text"
    response = writer.post("/wiki/new/", data)

    assert response.status_code == 400
    assert "Null characters are not allowed." in page(response)
    assert "Typed\x00text" in page(response)
    assert "My carefully typed text." in page(response) or field == "body"
    assert "A warm feeling for a character." in page(response) or field == "summary"
    assert not Article.objects.exists()


@pytest.mark.parametrize("field", GENRE_FIELDS)
def test_nul_byte_in_any_genre_field_is_refused(writer, field):
    data = new_term(kind="genre")
    data[field] = "Typed\x00text"
    response = writer.post("/wiki/new/", data)

    assert response.status_code == 400
    assert "Null characters are not allowed." in page(response)
    assert "Typed\x00text" in page(response)
    assert "My carefully typed text." in page(response)
    assert not Article.objects.exists()


def test_nul_byte_in_an_edit_is_refused(writer, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    response = writer.post(
        "/wiki/moe/edit/",
        {"title": "Moe", "summary": "S.", "body": "Edited\x00 text", "base_revision": "1"},
    )
    assert response.status_code == 400
    assert article.revisions.count() == 1


def raw_post(client, url, fields: dict, raw_field: str, raw: str = "%FF%FE"):
    """POST a form whose `raw_field` holds bytes that are not UTF-8."""
    parts = [f"{quote(k)}={quote(str(v))}" for k, v in fields.items() if k != raw_field]
    parts.append(f"{raw_field}=Typed{raw}text")
    return client.post(url, data="&".join(parts), content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_invalid_utf8_in_any_field_is_refused(writer, field):
    response = raw_post(writer, "/wiki/new/", new_term(), field)

    assert response.status_code == 400
    assert "not valid UTF-8" in page(response)
    assert "Typed��text" in page(response)
    assert "My carefully typed text." in page(response) or field == "body"
    assert not Article.objects.exists()


@pytest.mark.parametrize("field", GENRE_FIELDS)
def test_invalid_utf8_in_any_genre_field_is_refused(writer, field):
    response = raw_post(writer, "/wiki/new/", new_term(kind="genre"), field)

    assert response.status_code == 400
    assert "not valid UTF-8" in page(response)
    assert "Typed��text" in page(response)
    assert "My carefully typed text." in page(response)
    assert not Article.objects.exists()


def test_invalid_utf8_in_an_edit_is_refused(writer, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    data = {"title": "Moe", "summary": "S.", "body": "Edited text.", "base_revision": "1"}
    response = raw_post(writer, "/wiki/moe/edit/", data, "summary")

    assert response.status_code == 400
    assert "not valid UTF-8" in page(response)
    assert "Edited text." in page(response)
    assert article.revisions.count() == 1


# --- odd values elsewhere: never a 500 ----------------------------------------------------


@pytest.mark.parametrize("url", ["/wiki/new/?title=%FF%FE", "/wiki/new/?kind=nonsense"])
def test_odd_create_urls_are_answered(writer, url):
    assert writer.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/wiki/%2500/", "/wiki/%FF%FE/"])
def test_odd_article_urls_are_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/wiki/new/?title=%00",
        "/wiki/new/?title=%FF%FE&kind=%00",
        "/wiki/%00/",
        "/wiki/a%00b/history/",
        "/wiki/new%00/",
    ],
)
def test_nul_bytes_in_an_address_are_a_bad_request(writer, url):
    assert writer.get(url).status_code == 400


@pytest.mark.parametrize("content", ["[[Moe\x00]] text", "x\x00y", "[[\ufffd]]"])
def test_preview_of_odd_text_is_answered(writer, content):
    response = writer.post("/markdownx/markdownify/", {"content": content})
    assert response.status_code == 200
    assert b"\x00" not in response.content


def test_bad_base_revision_is_refused(writer, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    response = writer.post(
        "/wiki/moe/edit/",
        {"title": "Moe", "summary": "S.", "body": "Kept text.", "base_revision": "abc"},
    )
    assert response.status_code == 400
    assert "Kept text." in page(response)
    assert article.revisions.count() == 1


def test_unknown_kind_is_refused(writer):
    response = writer.post("/wiki/new/", new_term(kind="essay"))
    assert_refused(response, "Select a valid choice.", "My carefully typed text.")


def test_unknown_contrast_is_refused(writer):
    response = writer.post("/wiki/new/", new_term(kind="genre", contrasts_with="Nowhere"))
    assert_refused(response, "There is no article called “Nowhere”", "Nowhere")


# --- names held by articles readers cannot see --------------------------------------------


def test_the_title_of_a_deleted_article_is_free_again(writer, autoconfirmed):
    old = make_article("Moe", author=autoconfirmed)
    delete(old)

    response = writer.post("/wiki/new/", new_term(title="moe"))

    assert response.status_code == 302
    new = Article.objects.get(is_deleted=False, title_key="moe")
    assert new.pk != old.pk and new.slug == "moe"
    assert writer.get("/wiki/moe/").context["article"] == new


def test_the_alias_of_a_deleted_article_is_free_again(writer, autoconfirmed):
    make_article("Kawaii", author=autoconfirmed, aliases="Cute")
    delete(Article.objects.get(slug="kawaii"))

    response = writer.post("/wiki/new/", new_term(aliases="cute"))

    assert response.status_code == 302
    assert Article.objects.filter(is_deleted=False).count() == 1


def test_a_wholly_rejected_new_article_does_not_hold_its_title(
    client, newbie, moderator, autoconfirmed
):
    from wiki.moderation import reject

    rejected = make_article("Dandere", author=newbie, body="Spam.")
    reject(rejected.latest_revision, moderator=moderator, reason="Spam")

    made = make_article("Dandere", author=autoconfirmed, body="A quiet character.")

    assert made.pk != rejected.pk and made.is_published
    client.force_login(newbie)
    response = client.post("/wiki/new/", new_term(title="Dandere", body="Second try."))
    assert response.status_code == 400
    assert "is already used by the article" in page(response)


def test_title_of_an_article_waiting_for_review_is_refused_without_a_dead_link(writer, newbie):
    make_article("Moe", author=newbie)
    response = writer.post("/wiki/new/", new_term(title="MOE"))
    html = response.content.decode()

    assert response.status_code == 400
    assert "This title is already used by an article waiting for review." in html
    assert 'href="/wiki/moe/"' not in html
    assert "My carefully typed text." in html


def test_creating_faster_than_the_edit_rate_gets_429_and_keeps_the_text(writer, settings):
    settings.KOTOBA_EDIT_RATE_AUTOCONFIRMED = 1
    assert writer.post("/wiki/new/", new_term(title="First")).status_code == 302
    response = writer.post(
        "/wiki/new/", new_term(title="Second", aliases="", body="Second text, kept.")
    )

    assert response.status_code == 429
    assert "You are saving edits faster than this wiki allows." in page(response)
    assert "Second text, kept." in page(response)
    assert Article.objects.count() == 1
