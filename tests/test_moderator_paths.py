"""A moderator's edit, revert and rollback on an article with pending changes, over HTTP.

The request's user is a lazy wrapper: these paths once passed every service test and still
answered 500 through the client. Each page also says what saving does to the waiting chain.
"""

import pytest
from django.urls import reverse

from accounts.models import Notice
from tests.factories import edit, edit_form_data, make_article, make_user
from wiki.models import ModerationLog, RevisionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(moderator):
    return make_article("Otaku", author=moderator, body="Otaku: a devoted fan.")


@pytest.fixture
def waiting(article, newbie):
    """A new user's edit, waiting for review (revision 2)."""
    outcome = edit(article, newbie, body="Otaku: a devoted fan, often of anime.")
    assert outcome.revision.status == RevisionStatus.PENDING
    return outcome.revision


def test_moderator_edit_on_an_article_with_a_pending_change_publishes_and_accepts_it(
    client, moderator, article, waiting, newbie
):
    client.force_login(moderator)
    data = edit_form_data(article, body=waiting.body + "\n\nA second paragraph.")
    response = client.post(reverse("article_edit", args=[article.slug]), data)
    assert response.status_code == 302
    article.refresh_from_db()
    published = article.published_revision
    assert published.number == 3
    assert published.author == moderator
    assert published.body.endswith("A second paragraph.")
    waiting.refresh_from_db()
    assert waiting.status == RevisionStatus.ACCEPTED
    assert waiting.reviewed_by == moderator
    newbie.refresh_from_db()
    assert newbie.accepted_edit_count == 1
    assert Notice.objects.filter(user=newbie, message__contains="was accepted").exists()
    assert ModerationLog.objects.filter(action="accept", revision=waiting).exists()


def test_moderator_revert_on_an_article_with_a_pending_change_publishes(
    client, moderator, article, waiting
):
    client.force_login(moderator)
    response = client.post(reverse("revert", args=[article.slug, 1]))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published_revision.number == 3
    assert article.published_revision.body == "Otaku: a devoted fan."
    waiting.refresh_from_db()
    assert waiting.status == RevisionStatus.ACCEPTED
    assert ModerationLog.objects.filter(action="revert", revision__number=3).exists()


def test_moderator_rollback_of_another_users_published_run_with_a_pending_change_above(
    client, moderator, article
):
    vandal = make_user("vandal", trust="autoconfirmed")
    edit(article, vandal, body="Otaku: vandalised.")
    newbie = make_user("late-newbie", trust="new")
    pending = edit(article, newbie, body="Otaku: vandalised, then edited.").revision
    client.force_login(moderator)
    response = client.post(reverse("rollback", args=[article.slug, "late-newbie"]), follow=True)
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == RevisionStatus.REJECTED
    response = client.post(reverse("rollback", args=[article.slug, "vandal"]), follow=True)
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.published_revision.body == "Otaku: a devoted fan."


def test_the_edit_page_tells_a_moderator_that_saving_accepts_the_waiting_change(
    client, moderator, article, waiting
):
    client.force_login(moderator)
    page = client.get(reverse("article_edit", args=[article.slug])).content.decode()
    assert "changes waiting for review (revision 2)" in page
    assert "accepts the waiting revision" in page
    assert reverse("admin:wiki_revision_changelist") in page


def test_the_edit_page_tells_an_autoconfirmed_editor_that_their_edit_will_wait(
    client, autoconfirmed, article, waiting
):
    client.force_login(autoconfirmed)
    page = client.get(reverse("article_edit", args=[article.slug])).content.decode()
    assert "changes waiting for review (revision 2)" in page
    assert "so it will wait for review too" in page
    assert "accepts the waiting" not in page


def test_the_revert_page_says_what_happens_to_the_waiting_change(
    client, moderator, article, waiting
):
    client.force_login(moderator)
    page = client.get(reverse("revert", args=[article.slug, 1])).content.decode()
    assert "changes waiting for review (revision 2)" in page
    assert "The revert then replaces their text." in page


def test_no_waiting_banner_without_pending_changes(client, moderator, article):
    client.force_login(moderator)
    page = client.get(reverse("article_edit", args=[article.slug])).content.decode()
    assert "waiting for review" not in page
