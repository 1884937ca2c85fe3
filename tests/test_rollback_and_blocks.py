"""Rollback of a user's latest run of edits, and blocks (with reason, expiry, lifting)."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, timezone

from accounts.models import Notice
from tests.factories import edit, make_article, make_user
from wiki import moderation, rollback
from wiki.editing import head_revision, revision_values
from wiki.models import Block, ModerationLog, Report, RevisionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def vandal(db):
    return make_user("vandal", trust="autoconfirmed")


@pytest.fixture
def article(moderator):
    article = make_article("Moe", author=moderator, body="Moe, first words.")
    editor = make_user("good-editor", trust="autoconfirmed")
    edit(article, editor, body="Moe, good words.", summary="A good summary.")
    return article


def _rollback(client, article, username, **data):
    return client.post(reverse("rollback", args=[article.slug, username]), data, follow=True)


# --- rollback ----------------------------------------------------------------------------------


def test_rollback_reverts_all_the_latest_edits_by_one_user_as_one_revision(
    client, moderator, vandal, article
):
    edit(article, vandal, body="Moe, vandalised once.")
    edit(article, vandal, body="Moe, vandalised twice.", summary="Vandal summary.")
    edit(article, vandal, body="Moe, vandalised thrice.", aliases="Vandal alias")
    client.force_login(moderator)
    response = _rollback(client, article, "vandal", reason="Vandalism")
    assert "Rolled back the edits by vandal (revision 6)." in response.content.decode()
    article.refresh_from_db()
    new = article.published_revision
    assert new.number == 6
    assert new.author == moderator
    assert new.status == RevisionStatus.ACCEPTED
    assert new.edit_summary == "Rolled back edits by vandal to revision 2: Vandalism"
    good = article.revisions.get(number=2)
    assert revision_values(new) == revision_values(good)
    assert article.summary == "A good summary."
    assert not article.alias_set.exists()
    assert article.revisions.count() == 6  # history is kept: one revision was added


def test_rollback_is_logged_and_shown_in_history(client, moderator, vandal, article):
    edit(article, vandal, body="Moe, vandalised.")
    client.force_login(moderator)
    _rollback(client, article, "vandal", reason="Vandalism")
    entry = ModerationLog.objects.get(action="rollback")
    assert (entry.actor, entry.target_user, entry.article) == (moderator, vandal, article)
    assert entry.revision.number == 4
    assert entry.reason == "Vandalism"
    history = client.get(reverse("history", args=[article.slug])).content.decode()
    assert "mod rolled back revision 4 — Vandalism" in history


def test_rollback_without_a_reason_logs_how_many_revisions(moderator, vandal, article):
    edit(article, vandal, body="One.")
    edit(article, vandal, body="Two.")
    rollback.rollback(article=article, user=vandal, moderator=moderator)
    assert ModerationLog.objects.get(action="rollback").reason == "2 revision(s) by vandal"


def test_rollback_is_refused_when_the_latest_revision_is_not_theirs(
    client, moderator, vandal, autoconfirmed, article
):
    edit(article, vandal, body="Moe, vandalised.")
    edit(article, autoconfirmed, body="Moe, repaired by hand.")
    client.force_login(moderator)
    response = _rollback(client, article, "vandal")
    assert "The latest revision is not by vandal." in response.content.decode()
    article.refresh_from_db()
    assert article.revisions.count() == 4
    assert article.published_revision.body == "Moe, repaired by hand."
    assert not ModerationLog.objects.filter(action="rollback").exists()


def test_rollback_is_refused_when_every_revision_is_theirs(moderator, vandal):
    article = make_article("Solo", author=vandal)
    edit(article, vandal, body="Solo two.")
    with pytest.raises(moderation.ModerationError, match="nothing to roll back to"):
        rollback.rollback(article=article, user=vandal, moderator=moderator)


def test_rollback_rejects_the_pending_revisions_in_the_run(client, moderator, newbie, article):
    first = edit(article, newbie, body="Pending spam one.").revision
    second = edit(article, newbie, body="Pending spam two.").revision
    client.force_login(moderator)
    _rollback(client, article, "newbie")
    for rev in (first, second):
        rev.refresh_from_db()
        assert rev.status == RevisionStatus.REJECTED
        assert rev.review_reason == "Rolled back"
        assert rev.reviewed_by == moderator
    article.refresh_from_db()
    assert article.published_revision.body == "Moe, good words."
    assert head_revision(article).body == "Moe, good words."


def test_rollback_of_a_mixed_run_rejects_the_pending_and_reverts_the_accepted(
    moderator, vandal, article
):
    accepted = edit(article, vandal, body="Accepted vandalism.").revision
    moderation.set_protection(article=article, level="moderators", moderator=moderator)
    pending = edit(article, vandal, body="Pending vandalism.").revision
    assert (accepted.status, pending.status) == ("accepted", "pending")
    rollback.rollback(article=article, user=vandal, moderator=moderator)
    pending.refresh_from_db()
    accepted.refresh_from_db()
    assert pending.status == RevisionStatus.REJECTED
    assert accepted.status == RevisionStatus.ACCEPTED  # history is never rewritten
    article.refresh_from_db()
    assert article.published_revision.body == "Moe, good words."


@pytest.mark.parametrize("role", ["anonymous", "autoconfirmed"])
def test_rollback_needs_a_moderator(client, role, vandal, article, autoconfirmed):
    edit(article, vandal, body="Vandalised.")
    if role != "anonymous":
        client.force_login(autoconfirmed)
    response = client.post(reverse("rollback", args=[article.slug, "vandal"]))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.published_revision.body == "Vandalised."


def test_rollback_is_post_only(client, moderator, vandal, article):
    edit(article, vandal, body="Vandalised.")
    client.force_login(moderator)
    assert client.get(reverse("rollback", args=[article.slug, "vandal"])).status_code == 405


def test_history_offers_moderators_a_rollback_button(client, moderator, vandal, article):
    edit(article, vandal, body="Vandalised.")
    client.force_login(moderator)
    page = client.get(reverse("history", args=[article.slug])).content.decode()
    assert reverse("rollback", args=[article.slug, "vandal"]) in page
    client.logout()
    page = client.get(reverse("history", args=[article.slug])).content.decode()
    assert "/rollback/" not in page


# --- blocks ------------------------------------------------------------------------------------


EXPIRES = timezone.now().replace(microsecond=0) + timedelta(days=3)


@pytest.fixture
def blocked_until(moderator, autoconfirmed):
    block = moderation.block_user(
        user=autoconfirmed, moderator=moderator, reason="Edit warring", expires_at=EXPIRES
    )
    return block


def _until():
    return formats.date_format(EXPIRES, "DATETIME_FORMAT")


def test_blocked_user_can_still_read(client, autoconfirmed, blocked_until, article):
    client.force_login(autoconfirmed)
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(reverse("history", args=[article.slug])).status_code == 200


def test_blocked_user_cannot_edit_and_is_told_why_and_until_when(
    client, autoconfirmed, blocked_until, article
):
    client.force_login(autoconfirmed)
    page = client.get(reverse("article_edit", args=[article.slug]))
    assert page.status_code == 403
    html = page.content.decode()
    assert "Reason: Edit warring" in html
    assert f"until {_until()}" in html
    post = client.post(
        reverse("article_edit", args=[article.slug]),
        {"title": "Moe", "summary": "s", "body": "Blocked text.", "base_revision": 2},
    )
    assert post.status_code == 403
    assert article.revisions.count() == 2


def test_blocked_user_cannot_create(client, autoconfirmed, blocked_until):
    client.force_login(autoconfirmed)
    response = client.post(
        reverse("article_create"),
        {"kind": "term", "title": "Blocked term", "summary": "s", "body": "b"},
    )
    assert response.status_code == 403
    assert "Reason: Edit warring" in response.content.decode()
    assert not Report.objects.exists()
    from wiki.models import Article

    assert not Article.objects.filter(title="Blocked term").exists()


def test_blocked_user_cannot_report_and_is_told_why(client, autoconfirmed, blocked_until, article):
    client.force_login(autoconfirmed)
    response = client.post(reverse("report", args=[article.slug]), {"reason": "spam"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "blocked from editing and reporting" in html
    assert f"until {_until()}" in html
    assert "Reason: Edit warring" in html
    assert not Report.objects.exists()


def test_blocked_user_cannot_revert(client, autoconfirmed, blocked_until, article):
    client.force_login(autoconfirmed)
    response = client.post(reverse("revert", args=[article.slug, 1]))
    assert response.status_code == 403
    assert article.revisions.count() == 2


def test_a_block_without_expiry_says_so(client, blocked, moderator):
    article = make_article("Open-ended", author=moderator)
    client.force_login(blocked)
    html = client.get(reverse("article_edit", args=[article.slug])).content.decode()
    assert "until a moderator lifts the block" in html
    assert "Reason: Vandalism" in html


def test_the_blocked_user_is_notified_and_sees_it_on_their_profile(
    client, autoconfirmed, blocked_until
):
    notice = Notice.objects.get(user=autoconfirmed)
    assert "Reason: Edit warring" in notice.message
    client.force_login(autoconfirmed)
    profile = client.get(reverse("profile", args=[autoconfirmed.username])).content.decode()
    assert "You are blocked from editing until" in profile


def test_an_expired_block_lapses(client, autoconfirmed, blocked_until, article):
    Block.objects.filter(pk=blocked_until.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(autoconfirmed)
    response = client.post(
        reverse("article_edit", args=[article.slug]),
        {"title": "Moe", "summary": "s", "body": "Back again.", "base_revision": 2},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published_revision.body == "Back again."
    assert not Block.objects.active().filter(user=autoconfirmed).exists()


def test_lifting_a_block_in_the_admin_lets_the_user_edit_and_is_logged(
    client, moderator, autoconfirmed, blocked_until, article
):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:wiki_block_changelist"),
        {"action": "lift", "_selected_action": [blocked_until.pk]},
    )
    assert response.status_code == 302
    blocked_until.refresh_from_db()
    assert blocked_until.lifted_at is not None
    assert ModerationLog.objects.filter(action="unblock", target_user=autoconfirmed).exists()
    client.force_login(autoconfirmed)
    response = client.post(
        reverse("article_edit", args=[article.slug]),
        {"title": "Moe", "summary": "s", "body": "Unblocked words.", "base_revision": 2},
    )
    assert response.status_code == 302


def test_blocking_in_the_admin_with_an_expiry(client, moderator, newbie):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:wiki_block_add"),
        {
            "user": newbie.pk,
            "reason": "Spam links",
            "expires_at_0": "2031-05-01",
            "expires_at_1": "12:00:00",
        },
    )
    assert response.status_code == 302
    block = Block.objects.get(user=newbie)
    assert block.reason == "Spam links"
    assert block.created_by == moderator
    assert (block.expires_at.year, block.expires_at.month, block.expires_at.day) == (2031, 5, 1)
    assert block.is_active
    entry = ModerationLog.objects.get(action="block")
    assert (entry.actor, entry.target_user, entry.reason) == (moderator, newbie, "Spam links")
    assert "Spam links" in Notice.objects.get(user=newbie).message


def test_blocking_in_the_admin_needs_a_reason(client, moderator, newbie):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:wiki_block_add"),
        {"user": newbie.pk, "reason": "", "expires_at_0": "", "expires_at_1": ""},
    )
    assert response.status_code == 200
    assert not Block.objects.exists()


def test_a_moderator_cannot_block_themselves_in_the_admin(client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("admin:wiki_block_add"),
        {"user": moderator.pk, "reason": "Oops", "expires_at_0": "", "expires_at_1": ""},
    )
    assert response.status_code == 200
    assert "You cannot block yourself." in response.content.decode()
    assert not Block.objects.exists()


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_block_message_gives_the_expiry_in_utc_as_it_says(moderator, newbie):
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    expires = datetime(2031, 5, 1, 12, 0, tzinfo=tokyo)  # what the admin form gives in Tokyo
    block = moderation.block_user(
        user=newbie, moderator=moderator, reason="Spam", expires_at=expires
    )
    message = Notice.objects.get(user=newbie).message
    assert "until May 1, 2031, 3 a.m. (UTC)" in message
    block.refresh_from_db()
    assert moderation.permissions.block_message(block) == message


def test_rolling_back_pending_edits_leaves_another_users_pending_edit_pending(
    moderator, newbie, vandal, article
):
    theirs = edit(article, newbie, body="A fair pending edit.").revision
    spam = edit(article, vandal, body="Pending vandalism.").revision

    assert rollback.rollback(article=article, user=vandal, moderator=moderator) is None

    theirs.refresh_from_db()
    spam.refresh_from_db()
    assert (theirs.status, spam.status) == ("pending", "rejected")
    article.refresh_from_db()
    assert article.published_revision.body == "Moe, good words."
    assert vandal.notices.filter(message__contains="not accepted").exists()


def test_an_administrator_cannot_be_blocked(moderator):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser(
        "root", "root@example.com", "pw-12345678"
    )
    with pytest.raises(moderation.ModerationError, match="Administrators cannot be blocked"):
        moderation.block_user(user=admin_user, moderator=moderator, reason="Because")


def test_a_user_blocked_while_editing_gets_their_text_back(client, moderator, article):
    from tests.factories import edit_form_data

    editor = make_user("typist", trust="autoconfirmed")
    client.force_login(editor)
    data = edit_form_data(article, body="A long careful paragraph.")
    moderation.block_user(user=editor, moderator=moderator, reason="Edit war")

    response = client.post(f"/wiki/{article.slug}/edit/", data)

    assert response.status_code == 403
    html = response.content.decode()
    assert "Edit war" in html and "A long careful paragraph." in html
