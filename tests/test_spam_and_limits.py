"""Spam defences: the new-user link limit, the URL blocklist and rate limits. Each refusal is
a clear message, and the form gives the user's text back."""

import html

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import make_article
from wiki.models import Article, BlockedURL, Report, RevisionStatus

pytestmark = pytest.mark.django_db

FOUR_LINKS = (
    "Sources: [one](https://one.example/a), [two](https://two.example/b), "
    "<https://three.example/c> and [four](https://four.example/d)"
)
THREE_LINKS = (
    "Sources: [one](https://one.example/a), [two](https://two.example/b), <https://three.example/c>"
)


@pytest.fixture
def article(moderator):
    return make_article("Moe", author=moderator, body="Moe is affection.")


def _post_edit(client, article, body, **extra):
    article.refresh_from_db()
    head = article.latest_revision
    data = {
        "title": article.title,
        "summary": article.summary,
        "body": body,
        "base_revision": head.number,
        **extra,
    }
    return client.post(reverse("article_edit", args=[article.slug]), data)


def _post_create(client, title, body):
    return client.post(
        reverse("article_create"),
        {"kind": "term", "title": title, "summary": f"About {title}.", "body": body},
    )


def _text_kept(response, body):
    """The submitted text is back in the form's textarea, intact."""
    return html.escape(body, quote=False) in response.content.decode()


# --- the link limit for new users ----------------------------------------------------------


def test_new_user_adding_four_links_is_refused_with_the_limit_and_keeps_the_text(
    client, newbie, article
):
    client.force_login(newbie)
    body = f"Moe is affection.\n\n{FOUR_LINKS}"
    response = _post_edit(client, article, body)
    assert response.status_code == 400
    page = response.content.decode()
    assert "New accounts may add at most 3 external links in one edit" in page
    assert "this edit adds 4" in page
    assert _text_kept(response, body)
    assert article.revisions.count() == 1


def test_new_user_may_add_three_links(client, newbie, article):
    client.force_login(newbie)
    response = _post_edit(client, article, f"Moe is affection.\n\n{THREE_LINKS}")
    assert response.status_code == 302
    assert article.revisions.latest("number").status == RevisionStatus.PENDING


def test_new_user_creating_an_article_with_four_links_is_refused(client, newbie):
    client.force_login(newbie)
    body = f"A new term.\n\n{FOUR_LINKS}"
    response = _post_create(client, "Linky", body)
    assert response.status_code == 400
    assert "at most 3 external links" in response.content.decode()
    assert _text_kept(response, body)
    assert not Article.objects.filter(title="Linky").exists()


def test_autoconfirmed_users_may_add_more_links(client, autoconfirmed, article):
    client.force_login(autoconfirmed)
    response = _post_edit(client, article, f"Moe is affection.\n\n{FOUR_LINKS}")
    assert response.status_code == 302
    article.refresh_from_db()
    assert "four.example" in article.published_revision.body


@override_settings(KOTOBA_NEW_USER_MAX_LINKS=1)
def test_the_link_limit_is_a_setting(client, newbie, article):
    client.force_login(newbie)
    response = _post_edit(client, article, "[a](https://a.example) [b](https://b.example)")
    assert response.status_code == 400
    assert "at most 1 external links" in response.content.decode()


def test_only_links_added_by_the_edit_count(client, moderator, newbie):
    article = make_article("Linked", author=moderator, body=f"Already there.\n\n{FOUR_LINKS}")
    client.force_login(newbie)
    kept = f"Already there, reworded.\n\n{FOUR_LINKS}\n\nAnd https://five.example/e"
    response = _post_edit(client, article, kept)
    assert response.status_code == 302
    assert article.revisions.count() == 2


def test_a_repeated_link_counts_once(client, newbie, article):
    client.force_login(newbie)
    body = "\n".join(["https://same.example/x"] * 5)
    assert _post_edit(client, article, body).status_code == 302


