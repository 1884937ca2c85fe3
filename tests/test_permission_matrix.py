"""Who may do what: the permission matrix of the Moderation issue, cell by cell, over HTTP.

Every cell goes through the test client, so the view *and* the saving code are exercised.
The service-level checks at the end prove the rules live in the code that saves
(`wiki.editing.save_edit`, `wiki.moderation`), not only in the views.

Outcomes:
    LOGIN        302 to the sign-in page; nothing saved
    ADMIN_LOGIN  302 to the admin's sign-in page (the admin is for staff); nothing changed
    REFUSED      403 with the reason on the page; nothing saved
    PENDING      302; a revision was saved and waits for review (readers do not see it)
    ACCEPTED     302; a revision was saved and published at once
    DONE         the action happened (GET: 200 with the page; POST: 302 and the change made)

The table itself is MATRIX_TABLE below (one row per action, one column per role).

("edit_prot_auto": an article protected "autoconfirmed editors only"; "edit_prot_mod":
"moderators only". The blocked user is otherwise autoconfirmed. An unconfirmed user may report:
the issue lets any signed-in reader report.)
"""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from talk import services as talk
from talk.models import Post
from tests.factories import edit, make_article, make_tag, make_user
from wiki import moderation, rollback
from wiki.editing import head_revision, revision_values, save_edit
from wiki.errors import EditRefused
from wiki.models import (
    Article,
    Block,
    ModerationLog,
    Protection,
    Report,
    Revision,
    RevisionStatus,
    Watch,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "unconfirmed", "new", "autoconfirmed", "moderator", "blocked")
MATRIX_TABLE = """
#              anonymous    unconfirmed  new          autoconfirmed  moderator  blocked
create         LOGIN        REFUSED      PENDING      ACCEPTED       ACCEPTED   REFUSED
edit           LOGIN        REFUSED      PENDING      ACCEPTED       ACCEPTED   REFUSED
edit_prot_auto LOGIN        REFUSED      REFUSED      ACCEPTED       ACCEPTED   REFUSED
edit_prot_mod  LOGIN        REFUSED      REFUSED      PENDING        ACCEPTED   REFUSED
review_get     ADMIN_LOGIN  ADMIN_LOGIN  ADMIN_LOGIN  ADMIN_LOGIN    DONE       ADMIN_LOGIN
review_post    ADMIN_LOGIN  ADMIN_LOGIN  ADMIN_LOGIN  ADMIN_LOGIN    DONE       ADMIN_LOGIN
rollback       REFUSED      REFUSED      REFUSED      REFUSED        DONE       REFUSED
report         LOGIN        DONE         DONE         DONE           DONE       REFUSED
block          ADMIN_LOGIN  ADMIN_LOGIN  ADMIN_LOGIN  ADMIN_LOGIN    DONE       ADMIN_LOGIN
protect        ADMIN_LOGIN  ADMIN_LOGIN  ADMIN_LOGIN  ADMIN_LOGIN    DONE       ADMIN_LOGIN
watch          LOGIN        DONE         DONE         DONE           DONE       DONE
talk_post      LOGIN        REFUSED      PENDING      ACCEPTED       ACCEPTED   REFUSED
talk_reply     LOGIN        REFUSED      PENDING      ACCEPTED       ACCEPTED   REFUSED
watch_tag      LOGIN        DONE         DONE         DONE           DONE       DONE
watchlist      LOGIN        DONE         DONE         DONE           DONE       DONE
"""


def _parse_matrix(table: str) -> dict[tuple[str, str], str]:
    cells = {}
    for line in table.strip().splitlines():
        if line.startswith("#"):
            continue
        action, *outcomes = line.split()
        assert len(outcomes) == len(ROLES), line
        cells.update({(action, role): outcome for role, outcome in zip(ROLES, outcomes)})
    return cells


MATRIX = _parse_matrix(MATRIX_TABLE)
ACTIONS = tuple(dict.fromkeys(action for action, _ in MATRIX))


# --- the world each cell runs in -------------------------------------------------------------


@pytest.fixture
def world(db, moderator):
    """Articles and revisions the actions work on. The actors are separate users."""
    vandal = make_user("vandal", trust="autoconfirmed")
    pending_author = make_user("pending-author", trust="new")
    plain = make_article("Plain", author=moderator, body="Plain text.")
    prot_auto = make_article("Half locked", author=moderator, body="Half locked text.")
    moderation.set_protection(
        article=prot_auto, level=Protection.AUTOCONFIRMED, moderator=moderator
    )
    prot_mod = make_article("Fully locked", author=moderator, body="Fully locked text.")
    moderation.set_protection(article=prot_mod, level=Protection.MODERATORS, moderator=moderator)
    to_review = make_article("Under review", author=moderator, body="Reviewed text.")
    pending = edit(to_review, pending_author, body="Reviewed text, changed.").revision
    vandalised = make_article("Vandalised", author=moderator, body="Good text.")
    edit(vandalised, vandal, body="Bad text.")
    victim = make_user("victim", trust="new")
    return {
        "plain": plain,
        "prot_auto": prot_auto,
        "prot_mod": prot_mod,
        "pending": pending,
        "vandalised": vandalised,
        "vandal": vandal,
        "victim": victim,
    }


