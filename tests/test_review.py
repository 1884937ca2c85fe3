"""The moderation desk: the pending list, the review page, bulk actions, notices and the log."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notice
from tests.factories import edit, make_article, make_user
from wiki import moderation, rollback
from wiki.models import ModerationLog, Report, Revision, RevisionStatus

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:wiki_revision_changelist"


def review_url(revision):
    return reverse("admin:wiki_revision_review", args=[revision.pk])


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def published(moderator):
    return make_article("Moe", author=moderator, body="Moe is affection for characters.")


@pytest.fixture
def pending(published, newbie):
    return edit(
        published,
        newbie,
        body="Moe is a strong affection for fictional characters.",
        edit_summary="More precise wording",
    ).revision


def _rows(html):
    """The changelist's result rows, in order."""
    return re.findall(r"<tr[^>]*>.*?</tr>", html.split('id="result_list"')[1], re.S)[1:]


# --- the pending list --------------------------------------------------------------------------


def test_pending_list_shows_article_kind_author_trust_age_size_and_summary(mod_client, pending):
    html = mod_client.get(reverse(CHANGELIST)).content.decode()
    (row,) = _rows(html)
    assert "Moe" in row
    assert review_url(pending) in row
    assert "Term" in row
    assert "newbie (new)" in row
    assert "minute" in row  # age: "0 minutes"
    assert f"+{pending.size_delta}" in row and pending.size_delta > 0
    assert "More precise wording" in row


def test_pending_list_opens_on_pending_changes_only(mod_client, published, pending):
    html = mod_client.get(reverse(CHANGELIST)).content.decode()
    assert len(_rows(html)) == 1  # revision 1 (accepted) is not listed
    everything = mod_client.get(reverse(CHANGELIST), {"status": "all"}).content.decode()
    assert len(_rows(everything)) == 2


def test_pending_list_is_oldest_first(mod_client, moderator, newbie):
    titles = ["Alpha", "Bravo", "Charlie"]
    ages = [timedelta(hours=1), timedelta(days=3), timedelta(minutes=5)]
    for title, age in zip(titles, ages):
        article = make_article(title, author=moderator)
        rev = edit(article, newbie, body=f"{title} changed.").revision
        Revision.objects.filter(pk=rev.pk).update(created_at=timezone.now() - age)
    html = mod_client.get(reverse(CHANGELIST)).content.decode()
    shown = [re.search(r"(Alpha|Bravo|Charlie)", row).group(1) for row in _rows(html)]
    assert shown == ["Bravo", "Alpha", "Charlie"]


@pytest.fixture
def varied(moderator, newbie, autoconfirmed):
    """Pending changes of each kind, trust level and age."""
    term = make_article("Term one", author=moderator)
    genre = make_article("Genre one", author=moderator, kind="genre")
    locked = make_article("Locked one", author=moderator)
    moderation.set_protection(article=locked, level="moderators", moderator=moderator)
    by_new = edit(term, newbie, body="New user's change.").revision
    by_new_genre = edit(genre, newbie, body="New user's genre change.").revision
    by_auto = edit(locked, autoconfirmed, body="Autoconfirmed change.").revision
    Revision.objects.filter(pk=by_new_genre.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    Revision.objects.filter(pk=by_auto.pk).update(created_at=timezone.now() - timedelta(days=10))
    # An autoconfirmed editor who changed their email after a pending edit: unconfirmed again.
    changed = make_user("changed-email", trust="autoconfirmed")
    by_unconfirmed = edit(locked, changed, body="Changed email, then edited.").revision
    type(changed).objects.filter(pk=changed.pk).update(email_confirmed_at=None)
    Revision.objects.filter(pk=by_unconfirmed.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    return {"new": by_new, "new_genre": by_new_genre, "auto": by_auto, "unc": by_unconfirmed}


def _listed(client, **params):
    html = client.get(reverse(CHANGELIST), params).content.decode()
    return {int(pk) for pk in re.findall(r"/admin/wiki/revision/(\d+)/review/", html)}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"new", "new_genre", "auto", "unc"}),
        ({"article__kind__exact": "genre"}, {"new_genre"}),
        ({"article__kind__exact": "term"}, {"new", "auto", "unc"}),
        ({"trust": "new"}, {"new", "new_genre"}),
        ({"trust": "autoconfirmed"}, {"auto"}),
        ({"trust": "unconfirmed"}, {"unc"}),
        ({"trust": "moderator"}, set()),
        ({"age": "day"}, {"new"}),
        ({"age": "week"}, {"new_genre"}),
        ({"age": "older"}, {"auto", "unc"}),
        ({"q": "Genre one"}, {"new_genre"}),
        ({"q": "trusted"}, {"auto"}),
    ],
)
def test_pending_list_filters_and_search(mod_client, varied, params, expected):
    assert _listed(mod_client, **params) == {varied[key].pk for key in expected}


