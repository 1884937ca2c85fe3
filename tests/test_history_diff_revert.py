"""History, old revisions, diffs and reverts; reads never change anything."""

import re

import pytest
from django.test import Client

from tests.factories import edit, make_article, make_tag
from wiki.models import Article, Revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def moe(autoconfirmed, newbie):
    """Three revisions: created by `trusted`, a minor fix by them, a rewrite by `mod`."""
    from tests.factories import make_user

    mod = make_user("editor", trust="moderator")
    article = make_article(
        "Moe", author=autoconfirmed, body="Moe is a feeling.\n\nIt is warm.\n", aliases="萌え"
    )
    edit(
        article,
        autoconfirmed,
        body="Moe is a feeling.\n\nIt is very warm.\n",
        is_minor=True,
        edit_summary="Typo",
    )
    edit(article, mod, body="Moe is an affection.\n", edit_summary="Rewrite")
    article.refresh_from_db()
    return article


def rows(html):
    return re.findall(r'<tr class="rev-[a-z]+">(.*?)</tr>', html, re.S)


# --- history ------------------------------------------------------------------------------


def test_history_lists_revisions_newest_first(client, moe):
    response = client.get("/wiki/moe/history/")
    html = response.content.decode()

    assert response.status_code == 200
    found = rows(html)
    assert len(found) == 3
    numbers = [re.search(r'revisions/(\d+)/">(\d+)</a>', row).group(2) for row in found]
    assert numbers == ["3", "2", "1"]


def test_history_row_shows_author_summary_size_change_and_minor_flag(client, moe):
    newest, minor, first = rows(client.get("/wiki/moe/history/").content.decode())

    assert '<a href="/users/editor/">editor</a>' in newest
    assert "Rewrite" in newest
    rev3 = moe.revisions.get(number=3)
    assert rev3.size_delta < 0
    assert f"−{-rev3.size_delta}" in newest
    assert 'class="minus"' in newest
    assert 'title="minor edit"' not in newest
    assert '<span class="badge">current</span>' in newest

    assert '<a href="/users/trusted/">trusted</a>' in minor
    assert 'title="minor edit"' in minor
    assert "Typo" in minor
    assert '<span class="plus">+5</span>' in minor

    assert "New article" in first
    assert f"+{moe.revisions.get(number=1).size}" in first


def test_history_row_links_view_diff_and_revert(client, moe):
    newest, minor, first = rows(client.get("/wiki/moe/history/").content.decode())

    assert 'href="/wiki/moe/revisions/3/"' in newest
    assert 'href="/wiki/moe/diff/2/3/"' in newest
    assert "/revert/" not in newest  # it is the current revision
    assert 'href="/wiki/moe/revisions/2/"' in minor
    assert 'href="/wiki/moe/diff/1/2/"' in minor
    assert 'href="/wiki/moe/revert/2/"' in minor
    assert "/diff/" not in first
    assert 'href="/wiki/moe/revert/1/"' in first


def test_history_offers_two_revisions_to_compare(client, moe):
    html = client.get("/wiki/moe/history/").content.decode()

    assert 'action="/wiki/moe/compare/"' in html
    assert re.search(r'name="a" value="2"[^>]*checked', html)
    assert re.search(r'name="b" value="3"[^>]*checked', html)


# --- old revisions ------------------------------------------------------------------------


def test_old_revision_shows_its_stored_html_with_a_banner(client, moe):
    rev1 = moe.revisions.get(number=1)
    response = client.get("/wiki/moe/revisions/1/")
    html = response.content.decode()

    assert response.status_code == 200
    assert rev1.body_html in html
    assert "It is warm." in html
    assert "an affection" not in html
    assert "This is an old revision (1) of this article" in html
    assert '<a href="/wiki/moe/">Read the current version</a>' in html


def test_current_revision_page_says_it_is_current(client, moe):
    html = client.get("/wiki/moe/revisions/3/").content.decode()

    assert "This is the current revision (3)" in html
    assert "old revision" not in html
    assert 'href="/wiki/moe/diff/2/3/"' in html