@pytest.fixture
def actor(request, db):
    """The signed-in user for a role (None for anonymous)."""
    role = request.param
    if role == "anonymous":
        return None
    fixture = {"new": "newbie"}.get(role, role)
    return request.getfixturevalue(fixture)


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _edit_data(article, **changes):
    head = head_revision(article)
    values = revision_values(head)
    return {
        "title": values["title"],
        "summary": values["summary"],
        "body": values["body"],
        "aliases": values["aliases"],
        "edit_summary": "A change",
        "base_revision": head.number,
        **changes,
    }


def _is_login_redirect(response, login_url):
    return response.status_code == 302 and urlsplit(response["Location"]).path == login_url


# --- one function per action: do it, then say which outcome happened -------------------------


def _outcome_of_save(response, saved_revision, refusal_text=None):
    if _is_login_redirect(response, reverse("login")):
        assert saved_revision is None
        return "LOGIN"
    if response.status_code == 403:
        assert saved_revision is None
        if refusal_text:
            assert refusal_text in response.content.decode()
        return "REFUSED"
    assert response.status_code == 302, response.status_code
    assert saved_revision is not None
    return "ACCEPTED" if saved_revision.status == RevisionStatus.ACCEPTED else "PENDING"


def act_create(client, user, world):
    response = client.post(
        reverse("article_create"),
        {
            "kind": "term",
            "title": "Brand new",
            "summary": "A new term.",
            "body": "Fresh text.",
            "edit_summary": "",
        },
    )
    revision = Revision.objects.filter(title="Brand new").first()
    outcome = _outcome_of_save(response, revision)
    if outcome == "PENDING":
        assert not revision.article.is_published
    return outcome


def _act_edit(client, user, article):
    before = article.revisions.count()
    response = client.post(
        reverse("article_edit", args=[article.slug]),
        _edit_data(article, body="Changed by the actor."),
    )
    article.refresh_from_db()
    saved = (
        article.revisions.order_by("-number").first()
        if article.revisions.count() > before
        else None
    )
    outcome = _outcome_of_save(response, saved)
    if outcome == "PENDING":
        assert article.published_revision.body != "Changed by the actor."
    if outcome == "ACCEPTED":
        assert article.published_revision.body == "Changed by the actor."
    return outcome


def act_edit(client, user, world):
    return _act_edit(client, user, world["plain"])


def act_edit_prot_auto(client, user, world):
    return _act_edit(client, user, world["prot_auto"])


def act_edit_prot_mod(client, user, world):
    return _act_edit(client, user, world["prot_mod"])


def _admin_outcome(response, changed: bool, ok_status: int):
    if _is_login_redirect(response, reverse("admin:login")):
        assert not changed
        return "ADMIN_LOGIN"
    if response.status_code == 403:
        assert not changed
        return "REFUSED"
    assert response.status_code == ok_status, response.status_code
    assert changed
    return "DONE"


def act_review_get(client, user, world):
    pending = world["pending"]
    response = client.get(reverse("admin:wiki_revision_review", args=[pending.pk]))
    shown = response.status_code == 200 and "<ins>, changed</ins>" in response.content.decode()
    return _admin_outcome(response, shown, 200)


def act_review_post(client, user, world):
    pending = world["pending"]
    response = client.post(
        reverse("admin:wiki_revision_review", args=[pending.pk]),
        {"decision": "accept", "reason": ""},
    )
    pending.refresh_from_db()
    return _admin_outcome(response, pending.status == RevisionStatus.ACCEPTED, 302)


def act_rollback(client, user, world):
    article = world["vandalised"]
    before = article.revisions.count()
    response = client.post(reverse("rollback", args=[article.slug, world["vandal"].username]))
    article.refresh_from_db()
    rolled_back = article.revisions.count() > before
    if response.status_code == 403:
        assert not rolled_back
        assert article.published_revision.body == "Bad text."
        return "REFUSED"
    assert response.status_code == 302
    assert rolled_back
    assert article.published_revision.body == "Good text."
    return "DONE"