# --- the review page --------------------------------------------------------------------------


def test_review_page_shows_the_diff_against_the_published_revision(mod_client, published, newbie):
    first = edit(published, newbie, body="Moe is affection for characters, and more.").revision
    second = edit(published, newbie, body="Moe is affection for characters, and more again.")
    html = mod_client.get(review_url(second.revision)).content.decode()
    # against revision 1 (published), not against its parent (pending revision 2)
    old_head = html.split('class="diff-head"')[1]
    assert f'{published.slug}/revisions/1/">1</a></h2>' in old_head
    assert "<ins>, and more again</ins>" in html
    assert f"earlier pending revision it builds on: {first.number}" in html


def test_review_page_shows_the_text_as_readers_will_see_it_beside_the_diff(
    mod_client, published, newbie
):
    revision = edit(
        published, newbie, body="Moe is *affection*.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    html = mod_client.get(review_url(revision.revision)).content.decode()

    rendered = html.split('id="rendered-heading"')[1].split("</section>")[0]
    assert "<em>affection</em>" in rendered
    assert "<table>" in rendered
    assert "<title>Review: Moe (revision 2)" in html


def test_the_review_queue_is_titled_pending_changes(mod_client, pending):
    queue = mod_client.get(reverse(CHANGELIST)).content.decode()
    everything = mod_client.get(reverse(CHANGELIST), {"status": "all"}).content.decode()

    assert "<h1>Pending changes</h1>" in queue
    assert "Select revision to change" not in queue
    assert "<h1>Revisions</h1>" in everything


def test_review_page_shows_the_authors_recent_history(mod_client, moderator, newbie, pending):
    other = make_article("Tsundere", author=moderator)
    edit(other, newbie, body="Tsundere changed.", edit_summary="Typo in Tsundere")
    html = mod_client.get(review_url(pending)).content.decode()
    history = html.split("recent history")[1]
    assert "Typo in Tsundere" in history


def test_review_page_of_a_new_article_shows_its_whole_text(mod_client, newbie):
    article = make_article("Fresh term", author=newbie, body="Every word of the new text.")
    html = mod_client.get(review_url(article.latest_revision)).content.decode()
    assert "This is a new article" in html
    assert "Every word of the new text." in html
    assert "Fresh term" in html


def test_accepting_publishes_the_revision_and_notifies_the_author(
    client, moderator, newbie, pending, published, django_capture_on_commit_callbacks, settings
):
    settings.KOTOBA_SITE_URL = "http://kotoba.test"
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after commit
        response = client.post(review_url(pending), {"decision": "accept", "reason": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGELIST)
    pending.refresh_from_db()
    assert pending.status == RevisionStatus.ACCEPTED
    assert pending.reviewed_by == moderator
    client.logout()
    page = client.get(published.get_absolute_url()).content.decode()
    assert "Moe is a strong affection for fictional characters." in page
    notice = Notice.objects.get(user=newbie)
    assert notice.message == "Your edit to “Moe” (revision 2) was accepted."
    assert notice.url == pending.get_absolute_url()
    assert [m.to for m in mail.outbox] == [[newbie.email]]
    assert "was accepted" in mail.outbox[0].body
    assert f"http://kotoba.test{pending.get_absolute_url()}" in mail.outbox[0].body  # absolute


def test_accepting_revision_n_accepts_the_pending_chain_below_it(
    mod_client, published, newbie, autoconfirmed
):
    edit(published, newbie, body="Two.")
    three = edit(published, autoconfirmed, body="Three.").revision  # pending: 2 is below it
    four = edit(published, newbie, body="Four.").revision
    assert three.status == RevisionStatus.PENDING
    mod_client.post(review_url(three), {"decision": "accept"})
    statuses = dict(published.revisions.values_list("number", "status"))
    assert statuses == {1: "accepted", 2: "accepted", 3: "accepted", 4: "pending"}
    published.refresh_from_db()
    assert published.published_revision == three
    assert four.pk == published.latest_revision_id
    assert {n.user.username for n in Notice.objects.all()} == {"newbie", "trusted"}
    assert ModerationLog.objects.filter(action="accept").count() == 2


def test_one_decision_sends_each_author_one_mail_naming_all_their_revisions(
    client, moderator, published, newbie, django_capture_on_commit_callbacks
):
    edit(published, newbie, body="Two.")
    edit(published, newbie, body="Three.")
    four = edit(published, newbie, body="Four.").revision
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url(four), {"decision": "accept"})

    assert [m.to for m in mail.outbox] == [[newbie.email]]
    assert mail.outbox[0].subject == "Kotoba: Your edits to “Moe” (revisions 2–4) were accepted."
    assert Notice.objects.filter(user=newbie).count() == 1


def test_a_new_articles_author_is_told_it_is_published(
    client, moderator, newbie, django_capture_on_commit_callbacks
):
    article = make_article("Fresh term", author=newbie)
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url(article.latest_revision), {"decision": "accept"})

    assert mail.outbox[0].subject == "Kotoba: Your new article “Fresh term” is published."
    assert Notice.objects.get(user=newbie).url == "/wiki/fresh-term/"