@pytest.mark.parametrize(
    "url",
    [
        "/wiki/moe/revisions/4/",
        "/wiki/moe/revisions/0/",
        "/wiki/moe/revisions/99999999999999999999999/",
        "/wiki/moe/diff/1/4/",
        "/wiki/moe/diff/9/1/",
        "/wiki/moe/diff/1/99999999999999999999999/",
    ],
)
def test_unknown_revision_numbers_are_not_found(client, moe, moderator, url):
    assert client.get(url).status_code == 404
    client.force_login(moderator)
    assert client.get(url).status_code == 404


def test_revert_to_an_unknown_revision_is_not_found(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)
    assert client.get("/wiki/moe/revert/7/").status_code == 404
    assert client.post("/wiki/moe/revert/7/").status_code == 404
    assert moe.revisions.count() == 3


def test_diff_between_revisions_of_two_articles_is_not_found(client, moe, autoconfirmed):
    other = make_article("Kawaii", author=autoconfirmed)
    for _ in range(4):
        edit(other, autoconfirmed, body=other.published_revision.body + " more")
    assert other.revisions.filter(number=5).exists()
    assert not moe.revisions.filter(number=5).exists()

    assert client.get("/wiki/moe/diff/1/5/").status_code == 404
    assert client.get("/wiki/kawaii/diff/1/5/").status_code == 200


# --- diffs --------------------------------------------------------------------------------


def test_diff_shows_the_body_change_word_by_word(client, moe):
    response = client.get("/wiki/moe/diff/1/2/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<ins>very </ins>" in html
    assert "<del>" not in html.split('class="diff-inline"')[1].split("</div>")[0]
    assert "Moe is a feeling." in html


def test_diff_shows_removed_and_added_words_inline_and_side_by_side(client, moe):
    inline = client.get("/wiki/moe/diff/2/3/").content.decode()
    side = client.get("/wiki/moe/diff/2/3/?view=side").content.decode()

    assert "Moe is <del>a feeling.\n\nIt is very warm</del><ins>an affection</ins>." in inline
    assert '<td class="old">Moe is <del>a feeling</del>.</td>' in side
    assert '<td class="new">Moe is <ins>an affection</ins>.</td>' in side
    assert '<td class="ln">3</td><td class="old">It is very warm.</td>' in side
    assert '<tr class="diff-delete"><td class="ln">3</td>' in side


def diff_nav(html) -> dict:
    """The diff page's "← Older edit · Newer edit →" links: {label: url}."""
    nav = re.search(r'<nav class="diff-nav"[^>]*>(.*?)</nav>', html, re.S)
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav[1]) if nav else []
    return {label: url for url, label in links}


def test_diff_links_to_the_older_and_newer_edit(client, moe):
    middle = client.get("/wiki/moe/diff/2/3/").content.decode()
    first = client.get("/wiki/moe/diff/1/2/").content.decode()

    assert diff_nav(first) == {"Newer edit →": "/wiki/moe/diff/2/3/"}
    assert "No older edit" in first
    assert diff_nav(middle) == {"← Older edit": "/wiki/moe/diff/1/2/"}
    assert "No newer edit" in middle
    assert diff_nav(client.get("/wiki/moe/diff/1/3/").content.decode()) == {}


def test_diff_navigation_skips_edits_the_reader_cannot_see(client, moe, newbie, moderator):
    edit(moe, newbie, body="Moe is a pending idea.\n", edit_summary="Pending")  # revision 4
    assert moe.revisions.get(number=4).status == "pending"

    anonymous = client.get("/wiki/moe/diff/2/3/").content.decode()
    client.force_login(moderator)
    moderating = client.get("/wiki/moe/diff/2/3/").content.decode()

    assert "Newer edit" not in anonymous
    assert diff_nav(moderating)["Newer edit →"] == "/wiki/moe/diff/3/4/"


def test_diff_heads_show_each_side_author_and_summary(client, moe):
    html = client.get("/wiki/moe/diff/2/3/").content.decode()
    heads = re.findall(r'<div class="diff-head">(.*?)</div>', html, re.S)

    assert "<q>Typo</q>" in heads[0]
    assert '<a href="/users/editor/">editor</a>' in heads[1]
    assert "<q>Rewrite</q>" in heads[1]


