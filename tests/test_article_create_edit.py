"""Creating terms and genre explainers, editing them, and the URLs that lead to them."""

import re
from urllib.parse import quote

import pytest
from markdown_it import MarkdownIt

from tests.factories import delete, edit, edit_form_data, make_article
from wiki.models import Article, ArticleKind, Revision, SlugRedirect
from wiki.rendering import render_markdown

pytestmark = pytest.mark.django_db


def term_data(**overrides):
    data = {
        "kind": "term",
        "title": "寝取られ",
        "summary": "A story in which a partner is taken by someone else.",
        "body": "Netorare is a genre of *fiction*.\n\n## Usage\n\nMostly in fandom.",
        "aliases": "Netorare\nNTR",
        "original_script": "寝取られ",
        "reading": "netorare",
        "origin_language": "Japanese",
        "tags": "",
        "edit_summary": "First draft",
    }
    return {**data, **overrides}


def edit_data(article, **overrides):
    """What the edit form posts: the head revision's values, changed by `overrides`."""
    return edit_form_data(article, **overrides)


def forbid_rendering(monkeypatch):
    """From now on, every way of rendering Markdown fails loudly."""

    def boom(*args, **kwargs):
        raise AssertionError("Markdown was rendered during a read")

    monkeypatch.setattr(MarkdownIt, "parse", boom)
    monkeypatch.setattr("wiki.rendering.render", boom)
    for where in ("wiki.rendering", "wiki.views.api"):
        monkeypatch.setattr(f"{where}.render_markdown", boom)
    for where in ("wiki.editing", "wiki.publishing"):
        monkeypatch.setattr(f"{where}.render", boom)


# --- creating -----------------------------------------------------------------------------


def test_term_is_created_with_every_term_field(client, autoconfirmed):
    client.force_login(autoconfirmed)
    response = client.post("/wiki/new/?kind=term", term_data())

    article = Article.objects.get(title="寝取られ")
    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()
    assert article.kind == ArticleKind.TERM
    assert article.slug == "寝取られ"
    revision = article.published_revision
    assert revision.number == 1
    assert revision.parent is None
    assert revision.author == autoconfirmed
    assert revision.alias_list == ["Netorare", "NTR"]
    assert revision.original_script == "寝取られ"
    assert revision.reading == "netorare"
    assert revision.origin_language == "Japanese"
    assert revision.edit_summary == "First draft"
    assert "<em>fiction</em>" in revision.body_html


