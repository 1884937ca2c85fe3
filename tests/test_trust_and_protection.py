"""The trust ladder (automatic and granted autoconfirmed) and article protection."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import TrustLevel
from tests.factories import edit, make_article, make_user
from wiki import moderation
from wiki.models import ModerationLog, Protection, RevisionStatus

pytestmark = pytest.mark.django_db


def _aged(user, *, days, edits):
    type(user).objects.filter(pk=user.pk).update(
        date_joined=timezone.now() - timedelta(days=days), accepted_edit_count=edits
    )
    user.refresh_from_db()
    return user


# --- automatic promotion ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "edits", "level"),
    [
        (4, 10, TrustLevel.AUTOCONFIRMED),  # exactly at both thresholds
        (30, 50, TrustLevel.AUTOCONFIRMED),
        (3.9, 10, TrustLevel.NEW),  # old enough? not quite
        (4, 9, TrustLevel.NEW),  # enough edits? not quite
        (30, 0, TrustLevel.NEW),  # old, but no accepted edits
        (0, 50, TrustLevel.NEW),  # many edits, but a day-old account
    ],
)
def test_autoconfirmed_needs_both_account_age_and_accepted_edits(newbie, days, edits, level):
    assert _aged(newbie, days=days, edits=edits).trust_level == level


@override_settings(KOTOBA_AUTOCONFIRM_DAYS=1, KOTOBA_AUTOCONFIRM_EDITS=2)
def test_the_thresholds_are_settings(newbie):
    assert _aged(newbie, days=1, edits=2).trust_level == TrustLevel.AUTOCONFIRMED
    assert _aged(newbie, days=1, edits=1).trust_level == TrustLevel.NEW


def test_an_unconfirmed_email_outranks_the_thresholds(unconfirmed):
    assert _aged(unconfirmed, days=30, edits=50).trust_level == TrustLevel.UNCONFIRMED


def test_accepted_edits_promote_a_new_user_who_is_old_enough(moderator, newbie):
    _aged(newbie, days=5, edits=8)
    article = make_article("Isekai", author=moderator)
    for n in (9, 10):
        pending = edit(article, newbie, body=f"Isekai, take {n}.").revision
        assert pending.status == RevisionStatus.PENDING
        moderation.accept_chain(pending, moderator=moderator)
        newbie.refresh_from_db()
        assert newbie.accepted_edit_count == n
    assert newbie.trust_level == TrustLevel.AUTOCONFIRMED
    published_at_once = edit(article, newbie, body="Isekai, take 11.").revision
    assert published_at_once.status == RevisionStatus.ACCEPTED


def test_accepting_a_chain_counts_each_accepted_edit(moderator, newbie):
    article = make_article("Chuuni", author=moderator)
    for n in range(3):
        last = edit(article, newbie, body=f"Chuuni {n}.").revision
    moderation.accept_chain(last, moderator=moderator)
    newbie.refresh_from_db()
    assert newbie.accepted_edit_count == 3


def test_rejected_edits_do_not_count(moderator, newbie):
    article = make_article("Waifu", author=moderator)
    pending = edit(article, newbie, body="Waifu spam.").revision
    moderation.reject(pending, moderator=moderator, reason="Spam")
    newbie.refresh_from_db()
    assert newbie.accepted_edit_count == 0


def test_an_old_account_with_many_edits_edits_live_over_http(client, moderator, newbie):
    _aged(newbie, days=10, edits=10)
    article = make_article("Dere", author=moderator, body="Dere.")
    client.force_login(newbie)
    response = client.post(
        reverse("article_edit", args=[article.slug]),
        {"title": "Dere", "summary": article.summary, "body": "Dere, live.", "base_revision": 1},
        follow=True,
    )
    assert "Saved: revision 2." in response.content.decode()
    article.refresh_from_db()
    assert article.published_revision.body == "Dere, live."


# --- granted autoconfirmed ---------------------------------------------------------------------


def test_a_moderator_can_grant_autoconfirmed_and_it_is_logged(moderator, newbie):
    moderation.grant_autoconfirmed(user=newbie, moderator=moderator)
    newbie.refresh_from_db()
    assert newbie.trust_level == TrustLevel.AUTOCONFIRMED
    entry = ModerationLog.objects.get(action="grant")
    assert (entry.actor, entry.target_user) == (moderator, newbie)
    article = make_article("Gyaru", author=moderator)
    assert edit(article, newbie, body="Gyaru, live.").revision.status == RevisionStatus.ACCEPTED


def test_a_granted_user_edits_live_from_the_first_day(newbie):
    type(newbie).objects.filter(pk=newbie.pk).update(is_autoconfirmed=True)
    newbie.refresh_from_db()
    assert newbie.accepted_edit_count == 0
    assert newbie.trust_level == TrustLevel.AUTOCONFIRMED


def test_moderators_and_superusers_are_moderators(moderator):
    root = make_user("root", trust="new", is_superuser=True)
    assert moderator.trust_level == TrustLevel.MODERATOR
    assert root.trust_level == TrustLevel.MODERATOR
    assert root.is_trusted


# --- protection is shown -------------------------------------------------------------------------


@pytest.fixture
def protected(moderator):
    article = make_article("Yandere", author=moderator, body="Yandere text.")
    moderation.set_protection(
        article=article, level=Protection.AUTOCONFIRMED, moderator=moderator, reason="Edit war"
    )
    article.refresh_from_db()
    return article


def test_protection_is_shown_on_the_article(client, protected):
    page = client.get(protected.get_absolute_url()).content.decode()
    assert "Protected: autoconfirmed editors only." in page


def test_an_unprotected_article_shows_no_protection(client, moderator):
    article = make_article("Kuudere", author=moderator)
    assert "Protected" not in client.get(article.get_absolute_url()).content.decode()


def test_protection_is_shown_on_the_edit_page(client, autoconfirmed, protected):
    client.force_login(autoconfirmed)
    page = client.get(reverse("article_edit", args=[protected.slug])).content.decode()
    assert "This article is protected: autoconfirmed editors only." in page


def test_moderators_only_protection_tells_autoconfirmed_editors_their_edit_waits(
    client, moderator, autoconfirmed
):
    article = make_article("Dandere", author=moderator)
    moderation.set_protection(article=article, level=Protection.MODERATORS, moderator=moderator)
    client.force_login(autoconfirmed)
    page = client.get(reverse("article_edit", args=[article.slug])).content.decode()
    assert "This article is protected: moderators only." in page
    assert "Your edit will wait for a moderator's review." in page


def test_a_refused_new_user_is_told_the_protection_level(client, newbie, protected):
    client.force_login(newbie)
    response = client.get(reverse("article_edit", args=[protected.slug]))
    assert response.status_code == 403
    assert "autoconfirmed editors only" in response.content.decode()


# --- protection changes are logged -------------------------------------------------------------


def test_protection_set_by_the_service_is_logged_and_shown_in_history(client, moderator, protected):
    entry = ModerationLog.objects.get(action="protect")
    assert (entry.actor, entry.article) == (moderator, protected)
    assert entry.reason == "Autoconfirmed editors only: Edit war"
    history = client.get(reverse("history", args=[protected.slug])).content.decode()
    assert "mod changed protection — Autoconfirmed editors only: Edit war" in history


def test_protection_set_by_an_admin_action_is_logged(client, moderator):
    articles = [make_article(t, author=moderator) for t in ("Senpai", "Kohai")]
    client.force_login(moderator)
    response = client.post(
        reverse("admin:wiki_article_changelist"),
        {"action": "protect_moderators", "_selected_action": [a.pk for a in articles]},
    )
    assert response.status_code == 302
    for article in articles:
        article.refresh_from_db()
        assert article.protection == Protection.MODERATORS
    logged = ModerationLog.objects.filter(action="protect")
    assert {e.article_id for e in logged} == {a.pk for a in articles}
    assert {e.reason for e in logged} == {"Moderators only"}


def test_protection_set_in_the_change_form_is_logged(client, moderator):
    article = make_article("Oshi", author=moderator)
    client.force_login(moderator)
    response = client.post(
        reverse("admin:wiki_article_change", args=[article.pk]),
        {"protection": "autoconfirmed", "is_featured": "", "is_deleted": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.protection == Protection.AUTOCONFIRMED
    entry = ModerationLog.objects.get(action="protect")
    assert (entry.actor, entry.article, entry.reason) == (
        moderator,
        article,
        "Autoconfirmed editors only",
    )


def test_saving_the_change_form_without_changing_protection_logs_nothing(client, moderator):
    article = make_article("Idol", author=moderator)
    client.force_login(moderator)
    client.post(
        reverse("admin:wiki_article_change", args=[article.pk]),
        {"protection": "none", "is_featured": "on"},
    )
    article.refresh_from_db()
    assert article.is_featured
    assert not ModerationLog.objects.filter(action="protect").exists()


def test_lifting_protection_lets_new_users_edit_again(moderator, newbie, protected):
    moderation.set_protection(article=protected, level=Protection.NONE, moderator=moderator)
    protected.refresh_from_db()
    assert edit(protected, newbie, body="Open again.").revision.status == RevisionStatus.PENDING
    assert ModerationLog.objects.filter(action="protect").count() == 2


def test_granting_autoconfirmed_in_the_user_admin_is_logged(client, moderator, newbie):
    client.force_login(moderator)
    client.post(reverse("admin:accounts_user_change", args=[newbie.pk]), {"is_autoconfirmed": "on"})
    newbie.refresh_from_db()
    assert newbie.trust_level == TrustLevel.AUTOCONFIRMED
    assert ModerationLog.objects.filter(action="grant", target_user=newbie).exists()
