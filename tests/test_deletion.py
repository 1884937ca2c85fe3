"""Deleting and restoring articles in the admin: logged services with a reason, never a
restore onto a title another article holds, and links that follow."""

import html as html_lib

import pytest
from django.urls import reverse

from tests.factories import make_article, make_user
from wiki import deletion
from wiki.models import Article, ModerationLog
from wiki.moderation import ModerationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def change(client, article, **data):
    form = {"protection": article.protection, "is_featured": "", "deletion_reason": ""}
    if article.is_deleted:
        form["is_deleted"] = "on"
    form.update(data)
    form = {key: value for key, value in form.items() if value is not None}
    return client.post(reverse("admin:wiki_article_change", args=[article.pk]), form)


def text(response):
    return html_lib.unescape(response.content.decode())


def test_deleting_in_the_admin_needs_a_reason_and_is_logged(admin_client, moderator, client):
    article = make_article("Moe", author=moderator)
    response = change(admin_client, article, is_deleted="on")
    assert response.status_code == 200
    assert "Say why: the reason goes in the log." in text(response)
    article.refresh_from_db()
    assert not article.is_deleted

    response = change(admin_client, article, is_deleted="on", deletion_reason="Duplicate of Kawaii")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_deleted
    entry = ModerationLog.objects.get(action="delete")
    assert (entry.actor, entry.article, entry.reason) == (moderator, article, "Duplicate of Kawaii")
    client.logout()
    assert client.get(reverse("article", args=["moe"])).status_code == 404


def test_links_to_a_deleted_article_turn_red_and_blue_again_when_it_is_restored(
    admin_client, moderator
):
    target = make_article("Moe", author=moderator)
    source = make_article("Kawaii", author=moderator, body="See [[Moe]].")
    assert 'class="wikilink"' in source.published_revision.body_html
    change(admin_client, target, is_deleted="on", deletion_reason="Test")
    source.refresh_from_db()
    assert 'class="wikilink new"' in source.published_revision.body_html
    target.refresh_from_db()
    response = change(admin_client, target, is_deleted=None, deletion_reason="Back")
    assert response.status_code == 302
    source.refresh_from_db()
    assert 'class="wikilink"' in source.published_revision.body_html
    assert ModerationLog.objects.filter(action="undelete", reason="Back").exists()


def test_restoring_onto_a_title_taken_since_is_refused_in_the_form(admin_client, moderator):
    old = make_article("Moe", author=moderator)
    deletion.delete_article(old, moderator=moderator, reason="Test")
    make_article("Moe", author=moderator)  # the title is free, so someone takes it
    old.refresh_from_db()
    response = change(admin_client, old, is_deleted=None, deletion_reason="Mistake")
    assert response.status_code == 200
    assert "Cannot restore: the title “Moe” is now used by the article “Moe”." in text(response)
    old.refresh_from_db()
    assert old.is_deleted
    assert not ModerationLog.objects.filter(action="undelete").exists()


def test_restoring_gives_a_new_slug_when_the_old_one_was_taken(moderator):
    old = make_article("Moe!", author=moderator)
    deletion.delete_article(old, moderator=moderator, reason="Test")
    newer = make_article("Moe?", author=moderator)
    assert newer.slug == old.slug == "moe"
    deletion.undelete_article(old, moderator=moderator, reason="Back")
    old.refresh_from_db()
    assert not old.is_deleted
    assert old.slug == "moe-2"


def test_restoring_names_the_aliases_another_article_took(admin_client, moderator):
    old = make_article("Otaku", author=moderator, aliases="Otaku-zoku")
    deletion.delete_article(old, moderator=moderator, reason="Test")
    make_article("Fan", author=moderator, aliases="Otaku-zoku")
    old.refresh_from_db()
    response = change(admin_client, old, is_deleted=None, deletion_reason="Back")
    assert response.status_code == 302
    messages = text(admin_client.get(response["Location"]))
    assert "were not restored: Otaku-zoku" in messages
    entry = ModerationLog.objects.get(action="undelete")
    assert "Otaku-zoku" in entry.reason


def test_articles_are_never_removed_from_the_database_in_the_admin(admin_client, moderator):
    article = make_article("Moe", author=moderator)
    response = admin_client.get(reverse("admin:wiki_article_delete", args=[article.pk]))
    assert response.status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


def test_only_moderators_delete_or_restore(moderator):
    article = make_article("Moe", author=moderator)
    editor = make_user("editor", trust="autoconfirmed")
    with pytest.raises(ModerationError):
        deletion.delete_article(article, moderator=editor, reason="No")
    deletion.delete_article(article, moderator=moderator, reason="Yes")
    with pytest.raises(ModerationError):
        deletion.undelete_article(article, moderator=editor, reason="No")