def test_a_new_article_waiting_for_review_says_so_once(client, newbie):
    client.force_login(newbie)

    response = client.post("/wiki/new/?kind=term", term_data(), follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lower().count("waiting for review") == 1
    assert '<div class="messages"' not in html


def test_a_published_new_article_is_confirmed_in_a_message(client, autoconfirmed):
    client.force_login(autoconfirmed)

    html = client.post("/wiki/new/?kind=term", term_data(), follow=True).content.decode()

    assert "Article created: revision 1." in html


def test_term_created_from_the_kind_in_the_url_when_the_form_omits_it(client, autoconfirmed):
    client.force_login(autoconfirmed)
    data = term_data()
    del data["kind"]
    response = client.post("/wiki/new/?kind=term", data)

    assert response.status_code == 302
    assert Article.objects.get(title="寝取られ").kind == ArticleKind.TERM


def test_term_page_shows_summary_and_facts(client, autoconfirmed):
    client.force_login(autoconfirmed)
    client.post("/wiki/new/?kind=term", term_data())
    client.logout()

    response = client.get("/wiki/寝取られ/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="article-lede">A story in which a partner is taken by someone else.</p>' in (
        html
    )
    assert '<meta name="description" content="A story in which a partner' in html
    assert "<dt>Original script</dt>" in html
    assert '<dd lang="ja">寝取られ</dd>' in html
    assert "<dt>Reading</dt><dd>netorare</dd>" in html
    assert "<dt>Language of origin</dt><dd>Japanese</dd>" in html
    assert "<dt>Also called</dt><dd>Netorare, NTR</dd>" in html
    assert "<em>fiction</em>" in html


def test_genre_explainer_is_created_with_contrasts_and_tone(client, autoconfirmed):
    netorare = make_article("Netorare", author=autoconfirmed, summary="Partner taken.")
    netorase = make_article("Netorase", author=autoconfirmed, summary="Partner shared.")
    client.force_login(autoconfirmed)
    response = client.post(
        "/wiki/new/",
        {
            "kind": "genre",
            "title": "Cheating genres compared",
            "summary": "How the cheating genres differ.",
            "body": "They differ in *consent*.",
            "contrasts_with": "netorare\nNetorase\n",
            "tone": "Neutral and descriptive",
            "tags": "",
            "edit_summary": "",
        },
    )

    article = Article.objects.get(title="Cheating genres compared")
    assert response.status_code == 302
    assert article.kind == ArticleKind.GENRE
    revision = article.published_revision
    assert set(revision.contrasts_with.all()) == {netorare, netorase}
    assert revision.tone == "Neutral and descriptive"
    assert revision.edit_summary == "New article"


def test_genre_page_shows_tone_and_comparison_box(client, autoconfirmed):
    make_article("Netorare", author=autoconfirmed, summary="Partner taken.")
    make_article("Netorase", author=autoconfirmed, summary="Partner shared.")
    make_article(
        "Cheating genres compared",
        author=autoconfirmed,
        kind="genre",
        contrasts_with=list(Article.objects.filter(title__startswith="Netora")),
        tone="Neutral",
    )

    html = client.get("/wiki/cheating-genres-compared/").content.decode()
    assert '<p class="tone"><span class="label">Tone:</span> Neutral</p>' in html
    assert '<section class="comparison"' in html
    assert '<a href="/wiki/netorare/">Netorare</a></th><td>Partner taken.</td>' in html
    assert '<a href="/wiki/netorase/">Netorase</a></th><td>Partner shared.</td>' in html
    assert "<dt>Original script</dt>" not in html


def fieldset(html, kind) -> str:
    """The opening tag and contents of the create page's fieldset for `kind`."""
    match = re.search(rf'<fieldset [^>]*data-kind="{kind}"[^>]*>.*?</fieldset>', html, re.S)
    assert match, f"no {kind} fieldset"
    return match.group(0)


def test_create_page_shows_the_fields_of_the_kind_and_holds_the_others_hidden(
    client, autoconfirmed
):
    client.force_login(autoconfirmed)
    term_page = client.get("/wiki/new/?kind=term&title=Moe").content.decode()
    genre_page = client.get("/wiki/new/?kind=genre").content.decode()

    assert "<h1 data-kind-heading>New term</h1>" in term_page
    assert 'name="original_script"' in fieldset(term_page, "term")
    assert " hidden>" not in fieldset(term_page, "term").split(">")[0] + ">"
    assert fieldset(term_page, "genre").split(">")[0].endswith(" hidden")
    assert 'value="Moe"' in term_page
    assert 'name="shown_kind" value="term"' in term_page
    assert "<h1 data-kind-heading>New genre explainer</h1>" in genre_page
    assert 'name="tone"' in fieldset(genre_page, "genre")
    assert fieldset(genre_page, "term").split(">")[0].endswith(" hidden")


def test_switching_kind_without_javascript_comes_back_once_with_that_kinds_fields(
    client, autoconfirmed
):
    client.force_login(autoconfirmed)
    data = term_data(kind="genre", shown_kind="term", title="Iyashikei", aliases="Healing")

    response = client.post("/wiki/new/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert not Article.objects.exists()
    assert "Now a genre explainer: fill in its fields below" in html
    assert "<h1 data-kind-heading>New genre explainer</h1>" in html
    assert 'value="Iyashikei"' in html  # nothing typed is lost
    assert "Netorare is a genre of *fiction*." in html

    response = client.post("/wiki/new/", {**data, "shown_kind": "genre", "tone": "Calm"})

    article = Article.objects.get(title="Iyashikei")
    assert response.status_code == 302
    assert article.kind == ArticleKind.GENRE
    assert article.published_revision.tone == "Calm"
    assert article.published_revision.alias_list == []  # the term's fields are not kept
    assert article.published_revision.original_script == ""


def test_a_hidden_fieldsets_bad_value_does_not_block_the_other_kind(client, autoconfirmed):
    client.force_login(autoconfirmed)
    data = term_data(kind="genre", shown_kind="genre", title="Iyashikei", aliases="x" * 500)

    response = client.post("/wiki/new/", data)

    assert response.status_code == 302
    assert Article.objects.get(title="Iyashikei").kind == ArticleKind.GENRE


def test_anonymous_visitor_is_sent_to_login_to_create(client):
    response = client.post("/wiki/new/?kind=term", term_data())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Article.objects.exists()


def test_new_users_article_waits_for_review(client, newbie):
    client.force_login(newbie)
    client.post("/wiki/new/?kind=term", term_data())

    article = Article.objects.get(title="寝取られ")
    assert not article.is_published
    assert client.get("/wiki/寝取られ/").status_code == 200  # the author sees it
    client.logout()
    assert client.get("/wiki/寝取られ/").status_code == 404


# --- editing ------------------------------------------------------------------------------


def test_edit_creates_revision_two_based_on_revision_one(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed, body="Short.")
    client.force_login(autoconfirmed)
    response = client.post(
        "/wiki/moe/edit/",
        edit_data(article, body="A longer text.", edit_summary="Expand the text", is_minor="on"),
    )

    assert response.status_code == 302
    assert response["Location"] == "/wiki/moe/"
    assert article.revisions.count() == 2
    revision = article.revisions.get(number=2)
    assert revision.parent == article.revisions.get(number=1)
    assert revision.body == "A longer text."
    assert revision.size == len(b"A longer text.")
    assert revision.size_delta == len(b"A longer text.") - len(b"Short.")
    assert revision.edit_summary == "Expand the text"
    assert revision.is_minor is True
    article.refresh_from_db()
    assert article.published_revision == revision


def test_edit_size_counts_bytes_and_can_shrink(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed, body="日本語のテキスト")
    client.force_login(autoconfirmed)
    client.post("/wiki/moe/edit/", edit_data(article, body="日本"))

    revision = article.revisions.get(number=2)
    assert revision.size == 6
    assert revision.size_delta == 6 - 24
    assert revision.is_minor is False


def test_edit_form_starts_from_the_current_revision(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed, body="Current text.")
    client.force_login(autoconfirmed)
    html = client.get("/wiki/moe/edit/").content.decode()

    assert 'name="base_revision" value="1"' in html
    assert "Current text.</textarea>" in html
    assert article.revisions.count() == 1


def test_saving_stores_the_html_rendered_from_the_body(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    client.force_login(autoconfirmed)
    body = "## Usage\n\nSee [[Kawaii]].[^1]\n\n[^1]: A source."
    client.post("/wiki/moe/edit/", edit_data(article, body=body))

    revision = article.revisions.get(number=2)
    assert revision.body_html == render_markdown(body)
    assert '<h2 id="usage">Usage</h2>' in revision.body_html
    assert '<section class="references">' in revision.body_html


def test_reading_pages_serve_the_stored_html_without_rendering(client, autoconfirmed, monkeypatch):
    article = make_article("Moe", author=autoconfirmed, body="Some *text* [[Moe]][^1]\n\n[^1]: S")
    edit(article, autoconfirmed, body="Other *text* [[Kawaii]].")
    stored = article.revisions.get(number=1).body_html
    assert "<em>text</em>" in stored

    forbid_rendering(monkeypatch)

    for url in (
        "/wiki/moe/",
        "/wiki/moe/revisions/1/",
        "/wiki/moe/history/",
        "/wiki/moe/diff/1/2/",
        "/wiki/moe/diff/1/2/?view=side",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert stored in client.get("/wiki/moe/revisions/1/").content.decode()
    with pytest.raises(AssertionError, match="rendered during a read"):
        render_markdown("*x*")  # the guard itself works


# --- slugs, redirects ---------------------------------------------------------------------


def test_title_change_moves_the_slug_and_the_old_one_redirects(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    client.force_login(autoconfirmed)
    client.post("/wiki/moe/edit/", edit_data(article, title="Moe (slang)"))

    article.refresh_from_db()
    assert article.slug == "moe-slang"
    assert SlugRedirect.objects.filter(old_slug="moe", article=article).exists()
    assert client.get("/wiki/moe-slang/").status_code == 200
    response = client.get("/wiki/moe/")
    assert response.status_code == 301
    assert response["Location"] == "/wiki/moe-slang/"


def test_old_slug_redirects_every_article_page(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    client.force_login(autoconfirmed)
    client.post("/wiki/moe/edit/", edit_data(article, title="Moe (slang)"))

    for old, new in [
        ("/wiki/moe/history/", "/wiki/moe-slang/history/"),
        ("/wiki/moe/revisions/1/", "/wiki/moe-slang/revisions/1/"),
        ("/wiki/moe/diff/1/2/?view=side", "/wiki/moe-slang/diff/1/2/?view=side"),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == new


def test_unicode_slug_serves_the_article(client, autoconfirmed):
    article = make_article("寝取られ", author=autoconfirmed)
    assert article.slug == "寝取られ"

    response = client.get("/wiki/寝取られ/")
    assert response.status_code == 200
    assert '<h1><span lang="ja">寝取られ</span></h1>' in response.content.decode()


def test_percent_encoded_unicode_slug_serves_the_article(client, autoconfirmed):
    make_article("寝取られ", author=autoconfirmed)

    response = client.get("/wiki/" + quote("寝取られ") + "/")
    assert response.status_code == 200
    assert '<h1><span lang="ja">寝取られ</span></h1>' in response.content.decode()
    assert client.get("/wiki/" + quote("寝取られ") + "/history/").status_code == 200


def test_alias_redirects_to_the_article(client, autoconfirmed):
    make_article("寝取られ", author=autoconfirmed, aliases="Netorare\nCheating trope")

    response = client.get("/wiki/Netorare/")
    assert response.status_code == 301
    assert response["Location"] == "/wiki/" + quote("寝取られ") + "/"
    response = client.get("/wiki/cheating-trope/")
    assert response.status_code == 301
    assert response["Location"] == "/wiki/" + quote("寝取られ") + "/"


def test_unknown_slug_is_not_found(client):
    assert client.get("/wiki/no-such-article/").status_code == 404


def test_revisions_are_never_rewritten_by_an_edit(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed, body="First.")
    first = Revision.objects.get(article=article, number=1)
    client.force_login(autoconfirmed)
    client.post("/wiki/moe/edit/", edit_data(article, body="Second."))

    first_again = Revision.objects.get(pk=first.pk)
    assert (first_again.body, first_again.body_html) == (first.body, first.body_html)


# --- articles readers cannot see ----------------------------------------------------------


def test_comparison_box_leaves_out_deleted_articles(client, autoconfirmed):
    kept = make_article("Netorare", author=autoconfirmed)
    gone = make_article("Netorase", author=autoconfirmed)
    make_article("Compared", author=autoconfirmed, kind="genre", contrasts_with=[kept, gone])
    delete(gone)

    for url in ("/wiki/compared/", "/wiki/compared/revisions/1/"):
        html = client.get(url).content.decode()
        assert '<a href="/wiki/netorare/">Netorare</a>' in html
        assert "Netorase" not in html


def test_author_of_a_rejected_new_article_sees_why_instead_of_an_error(client, newbie, moderator):
    from wiki.moderation import reject

    article = make_article("Moe", author=newbie, body="My first text.")
    reject(article.latest_revision, moderator=moderator, reason="Not a real term")
    client.force_login(newbie)

    response = client.get("/wiki/moe/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "was <strong>not accepted</strong>: Not a real term" in html
    assert "My first text." in html

    response = client.get("/wiki/moe/edit/")
    assert response.status_code == 200
    assert "My first text.</textarea>" in response.content.decode()
    response = client.post("/wiki/moe/edit/", edit_data(article, body="Second try."))
    assert response.status_code == 302
    assert article.revisions.get(number=2).status == "pending"

    client.logout()
    assert client.get("/wiki/moe/").status_code == 404


# --- what saving will do, said before saving ------------------------------------------------


def save_outcome(html) -> str:
    return re.search(r'<p class="save-outcome"[^>]*>(.*?)</p>', html, re.S).group(1)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("newbie", "The article will wait for a moderator's review before readers see it."),
        ("autoconfirmed", "Saving publishes the article at once."),
    ],
)
def test_the_create_page_says_whether_the_article_will_publish(client, request, who, expected):
    client.force_login(request.getfixturevalue(who))

    html = client.get("/wiki/new/").content.decode()

    assert save_outcome(html).replace("&#x27;", "'") == expected


def test_the_edit_page_says_whether_saving_publishes_or_waits(
    client, autoconfirmed, newbie, moderator
):
    article = make_article("Moe", author=autoconfirmed)

    client.force_login(newbie)
    by_newbie = save_outcome(client.get("/wiki/moe/edit/").content.decode())
    client.force_login(autoconfirmed)
    by_editor = save_outcome(client.get("/wiki/moe/edit/").content.decode())
    edit(article, newbie, body="A pending change.")
    held = save_outcome(client.get("/wiki/moe/edit/").content.decode())
    client.force_login(moderator)
    by_moderator = save_outcome(client.get("/wiki/moe/edit/").content.decode())

    assert "will wait for a moderator" in by_newbie
    assert by_editor == "Saving publishes your changes at once."
    assert "will wait for a moderator" in held  # autoconfirmed, but behind a pending change
    assert by_moderator == (
        "Saving publishes your changes at once, with the changes waiting for review it builds on."
    )