def test_bare_urls_are_text_and_do_not_count_against_the_limit(client, newbie, article):
    """A bare URL is shown as plain text (not a link), so the limit leaves it out."""
    client.force_login(newbie)
    bare = " ".join(f"https://site{n}.example/page" for n in range(6))
    response = _post_edit(client, article, f"Moe is affection.\n\n{THREE_LINKS} {bare}")

    assert response.status_code == 302
    revision = article.revisions.latest("number")
    assert 'href="https://site0.example' not in revision.body_html  # shown, not linked
    assert "https://site0.example/page" in revision.body_html


# --- the URL blocklist ----------------------------------------------------------------------


@pytest.fixture
def blocklist(db):
    BlockedURL.objects.create(pattern="spam.example", note="Pill shop")
    BlockedURL.objects.create(pattern=r"re:casino-\d+", note="Casino affiliate links")


def test_a_blocked_bare_url_is_refused_too(client, newbie, article, blocklist):
    client.force_login(newbie)

    response = _post_edit(client, article, "Moe is affection. Buy at https://spam.example/buy")

    assert response.status_code == 400
    assert "This edit adds a link that this wiki does not accept" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "https://spam.example/buy",
        "http://shop.spam.example/",
        "https://SPAM.example/upper",
        "https://ok.example/casino-777/",
    ],
)
def test_a_blocked_url_is_refused_with_the_url_in_the_message_and_the_text_kept(
    client, autoconfirmed, article, blocklist, url
):
    client.force_login(autoconfirmed)
    body = f"Moe is affection. See [this]({url})."
    response = _post_edit(client, article, body)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This edit adds a link that this wiki does not accept" in page
    assert html.escape(url) in page.split("does not accept")[1][:300]
    assert _text_kept(response, body)
    assert article.revisions.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://spam.example./buy",
        "https://sp%61m.example/",
        "https://ｓｐａｍ.example/",
        "http://spam。example/",
    ],
    ids=["trailing-dot", "percent-encoded", "fullwidth", "ideographic-full-stop"],
)
def test_a_blocked_domain_spelled_the_way_browsers_still_read_it_is_refused(
    client, autoconfirmed, article, blocklist, url
):
    client.force_login(autoconfirmed)
    body = f"Moe is affection. See [this]({url})."
    response = _post_edit(client, article, body)
    assert response.status_code == 400
    page = response.content.decode()
    assert html.escape(url) in page.split("does not accept")[1][:300]
    assert _text_kept(response, body)
    assert article.revisions.count() == 1


def test_a_regex_pattern_matches_the_url_with_its_host_as_browsers_read_it(
    client, autoconfirmed, article
):
    BlockedURL.objects.create(pattern=r"re:^https://spam\.example/")
    client.force_login(autoconfirmed)
    response = _post_edit(client, article, "See <https://SP%41M.example./buy>.")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url", ["https://notspam.example/", "https://spam.example.org/", "https://ok.example/casino/"]
)
def test_similar_urls_are_not_blocked(client, autoconfirmed, article, blocklist, url):
    client.force_login(autoconfirmed)
    assert _post_edit(client, article, f"See <{url}>.").status_code == 302


def test_blocked_urls_apply_to_moderators_and_new_articles(client, moderator, blocklist):
    client.force_login(moderator)
    response = _post_create(client, "Spammy", "Buy at https://spam.example/now")
    assert response.status_code == 400
    assert "https://spam.example/now" in response.content.decode()


def test_a_blocked_url_already_in_the_text_does_not_block_other_edits(
    client, moderator, autoconfirmed
):
    article = make_article("Old link", author=moderator, body="Old https://spam.example/x")
    BlockedURL.objects.create(pattern="spam.example")
    client.force_login(autoconfirmed)
    response = _post_edit(client, article, "Old https://spam.example/x, and more words.")
    assert response.status_code == 302


