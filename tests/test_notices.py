"""Notices: a moderator's decision reaches its author as an unread notice, counted in the
header on every page (from the user's row: no query of its own), listed and marked read."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notice
from tests.factories import edit, make_article
from wiki import moderation

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(moderator, newbie):
    """Two of the newbie's edits: one accepted, one rejected (two notices)."""
    article = make_article("Moe", author=moderator, body="Moe.")
    moderation.accept_chain(
        edit(article, newbie, body="Moe, a feeling.").revision, moderator=moderator
    )
    moderation.reject(
        edit(article, newbie, body="Spam.").revision, moderator=moderator, reason="Spam"
    )
    return article


def header_count(html):
    found = re.search(
        r'class="notices-link"[^>]*>Notices(?: <span class="unread-count"[^>]*>(\d+)</span>)?', html
    )
    assert found, "no Notices link"
    return int(found[1] or 0)


def test_decisions_are_counted_in_the_header_until_read(client, newbie, decided):
    client.force_login(newbie)

    page = client.get("/").content.decode()
    assert header_count(page) == 2
    assert 'aria-label="Notices, 2 unread"' in page

    listed = client.get(reverse("notices")).content.decode()
    unread = re.findall(r'<li class="notice-unread">(.*?)</li>', listed, re.S)
    assert len(unread) == 2
    assert "was not accepted. Reason: Spam" in unread[0]  # newest first
    assert "was accepted" in unread[1]

    response = client.post(reverse("notices"), follow=True)
    assert "2 notices marked read." in response.content.decode()
    assert header_count(response.content.decode()) == 0
    assert not Notice.objects.filter(user=newbie, read_at=None).exists()
    assert 'class="notice-read"' in response.content.decode()


def test_the_count_costs_no_query(client, newbie, moderator):
    article = make_article("Moe", author=moderator)
    client.force_login(newbie)
    client.get(article.get_absolute_url())
    with CaptureQueriesContext(connection) as none_unread:
        client.get(article.get_absolute_url())
    moderation.notify(newbie, "One.")
    moderation.notify(newbie, "Two.")
    with CaptureQueriesContext(connection) as two_unread:
        html = client.get(article.get_absolute_url()).content.decode()

    assert header_count(html) == 2
    assert len(two_unread.captured_queries) == len(none_unread.captured_queries)


def test_notices_are_private(client, newbie, autoconfirmed, decided):
    assert client.get(reverse("notices"))["Location"].startswith("/accounts/login/")
    client.force_login(autoconfirmed)

    html = client.get(reverse("notices")).content.decode()

    assert "No notices yet." in html
    assert header_count(html) == 0


def test_the_admin_shows_notices_but_cannot_write_them(client, moderator, newbie, decided):
    moderator.is_superuser = True
    moderator.save(update_fields=["is_superuser"])
    client.force_login(moderator)

    listing = client.get("/admin/accounts/notice/")
    add = client.get("/admin/accounts/notice/add/")

    assert listing.status_code == 200
    assert "was not accepted" in listing.content.decode()
    assert add.status_code == 403  # only the services post notices, keeping the count in step
