import pytest
from django.urls import reverse
from tests.factories import edit, make_article, make_user
from wiki import moderation
pytestmark = pytest.mark.django_db

def test_probe_escalation(client, moderator):
    client.force_login(moderator)
    r = client.get(reverse("admin:accounts_user_change", args=[moderator.pk]))
    print(r.status_code, "is_superuser" in r.content.decode())
    from django.contrib.auth.models import Group
    data = {"username": "mod", "email": "mod@example.com", "is_active": "on", "is_staff": "on", "is_superuser": "on",
            "groups": [Group.objects.get(name="Moderators").pk], "date_joined_0": "2024-01-01", "date_joined_1": "00:00:00",
            "email_confirmed_at_0": "2024-01-01", "email_confirmed_at_1": "00:00:00", "is_autoconfirmed": "on",
            "initial-date_joined_0": "2024-01-01", "initial-date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": ""}
    r = client.post(reverse("admin:accounts_user_change", args=[moderator.pk]), data)
    print(r.status_code, r.content.decode()[:3000] if r.status_code == 200 else r["Location"])
    moderator.refresh_from_db()
    print("SUPERUSER NOW:", moderator.is_superuser)

def test_probe_reject_new(client, moderator, newbie):
    a = make_article("Fresh", author=newbie)
    moderation.reject(a.latest_revision, moderator=moderator, reason="No")
    client.force_login(newbie)

    r = client.get(reverse("history", args=[a.slug]))
    print("history:", r.status_code)
    client.force_login(moderator)

    # can newbie create same title again?
    client.force_login(newbie)
    r = client.post(reverse("article_create"), {"kind": "term", "title": "Fresh", "summary": "again", "body": "b"})
    print("recreate:", r.status_code, r.content.decode().count("already used"))