def test_blocked_url_patterns_are_managed_in_the_admin(client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:wiki_blockedurl_add"), {"pattern": "re:([", "note": "bad"}
    )
    assert response.status_code == 200
    assert "Not a valid regular expression" in response.content.decode()
    response = client.post(
        reverse("admin:wiki_blockedurl_add"), {"pattern": "spam.example", "note": "ok"}
    )
    assert response.status_code == 302
    assert BlockedURL.objects.get().pattern == "spam.example"


# --- edit rate limits ------------------------------------------------------------------------


@override_settings(KOTOBA_EDIT_RATE_NEW=2)
def test_new_users_past_the_edit_rate_get_429_a_message_and_their_text(client, newbie, article):
    client.force_login(newbie)
    for n in range(2):
        assert _post_edit(client, article, f"Moe, take {n}.").status_code == 302
    body = "Moe, the third take, which must come back."
    response = _post_edit(client, article, body)
    assert response.status_code == 429
    assert "You are saving edits faster than this wiki allows" in response.content.decode()
    assert _text_kept(response, body)
    assert article.revisions.count() == 3


@override_settings(KOTOBA_EDIT_RATE_NEW=2, KOTOBA_EDIT_RATE_AUTOCONFIRMED=4)
def test_autoconfirmed_users_have_their_own_edit_rate(client, autoconfirmed, article):
    client.force_login(autoconfirmed)
    for n in range(4):
        assert _post_edit(client, article, f"Moe, take {n}.").status_code == 302
    assert _post_edit(client, article, "Moe, one too many.").status_code == 429


@override_settings(KOTOBA_EDIT_RATE_NEW=2)
def test_the_edit_rate_is_counted_per_user(client, newbie, article):
    from tests.factories import make_user

    client.force_login(newbie)
    for n in range(2):
        _post_edit(client, article, f"Moe, take {n}.")
    client.force_login(make_user("another-newbie", trust="new"))
    assert _post_edit(client, article, "Someone else's edit.").status_code == 302


@override_settings(KOTOBA_EDIT_RATE_NEW=1)
def test_creating_past_the_edit_rate_gets_429(client, newbie):
    client.force_login(newbie)
    assert _post_create(client, "First", "One.").status_code == 302
    response = _post_create(client, "Second", "Two, kept.")
    assert "You are saving edits faster" in response.content.decode()
    assert _text_kept(response, "Two, kept.")
    assert response.status_code == 429


# --- reports: the "other" text and the rate limit ---------------------------------------------


def test_a_report_saying_other_needs_text(client, newbie, article):
    client.force_login(newbie)
    response = client.post(reverse("report", args=[article.slug]), {"reason": "other", "text": ""})
    assert response.status_code == 400
    assert "Say what is wrong" in response.content.decode()
    assert not Report.objects.exists()
    response = client.post(
        reverse("report", args=[article.slug]), {"reason": "other", "text": "Outdated slang"}
    )
    assert response.status_code == 302
    assert Report.objects.get().text == "Outdated slang"


@override_settings(KOTOBA_REPORT_RATE=2)
def test_reports_are_rate_limited_with_a_message_and_the_text_kept(client, newbie, article):
    client.force_login(newbie)
    for n in range(2):
        response = client.post(
            reverse("report", args=[article.slug]), {"reason": "wrong", "text": f"Report {n}"}
        )
        assert response.status_code == 302
    response = client.post(
        reverse("report", args=[article.slug]),
        {"reason": "wrong", "text": "The third report, kept."},
    )
    assert response.status_code == 400
    assert "You have sent many reports in the last hour" in response.content.decode()
    assert "The third report, kept." in response.content.decode()
    assert Report.objects.count() == 2


# --- known bypasses, kept visible ------------------------------------------------------------


@pytest.mark.parametrize("url", ["//spam.example/buy", "https:/\\spam.example/buy"])
def test_a_blocked_domain_cannot_be_smuggled_in_an_odd_url_form(
    client, autoconfirmed, article, blocklist, url
):
    client.force_login(autoconfirmed)
    response = _post_edit(client, article, f"Moe. See [this]({url}).")
    assert response.status_code == 400