def test_diff_side_by_side_shows_both_versions(client, moe):
    response = client.get("/wiki/moe/diff/1/2/?view=side")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<table class="diff-side">' in html
    assert '<tr class="diff-change">' in html
    assert "<ins>very </ins>" in html
    assert "<strong>side by side</strong>" in html


def test_diff_lists_every_changed_field_old_to_new(client, autoconfirmed):
    article = make_article(
        "Moe", author=autoconfirmed, aliases="萌え\nMoe-moe", reading="moe", body="Same."
    )
    warm = make_tag("Warm")
    edit(
        article,
        autoconfirmed,
        title="Moe (feeling)",
        summary="A warm feeling.",
        aliases="萌え\nMoemoe",
        reading="moé",
        tags=[warm.pk],
    )

    html = client.get("/wiki/moe-feeling/diff/1/2/").content.decode()
    assert "<dt>Title</dt>" in html
    assert "<del>Moe</del> → <ins>Moe (feeling)</ins>" in html
    assert "<del>About Moe.</del> → <ins>A warm feeling.</ins>" in html
    assert "<dt>Reading</dt>" in html
    assert "<del>moe</del> → <ins>moé</ins>" in html
    assert "<dt>Aliases</dt>" in html
    assert "<del>Moe-moe</del>" in html
    assert "<ins>Moemoe</ins>" in html
    assert "<dt>Tags</dt>" in html
    assert "<ins>Warm</ins>" in html
    assert "The text is the same in both revisions." in html
    assert "<dt>Tone</dt>" not in html


def test_compare_form_redirects_to_the_canonical_diff(client, moe):
    response = client.get("/wiki/moe/compare/?a=3&b=1")
    assert response.status_code == 302
    assert response["Location"] == "/wiki/moe/diff/1/3/"


@pytest.mark.parametrize("query", ["", "?a=1", "?a=x&b=2", "?a=2&b=2"])
def test_compare_form_without_two_revisions_goes_back_to_history(client, moe, query):
    response = client.get("/wiki/moe/compare/" + query)
    assert response.status_code == 302
    assert response["Location"] == "/wiki/moe/history/"


# --- revert -------------------------------------------------------------------------------