def act_report(client, user, world):
    article = world["plain"]
    response = client.post(reverse("report", args=[article.slug]), {"reason": "wrong"})
    made = Report.objects.filter(article=article).exists()
    if _is_login_redirect(response, reverse("login")):
        assert not made
        return "LOGIN"
    if response.status_code == 403:
        assert not made
        return "REFUSED"
    assert response.status_code == 302
    assert made
    return "DONE"


def _talk_outcome(response, post):
    if _is_login_redirect(response, reverse("login")):
        assert post is None
        return "LOGIN"
    if response.status_code == 400:
        assert post is None
        return "REFUSED"
    assert response.status_code == 302 and post is not None
    return "PENDING" if post.status == RevisionStatus.PENDING else "ACCEPTED"


def act_talk_post(client, user, world):
    article = world["plain"]
    response = client.post(reverse("talk", args=[article.slug]), {"subject": "S", "body": "Hi."})
    return _talk_outcome(response, Post.objects.filter(thread__article=article).first())


def act_talk_reply(client, user, world):
    article = world["plain"]
    opening = talk.start_thread(
        author=make_user("talker", trust="autoconfirmed"), article=article, subject="S", body="A."
    )
    url = reverse("talk_thread", args=[article.slug, opening.thread_id])
    response = client.post(url, {"body": "Reply."})
    return _talk_outcome(response, opening.thread.posts.exclude(pk=opening.pk).first())


def _watch_outcome(response, watched: bool):
    """Watching changes nothing anyone else sees: every signed-in user may (blocked too)."""
    if _is_login_redirect(response, reverse("login")):
        assert not watched
        return "LOGIN"
    assert response.status_code == 302
    assert watched
    return "DONE"


def act_watch(client, user, world):
    article = world["plain"]
    response = client.post(reverse("watch_article", args=[article.slug]), {"watch": "1"})
    watched = user is not None and Watch.objects.filter(user=user, article=article).exists()
    return _watch_outcome(response, watched)


def act_watch_tag(client, user, world):
    tag = make_tag("Followed")
    response = client.post(reverse("watch_tag", args=[tag.slug]), {"watch": "1"})
    return _watch_outcome(response, Watch.objects.filter(tag=tag).exists())  # no one else


def act_watchlist(client, user, world):
    response = client.get(reverse("watchlist"))
    if _is_login_redirect(response, reverse("login")):
        return "LOGIN"
    assert response.status_code == 200
    return "DONE"


def act_block(client, user, world):
    victim = world["victim"]
    response = client.post(
        reverse("admin:wiki_block_add"),
        {"user": victim.pk, "reason": "Spam", "expires_at_0": "", "expires_at_1": ""},
    )
    return _admin_outcome(response, Block.objects.filter(user=victim).exists(), 302)


