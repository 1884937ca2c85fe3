"""Profiles at /users/<name>/, the users in the admin, and the Moderators group."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import MODERATORS_GROUP
from tests.factories import PASSWORD, delete, edit, make_article, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()


def contribution_titles(html: str) -> list[str]:
    section = html.split('id="contrib-heading"', 1)[1]
    return re.findall(r'<a href="/wiki/[^"]+/revisions/\d+/">([^<]+)</a>', section)


# The profile -------------------------------------------------------------------------------


def test_the_profile_shows_the_joined_date_and_counts(client, autoconfirmed):
    article = make_article("Tsundere", author=autoconfirmed)
    edit(article, autoconfirmed, body="Hot and cold.")
    make_article("Yandere", author=autoconfirmed)

    response = client.get("/users/trusted/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Joined {autoconfirmed.date_joined:%-d %B %Y}" in html
    assert "3 accepted edits" in html
    assert "2 articles started" in html


def test_a_new_profile_says_there_are_no_contributions(client, newbie):
    html = client.get("/users/newbie/").content.decode()
    assert "0 accepted edits" in html
    assert "No contributions yet." in html


def test_an_unknown_profile_is_the_sites_404_page(client):
    response = client.get("/users/nobody-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "There is nothing at <code>/users/nobody-here/</code>" in html


def test_the_profile_lists_contributions_newest_first(client, autoconfirmed):
    first = make_article("Moe", author=autoconfirmed)
    make_article("Gap moe", author=autoconfirmed)
    edit(first, autoconfirmed, title="Moe (slang)", body="Affection.")

    html = client.get("/users/trusted/").content.decode()
    assert contribution_titles(html) == ["Moe (slang)", "Gap moe", "Moe"]


def test_the_profile_lists_only_that_users_contributions(client, autoconfirmed, moderator):
    make_article("Moe", author=autoconfirmed)
    make_article("Senpai", author=moderator)

    html = client.get("/users/trusted/").content.decode()
    assert contribution_titles(html) == ["Moe"]


def test_the_profile_is_paginated(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    for number in range(2, 28):
        edit(article, autoconfirmed, body=f"Version {number}.")

    first_page = client.get("/users/trusted/").content.decode()
    second_page = client.get("/users/trusted/?page=2").content.decode()
    assert len(contribution_titles(first_page)) == 25
    assert len(contribution_titles(second_page)) == 2
    assert "Page 1 of 2" in first_page


def test_anonymous_readers_do_not_see_pending_revisions_on_a_profile(client, newbie):
    make_article("Secret draft", author=newbie)

    html = client.get("/users/newbie/").content.decode()
    assert "Secret draft" not in html
    assert "No contributions yet." in html


def test_other_users_do_not_see_pending_revisions_on_a_profile(client, newbie, autoconfirmed):
    make_article("Secret draft", author=newbie)
    client.force_login(autoconfirmed)

    assert "Secret draft" not in client.get("/users/newbie/").content.decode()


def test_the_author_sees_their_pending_revision_marked_as_waiting(client, newbie):
    make_article("Secret draft", author=newbie)
    client.force_login(newbie)

    html = client.get("/users/newbie/").content.decode()
    assert contribution_titles(html) == ["Secret draft"]
    assert "waiting for review" in html


def test_moderators_see_pending_revisions_on_a_profile(client, newbie, moderator):
    make_article("Secret draft", author=newbie)
    client.force_login(moderator)

    assert contribution_titles(client.get("/users/newbie/").content.decode()) == ["Secret draft"]


def test_a_pending_edit_to_a_published_article_is_hidden_but_the_article_is_not(
    client, newbie, autoconfirmed
):
    article = make_article("Moe", author=autoconfirmed)
    edit(article, newbie, title="Moe (vandalised)", body="Spam.")

    assert "Moe (vandalised)" not in client.get("/users/newbie/").content.decode()


def test_contributions_to_a_deleted_article_leave_the_profile(client, autoconfirmed):
    kept = make_article("Moe", author=autoconfirmed)
    gone = make_article("Harassment", author=autoconfirmed)
    delete(gone)

    html = client.get("/users/trusted/").content.decode()
    assert contribution_titles(html) == [kept.title]


def test_the_owner_sees_links_to_their_settings(client, newbie):
    client.force_login(newbie)
    assert 'href="/accounts/settings/"' in client.get("/users/newbie/").content.decode()
    client.logout()
    assert 'href="/accounts/settings/"' not in client.get("/users/newbie/").content.decode()


def test_the_profile_runs_the_same_queries_however_many_contributions(client, autoconfirmed):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/users/trusted/").status_code == 200
        return len(queries)

    make_article("Moe", author=autoconfirmed)
    few = count_queries()
    for number in range(10):
        make_article(f"Term {number}", author=autoconfirmed)
    assert count_queries() == few


# The admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


def changelist_row(html: str, username: str) -> str:
    for row in re.findall(r"<tr>.*?</tr>", html, re.S):
        if f">{username}</a>" in row:
            return row
    raise AssertionError(f"no row for {username}")


def test_the_admin_lists_users_with_groups_and_confirmation(
    client, admin_user, moderator, unconfirmed
):
    client.force_login(admin_user)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 200
    html = response.content.decode()

    assert "Email confirmed" in html
    assert "Groups" in html
    mod_row = changelist_row(html, "mod")
    assert "Moderators" in mod_row
    assert 'alt="True"' in mod_row
    unconfirmed_row = changelist_row(html, "unconfirmed")
    assert 'alt="False"' in unconfirmed_row
    assert "Moderators" not in unconfirmed_row


def test_the_admin_user_list_runs_the_same_queries_however_many_users(client, admin_user):
    client.force_login(admin_user)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/accounts/user/").status_code == 200
        return len(queries)

    make_user("first", trust="moderator")
    few = count_queries()
    for number in range(10):
        make_user(f"mod{number}", trust="moderator")
    assert count_queries() == few


def test_the_admin_user_list_is_closed_to_ordinary_users(client, autoconfirmed):
    client.force_login(autoconfirmed)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_moderator_can_grant_autoconfirmed_in_the_admin(client, moderator, newbie):
    client.force_login(moderator)
    url = f"/admin/accounts/user/{newbie.pk}/change/"
    assert client.get(url).status_code == 200

    response = client.post(url, {"is_autoconfirmed": "on"})
    assert response.status_code == 302
    newbie.refresh_from_db()
    assert newbie.is_autoconfirmed


def test_a_moderator_cannot_make_anyone_staff_or_superuser(client, moderator, newbie):
    client.force_login(moderator)
    for target in (moderator, newbie):
        client.post(
            f"/admin/accounts/user/{target.pk}/change/",
            {
                "username": target.username,
                "email": "taken-over@example.com",
                "is_active": "on",
                "is_staff": "on",
                "is_superuser": "on",
                "is_autoconfirmed": "on",
                "groups": [Group.objects.get(name=MODERATORS_GROUP).pk],
                "date_joined_0": "2020-01-01",
                "date_joined_1": "00:00:00",
            },
        )
        target.refresh_from_db()
        assert not target.is_superuser
        assert target.email != "taken-over@example.com"
    assert not newbie.is_staff
    assert not newbie.groups.exists()


def test_a_moderator_cannot_set_another_users_password(client, moderator, admin_user):
    client.force_login(moderator)
    url = f"/admin/accounts/user/{admin_user.pk}/password/"
    response = client.post(
        url, {"password1": "mine-now-Long-passw0rd", "password2": "mine-now-Long-passw0rd"}
    )
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.check_password(PASSWORD)


def test_a_moderator_cannot_change_a_superuser(client, moderator, admin_user):
    client.force_login(moderator)
    response = client.post(
        f"/admin/accounts/user/{admin_user.pk}/change/", {"is_autoconfirmed": "on"}
    )
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert not admin_user.is_autoconfirmed


def test_a_moderator_sees_no_password_hash_and_no_password_link(client, moderator, newbie):
    client.force_login(moderator)
    html = client.get(f"/admin/accounts/user/{newbie.pk}/change/").content.decode()
    hashed = newbie.password.rsplit("$", 1)[1]
    assert hashed not in html
    assert "field-password" not in html


def test_a_superuser_can_still_edit_everything(client, admin_user, newbie):
    client.force_login(admin_user)
    html = client.get(f"/admin/accounts/user/{newbie.pk}/change/").content.decode()
    assert 'name="is_superuser"' in html
    assert 'name="email"' in html
    assert "field-password" in html


# The Moderators group ----------------------------------------------------------------------


def test_a_data_migration_makes_the_moderators_group_with_its_permissions():
    """Run the migration's own operation, from a database without the group: what it leaves
    must not depend on which tests ran before (a transactional test flushes the tables)."""
    migration = importlib.import_module("wiki.migrations.0002_moderators_group").Migration
    [operation] = migration.operations
    Group.objects.filter(name=MODERATORS_GROUP).delete()
    operation.code(django_apps, None)  # it reads and writes rows only: no schema editor
    group = Group.objects.get(name=MODERATORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "view_revision",
        "change_revision",
        "view_report",
        "change_report",
        "add_block",
        "view_moderationlog",
        "change_user",
    } <= codenames
    assert "delete_revision" not in codenames
    assert "delete_user" not in codenames
    assert "add_user" not in codenames


def test_a_member_of_the_group_is_a_moderator(moderator, autoconfirmed):
    assert moderator.is_moderator
    assert moderator.has_perm("wiki.change_revision")
    assert not autoconfirmed.is_moderator
    assert not autoconfirmed.has_perm("wiki.change_revision")


def test_an_administrator_made_on_the_command_line_can_edit_at_once(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, username="boss", email="boss@example.com")
    boss = User.objects.get(username="boss")
    assert boss.is_superuser
    assert boss.email_confirmed

    client.force_login(boss)
    assert client.get("/wiki/new/").status_code == 200


def test_a_profile_address_in_another_case_redirects_to_the_canonical_one(client):
    make_user("Hana")

    response = client.get("/users/hana/")

    assert response.status_code == 301
    assert response["Location"] == "/users/Hana/"