def test_revert_page_asks_for_confirmation_and_changes_nothing(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)
    response = client.get("/wiki/moe/revert/1/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Revert “Moe” to revision 1?" in html
    assert 'method="post"' in html
    assert moe.revisions.count() == 3
    moe.refresh_from_db()
    assert moe.published_revision.number == 3


def test_revert_creates_a_new_revision_with_the_old_content(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)
    response = client.post("/wiki/moe/revert/1/")

    assert response.status_code == 302
    assert response["Location"] == "/wiki/moe/history/"
    assert moe.revisions.count() == 4
    old, new = moe.revisions.get(number=1), moe.revisions.get(number=4)
    assert new.body == old.body
    assert new.body_html == old.body_html
    assert new.aliases == old.aliases
    assert new.edit_summary == "Reverted to revision 1, undoing revisions 2–3"
    assert new.author == autoconfirmed
    assert new.parent == moe.revisions.get(number=3)
    moe.refresh_from_db()
    assert moe.published_revision == new
    assert "It is warm." in client.get("/wiki/moe/").content.decode()


def test_revert_restores_the_old_title(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    edit(article, autoconfirmed, title="Moe (feeling)")
    client.force_login(autoconfirmed)
    client.post("/wiki/moe-feeling/revert/1/")

    article.refresh_from_db()
    assert article.title == "Moe"
    assert article.slug == "moe"
    assert client.get("/wiki/moe-feeling/").status_code == 301


def test_anonymous_cannot_revert(client, moe):
    response = client.post("/wiki/moe/revert/1/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert moe.revisions.count() == 3


def test_unconfirmed_user_cannot_revert(client, moe, unconfirmed):
    client.force_login(unconfirmed)
    assert client.post("/wiki/moe/revert/1/").status_code == 403
    assert moe.revisions.count() == 3


# --- reads never change anything; writes need CSRF -----------------------------------------


def snapshot():
    return (
        list(Revision.objects.order_by("pk").values_list("pk", "status", "body")),
        list(Article.objects.order_by("pk").values_list("pk", "published_revision", "slug")),
    )


@pytest.mark.parametrize(
    "url",
    [
        "/wiki/moe/",
        "/wiki/moe/edit/",
        "/wiki/moe/edit/?title=Changed&body=Changed",
        "/wiki/moe/history/",
        "/wiki/moe/revisions/1/",
        "/wiki/moe/diff/1/3/",
        "/wiki/moe/compare/?a=1&b=3",
        "/wiki/moe/revert/1/",
        "/wiki/new/?kind=term&title=Moe",
        "/wiki/new/?kind=genre&title=Brand+new",
    ],
)
def test_get_never_changes_anything(client, moe, moderator, url):
    before = snapshot()
    client.force_login(moderator)
    assert client.get(url).status_code in (200, 302)
    assert snapshot() == before


def test_rollback_is_post_only(client, moe, moderator):
    before = snapshot()
    client.force_login(moderator)
    assert client.get("/wiki/moe/rollback/editor/").status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/wiki/moe/revert/1/", {}),
        (
            "/wiki/moe/edit/",
            {"title": "Moe", "summary": "S.", "body": "Hijacked.", "base_revision": "3"},
        ),
        ("/wiki/new/", {"kind": "term", "title": "Forged", "summary": "S.", "body": "x"}),
        ("/wiki/moe/rollback/editor/", {}),
    ],
)
def test_posts_without_csrf_token_are_refused(moe, moderator, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    before = snapshot()

    assert client.post(url, data).status_code == 403
    assert snapshot() == before


def test_post_with_csrf_token_is_accepted(moe, autoconfirmed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(autoconfirmed)
    page = client.get("/wiki/moe/revert/1/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post("/wiki/moe/revert/1/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert moe.revisions.count() == 4


def test_a_revert_is_logged_and_its_history_row_names_what_it_undid(client, autoconfirmed):
    from wiki.models import ModerationLog

    article = make_article("Moe", author=autoconfirmed, body="First text.")
    edit(article, autoconfirmed, body="Second text.")
    client.force_login(autoconfirmed)

    response = client.post(f"/wiki/{article.slug}/revert/1/", follow=True)

    entry = ModerationLog.objects.get(action=ModerationLog.Action.REVERT)
    assert (entry.actor, entry.article, entry.revision.number) == (autoconfirmed, article, 3)
    assert entry.reason == "Reverted to revision 1, undoing revision 2"
    assert "Reverted to revision 1." in response.content.decode()  # the success message
    history = client.get(f"/wiki/{article.slug}/history/").content.decode()
    newest = rows(history)[0]
    assert "Reverted to revision 1, undoing revision 2" in newest
    assert "Moderation log" not in history  # an editor's revert is an edit, not moderation


def test_an_old_revision_shows_its_content_warnings_and_a_report_link(client, autoconfirmed):
    warning = make_tag("Infidelity", category="warning")
    article = make_article("NTR", author=autoconfirmed, tags=[warning])
    edit(article, autoconfirmed, body="Changed.")

    html = client.get(f"/wiki/{article.slug}/revisions/1/").content.decode()

    assert re.search(r'class="warning-box".*?Infidelity', html, re.S)
    assert f"/wiki/{article.slug}/report/?revision=1" in html


def test_a_saved_revision_cannot_be_rewritten(autoconfirmed):
    article = make_article("Moe", author=autoconfirmed, body="Original.")
    revision = article.published_revision

    revision.body = "Rewritten history."
    with pytest.raises(ValueError, match="immutable"):
        revision.save()
    with pytest.raises(ValueError, match="immutable"):
        revision.save(update_fields=["body"])
    assert Revision.objects.get(pk=revision.pk).body == "Original."


def test_a_rejected_revision_cannot_be_reverted_to(client, autoconfirmed, newbie, moderator):
    from wiki.moderation import reject

    article = make_article("Moe", author=autoconfirmed, body="Good text.")
    rejected = edit(article, newbie, body="Rejected text.").revision
    reject(rejected, moderator=moderator, reason="No")
    client.force_login(newbie)

    assert client.get(f"/wiki/{article.slug}/revert/{rejected.number}/").status_code == 404
    assert client.post(f"/wiki/{article.slug}/revert/{rejected.number}/").status_code == 404
    article.refresh_from_db()
    assert article.published_revision.body == "Good text."
    assert article.revisions.count() == 2