def act_protect(client, user, world):
    article = world["plain"]
    response = client.post(
        reverse("admin:wiki_article_changelist"),
        {"action": "protect_autoconfirmed", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    return _admin_outcome(response, article.protection == Protection.AUTOCONFIRMED, 302)


ACT = {name: globals()[f"act_{name}"] for name in ACTIONS}


@pytest.mark.parametrize("actor", ROLES, indirect=True)
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_matrix_cell(client, actor, action, world, request):
    role = request.node.callspec.params["actor"]
    expected = MATRIX[(action, role)]
    assert ACT[action](_client(client, actor), actor, world) == expected


# --- what the refused see ---------------------------------------------------------------------


def test_new_user_is_told_why_a_protected_article_is_refused(client, newbie, world):
    client.force_login(newbie)
    response = client.get(reverse("article_edit", args=[world["prot_auto"].slug]))
    assert response.status_code == 403
    assert "protected" in response.content.decode()
    assert "new accounts cannot edit it yet" in response.content.decode()


def test_unconfirmed_user_is_asked_to_confirm_their_email(client, unconfirmed, world):
    client.force_login(unconfirmed)
    response = client.get(reverse("article_edit", args=[world["plain"].slug]))
    assert response.status_code == 403
    assert "Confirm your email" in response.content.decode()


def test_autoconfirmed_edit_of_moderators_only_article_is_saved_for_review(
    client, autoconfirmed, world
):
    client.force_login(autoconfirmed)
    response = client.post(
        reverse("article_edit", args=[world["prot_mod"].slug]),
        _edit_data(world["prot_mod"], body="Locked, but changed."),
        follow=True,
    )
    assert "waiting for review" in response.content.decode()


def test_a_moderator_who_is_blocked_cannot_edit(client, moderator, world):
    other = make_user("other-mod", trust="moderator")
    moderation.block_user(user=moderator, moderator=other, reason="Cooling off")
    client.force_login(moderator)
    response = client.post(
        reverse("article_edit", args=[world["plain"].slug]),
        _edit_data(world["plain"], body="Should not save."),
    )
    assert response.status_code == 403
    assert "Cooling off" in response.content.decode()


# --- enforcement lives in the saving code, not only in the views ------------------------------


def _values(article, **changes):
    return {**revision_values(head_revision(article)), **changes}


def test_save_edit_refuses_a_new_user_on_a_protected_article(newbie, world):
    article = world["prot_auto"]
    with pytest.raises(EditRefused) as refused:
        save_edit(author=newbie, article=article, values=_values(article, body="x"))
    assert refused.value.code == "protected"


def test_save_edit_refuses_a_new_user_on_a_moderators_only_article(newbie, world):
    article = world["prot_mod"]
    with pytest.raises(EditRefused) as refused:
        save_edit(author=newbie, article=article, values=_values(article, body="x"))
    assert refused.value.code == "protected"


def test_save_edit_refuses_a_blocked_user(blocked, world):
    article = world["plain"]
    with pytest.raises(EditRefused) as refused:
        save_edit(author=blocked, article=article, values=_values(article, body="x"))
    assert refused.value.code == "blocked"
    assert "Vandalism" in refused.value.message
    with pytest.raises(EditRefused):
        save_edit(author=blocked, values={"title": "Blocked new", "summary": "s", "body": "b"})
    assert not Article.objects.filter(title="Blocked new").exists()


def test_save_edit_refuses_an_unconfirmed_user(unconfirmed, world):
    with pytest.raises(EditRefused) as refused:
        save_edit(author=unconfirmed, values={"title": "Unconfirmed new", "summary": "s"})
    assert refused.value.code == "unconfirmed"


def test_save_edit_rechecks_protection_under_the_row_lock(newbie, moderator, world):
    """The caller's copy of the article says "not protected"; the database says otherwise."""
    stale = Article.objects.get(pk=world["plain"].pk)
    moderation.set_protection(
        article=world["plain"], level=Protection.AUTOCONFIRMED, moderator=moderator
    )
    assert stale.protection == Protection.NONE
    with pytest.raises(EditRefused) as refused:
        save_edit(author=newbie, article=stale, values=_values(stale, body="sneaky"))
    assert refused.value.code == "protected"


def test_save_edit_keeps_an_autoconfirmed_edit_of_a_moderators_only_article_pending(
    autoconfirmed, world
):
    article = world["prot_mod"]
    outcome = save_edit(author=autoconfirmed, article=article, values=_values(article, body="y"))
    assert outcome.revision.status == RevisionStatus.PENDING


@pytest.mark.parametrize(
    "service",
    ["accept_chain", "reject", "rollback", "set_protection", "block_user", "grant_autoconfirmed"],
)
def test_moderation_services_refuse_non_moderators(service, autoconfirmed, world):
    calls = {
        "accept_chain": lambda: moderation.accept_chain(world["pending"], moderator=autoconfirmed),
        "reject": lambda: moderation.reject(world["pending"], moderator=autoconfirmed, reason="r"),
        "rollback": lambda: rollback.rollback(
            article=world["vandalised"], user=world["vandal"], moderator=autoconfirmed
        ),
        "set_protection": lambda: moderation.set_protection(
            article=world["plain"], level=Protection.MODERATORS, moderator=autoconfirmed
        ),
        "block_user": lambda: moderation.block_user(
            user=world["victim"], moderator=autoconfirmed, reason="r"
        ),
        "grant_autoconfirmed": lambda: moderation.grant_autoconfirmed(
            user=world["victim"], moderator=autoconfirmed
        ),
    }
    log_before = ModerationLog.objects.count()
    with pytest.raises(moderation.ModerationError):
        calls[service]()
    assert ModerationLog.objects.count() == log_before
    world["pending"].refresh_from_db()
    assert world["pending"].status == RevisionStatus.PENDING


# --- the admin does not let a moderator raise their own rights --------------------------------


def test_a_moderator_cannot_make_themselves_a_superuser_in_the_admin(client, moderator):
    client.force_login(moderator)
    client.post(
        reverse("admin:accounts_user_change", args=[moderator.pk]),
        {
            "username": moderator.username,
            "email": moderator.email,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "is_autoconfirmed": "on",
        },
    )
    moderator.refresh_from_db()
    assert not moderator.is_superuser


def test_a_moderator_cannot_change_a_superusers_password(client, moderator):
    root = make_user("root", trust="moderator", is_superuser=True)
    client.force_login(moderator)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "Another-long-pass-123", "password2": "Another-long-pass-123"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert not root.check_password("Another-long-pass-123")
