"""Notices by mail: per kind never, at once or in a daily digest; every mail with a signed
one-click unsubscribe link and a List-Unsubscribe header."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notice, NoticeKind
from accounts.notices import read_unsubscribe_token, send_digests, tell, unsubscribe_url
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def hana(db):
    return make_user("hana", email="hana@example.com")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_kind_mailed_at_once_carries_its_unsubscribe_link_and_header(hana, committed):
    with committed():
        tell(hana, "hana was mentioned.", "/wiki/moe/talk/1/#post-2", kind=NoticeKind.MENTIONS)

    [message] = mail.outbox
    # The signed link holds its time (to the second): read it back rather than remake it.
    link = re.search(r"Stop mails about someone mentions me: (\S+)", message.body).group(1)
    token = link.removeprefix("http://127.0.0.1:8000/accounts/unsubscribe/").rstrip("/")
    assert read_unsubscribe_token(token) == (hana, NoticeKind.MENTIONS)
    assert message.to == ["hana@example.com"]
    assert "http://127.0.0.1:8000/wiki/moe/talk/1/#post-2" in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_kind_set_to_never_or_daily_is_a_notice_only(hana, committed):
    hana.mail_decisions = "off"
    with committed():
        tell(hana, "Declined.", kind=NoticeKind.DECISIONS)
        tell(hana, "A watched change.", kind=NoticeKind.WATCHED)  # daily by default

    assert mail.outbox == []
    assert Notice.objects.filter(user=hana).count() == 2


def test_the_daily_digest_sends_one_mail_with_what_came_since_the_last(hana, committed):
    hana.date_joined = timezone.now() - timedelta(days=2)
    hana.save()
    tell(hana, "“Moe” was changed by ken.", "/wiki/moe/diff/1/2/", kind=NoticeKind.WATCHED)
    tell(hana, "ken wrote in “Dates”.", "/wiki/moe/talk/1/", kind=NoticeKind.TALK)
    tell(hana, "Accepted.", kind=NoticeKind.DECISIONS)  # mailed at once, not in the digest
    mail.outbox.clear()

    with committed():
        assert send_digests() == 1
    with committed():
        assert send_digests() == 0  # nothing new since

    [digest] = mail.outbox
    assert digest.subject == "Kotoba: 2 notices today"
    assert "- “Moe” was changed by ken.\n  http://127.0.0.1:8000/wiki/moe/diff/1/2/" in digest.body
    assert "ken wrote in “Dates”." in digest.body and "Accepted." not in digest.body
    assert "Stop mails about replies in threads" in digest.body
    assert "List-Unsubscribe" in digest.extra_headers


def test_the_digest_command_says_how_many_it_sent(hana, capsys):
    tell(hana, "A watched change.", kind=NoticeKind.WATCHED)

    call_command("send_digests")

    assert "Sent 1 digest." in capsys.readouterr().out


def test_the_unsubscribe_link_asks_first_then_stops_that_kind_only(client, hana):
    url = unsubscribe_url(hana, NoticeKind.TALK).removeprefix("http://127.0.0.1:8000")

    page = client.get(url).content.decode()
    hana.refresh_from_db()
    assert "Stop the mails to <strong>hana</strong>" in page and hana.mail_talk == "daily"

    client.post(url)
    hana.refresh_from_db()
    assert hana.mail_talk == "off"
    assert hana.mail_mentions == "now"


def test_a_mail_programs_one_click_post_needs_no_csrf_token(hana):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    url = unsubscribe_url(hana, NoticeKind.WATCHED).removeprefix("http://127.0.0.1:8000")

    response = strict.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    hana.refresh_from_db()
    assert hana.mail_watched == "off"


@pytest.mark.parametrize("token", ["nonsense", "a" * 300])
def test_a_bad_unsubscribe_link_changes_nothing(client, hana, token):
    response = client.post(reverse("unsubscribe", args=[token]))

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()


def test_the_settings_page_changes_each_kind(client, hana):
    client.force_login(hana)

    page = client.get(reverse("account_settings")).content.decode()
    client.post(
        reverse("mail_settings"),
        {
            "mail_decisions": "now",
            "mail_mentions": "daily",
            "mail_talk": "off",
            "mail_watched": "off",
        },
    )

    assert "In a daily digest" in page
    hana.refresh_from_db()
    assert (hana.mail_mentions, hana.mail_talk, hana.mail_watched) == ("daily", "off", "off")