def test_a_long_subject_is_cut_at_a_word():
    from accounts.notices import SUBJECT_MAX, mail_subject

    title = "An extraordinarily long article title about character archetypes in fiction"
    subject = mail_subject(f"Your edit to “{title}” (revision 12) was accepted.")

    assert len(subject) <= SUBJECT_MAX
    assert subject.endswith("…")
    assert subject.removesuffix("…").split()[-1] in title.split()  # a whole word


def test_rejecting_without_a_reason_is_refused_with_a_message(mod_client, pending):
    response = mod_client.post(review_url(pending), {"decision": "reject", "reason": "  "})
    assert response.status_code == 200
    assert "Give a reason for rejecting" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == RevisionStatus.PENDING
    assert not Notice.objects.exists()


def test_rejecting_with_a_reason_rejects_and_notifies(
    client, moderator, newbie, pending, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after commit
        response = client.post(review_url(pending), {"decision": "reject", "reason": "No source"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == RevisionStatus.REJECTED
    assert pending.review_reason == "No source"
    notice = Notice.objects.get(user=newbie)
    assert "was not accepted. Reason: No source" in notice.message
    assert "No source" in mail.outbox[0].body
    client.force_login(newbie)
    profile = client.get(reverse("profile", args=[newbie.username])).content.decode()
    assert "Reason: No source" in profile


def test_rejecting_revision_n_rejects_the_pending_ones_built_on_it(mod_client, published, newbie):
    two = edit(published, newbie, body="Two.").revision
    edit(published, newbie, body="Three.")
    mod_client.post(review_url(two), {"decision": "reject", "reason": "Off topic"})
    statuses = dict(published.revisions.values_list("number", "status"))
    assert statuses == {1: "accepted", 2: "rejected", 3: "rejected"}
    published.refresh_from_db()
    assert published.latest_revision == published.published_revision


def test_a_decided_revision_cannot_be_decided_again(mod_client, pending):
    mod_client.post(review_url(pending), {"decision": "reject", "reason": "No"})
    response = mod_client.post(review_url(pending), {"decision": "accept"})
    assert response.status_code == 200
    assert "was rejected; it cannot be accepted" in response.content.decode()


# --- bulk actions ------------------------------------------------------------------------------


@pytest.fixture
def three_pending(moderator, newbie):
    revisions = []
    for title in ("Kawaii", "Senpai", "Otaku"):
        article = make_article(title, author=moderator)
        revisions.append(edit(article, newbie, body=f"{title} changed.").revision)
    return revisions


def test_bulk_accept_accepts_the_selected_revisions(
    mod_client, three_pending, newbie, django_capture_on_commit_callbacks
):
    chosen = three_pending[:2]
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after commit
        response = mod_client.post(
            reverse(CHANGELIST),
            {"action": "accept_selected", "_selected_action": [r.pk for r in chosen]},
        )
    assert response.status_code == 302
    statuses = [Revision.objects.get(pk=r.pk).status for r in three_pending]
    assert statuses == ["accepted", "accepted", "pending"]
    assert Notice.objects.filter(user=newbie).count() == 2
    assert len(mail.outbox) == 2


def test_bulk_reject_asks_for_one_reason_then_rejects_them_all(
    mod_client, three_pending, django_capture_on_commit_callbacks
):
    selected = [r.pk for r in three_pending]
    ask = mod_client.post(
        reverse(CHANGELIST), {"action": "reject_selected", "_selected_action": selected}
    )
    assert ask.status_code == 200
    assert "Reject them" in ask.content.decode()
    assert all(r.status == "pending" for r in Revision.objects.filter(pk__in=selected))
    empty = mod_client.post(
        reverse(CHANGELIST),
        {"action": "reject_selected", "_selected_action": selected, "apply": "1", "reason": ""},
    )
    assert empty.status_code == 200
    assert "Give a reason or a guideline" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after commit
        done = mod_client.post(
            reverse(CHANGELIST),
            {
                "action": "reject_selected",
                "_selected_action": selected,
                "apply": "1",
                "reason": "Copied text",
            },
        )
    assert done.status_code == 302
    rejected = Revision.objects.filter(pk__in=selected)
    assert {(r.status, r.review_reason) for r in rejected} == {("rejected", "Copied text")}
    assert Notice.objects.filter(message__contains="Reason: Copied text").count() == 3
    assert len(mail.outbox) == 3


# --- the admin index ---------------------------------------------------------------------------


def test_admin_index_shows_how_many_changes_and_reports_wait(mod_client, three_pending, newbie):
    moderation.file_report(reporter=newbie, article=three_pending[0].article, reason="spam")
    html = mod_client.get(reverse("admin:index")).content.decode()
    summary = html.split('id="moderation-summary"')[1].split("</div>")[0]
    assert "<strong>3</strong> pending changes" in summary
    assert "<strong>1</strong> open report" in summary
    assert Report.objects.count() == 1


# --- the moderation log ------------------------------------------------------------------------


def test_each_moderation_action_is_logged(moderator, newbie, autoconfirmed, published):
    two = edit(published, newbie, body="Two.").revision
    moderation.accept_chain(two, moderator=moderator, reason="Fine")
    three = edit(published, newbie, body="Three.").revision
    moderation.reject(three, moderator=moderator, reason="Worse")
    moderation.set_protection(article=published, level="autoconfirmed", moderator=moderator)
    block = moderation.block_user(user=newbie, moderator=moderator, reason="Spam")
    moderation.lift_block(block, moderator=moderator)
    moderation.grant_autoconfirmed(user=newbie, moderator=moderator)
    edit(published, autoconfirmed, body="Vandal.")
    rollback.rollback(article=published, user=autoconfirmed, moderator=moderator)
    log = list(ModerationLog.objects.order_by("id").values_list("action", "actor__username"))
    assert [a for a, _ in log] == [
        "accept",
        "reject",
        "protect",
        "block",
        "unblock",
        "grant",
        "rollback",
    ]
    assert {actor for _, actor in log} == {"mod"}
    accept = ModerationLog.objects.get(action="accept")
    assert (accept.revision, accept.target_user, accept.reason) == (two, newbie, "Fine")


def test_the_log_is_append_only_in_the_model(moderator, pending):
    moderation.accept_chain(pending, moderator=moderator)
    entry = ModerationLog.objects.get()
    entry.reason = "Rewritten"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    entry.refresh_from_db()
    assert entry.reason == ""


def test_the_log_admin_has_no_add_change_or_delete(mod_client, moderator, pending):
    moderation.accept_chain(pending, moderator=moderator)
    entry = ModerationLog.objects.get()
    listing = mod_client.get(reverse("admin:wiki_moderationlog_changelist"))
    assert listing.status_code == 200
    assert "accepted" in listing.content.decode()
    assert mod_client.get(reverse("admin:wiki_moderationlog_add")).status_code == 403
    change_url = reverse("admin:wiki_moderationlog_change", args=[entry.pk])
    view = mod_client.get(change_url)
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert mod_client.post(change_url, {"reason": "Rewritten"}).status_code == 403
    delete_url = reverse("admin:wiki_moderationlog_delete", args=[entry.pk])
    assert mod_client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = mod_client.post(
        reverse("admin:wiki_moderationlog_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert ModerationLog.objects.filter(pk=entry.pk).exists()
    assert bulk.status_code in (200, 302)


def test_superusers_cannot_edit_the_log_either(client, pending, moderator):
    admin = make_user("root", trust="moderator", is_superuser=True)
    moderation.accept_chain(pending, moderator=moderator)
    client.force_login(admin)
    assert client.get(reverse("admin:wiki_moderationlog_add")).status_code == 403


def test_history_shows_accepted_by_and_the_log(client, moderator, pending, published):
    moderation.accept_chain(pending, moderator=moderator, reason="Good wording")
    html = client.get(reverse("history", args=[published.slug])).content.decode()
    assert "accepted by mod" in html
    log = html.split('id="log-heading"')[1]
    assert "mod accepted revision 2 — Good wording" in log


# --- reports wait in the admin -------------------------------------------------------------------


def test_a_report_is_resolved_in_the_admin_with_a_note_and_logged(mod_client, moderator, newbie):
    article = make_article("Baka", author=moderator)
    report = moderation.file_report(
        reporter=newbie, article=article, reason="wrong", text="Wrong reading"
    )
    change = reverse("admin:wiki_report_change", args=[report.pk])
    assert "Wrong reading" in mod_client.get(change).content.decode()
    no_note = mod_client.post(change, {"status": "resolved", "note": ""})
    assert no_note.status_code == 200
    assert "Add a note saying how the report was handled." in no_note.content.decode()
    done = mod_client.post(change, {"status": "resolved", "note": "Reading fixed"})
    assert done.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.note, report.handled_by) == (
        "resolved",
        "Reading fixed",
        moderator,
    )
    entry = ModerationLog.objects.get(action="report")
    assert entry.reason == "Resolved: Reading fixed"


# --- known bug, kept visible -----------------------------------------------------------------


def test_the_author_of_a_rejected_new_article_gets_a_page_not_an_error(client, moderator, newbie):
    article = make_article("Rejected start", author=newbie)
    moderation.reject(article.latest_revision, moderator=moderator, reason="Not a real term")
    client.force_login(newbie)
    assert client.get(reverse("article", args=[article.slug])).status_code in (200, 404)


def test_a_rejected_new_articles_page_says_why_once_and_offers_to_resubmit(
    client, moderator, newbie
):
    article = make_article("Rejected start", author=newbie)
    moderation.reject(article.latest_revision, moderator=moderator, reason="Not a real term.")
    client.force_login(newbie)

    html = client.get(reverse("article", args=[article.slug])).content.decode()

    banner = re.search(r'<div class="banner[^"]*" role="status">(.*?)</div>', html, re.S)[1]
    assert "<strong>not accepted</strong>: Not a real term." in banner
    assert "term.." not in banner
    assert f'<a href="/wiki/{article.slug}/edit/">Edit and submit it again</a>' in banner
    assert re.search(r'<a href="/wiki/rejected-start/" aria-current="page">Read</a>', html)


def test_saving_a_revision_in_the_admin_change_form_changes_nothing(client, moderator, newbie):
    article = make_article("Moe", author=newbie, body="Pending text.")
    revision = article.latest_revision
    client.force_login(moderator)

    response = client.post(reverse("admin:wiki_revision_change", args=[revision.pk]), {})

    assert response.status_code == 302
    revision.refresh_from_db()
    assert (revision.status, revision.body) == ("pending", "Pending text.")


def test_accepting_a_rename_to_a_title_taken_since_is_refused_with_a_message(
    client, moderator, newbie, autoconfirmed
):
    article = make_article("Moe", author=moderator)
    rename = edit(article, newbie, title="Bakadere").revision
    make_article("Bakadere", author=autoconfirmed)
    client.force_login(moderator)

    response = client.post(
        reverse("admin:wiki_revision_review", args=[rename.pk]), {"decision": "accept"}
    )

    assert response.status_code == 200
    assert "is now used by the article" in response.content.decode()
    rename.refresh_from_db()
    assert rename.status == "pending"
