"""Password reset by email (Django's own views, in the site's templates)."""

import re

import pytest
from django.core import mail
from django.test import override_settings

from tests.clients import CommittingClient
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

RESET_URL = "/accounts/password/reset/"
NEW_PASSWORD = "another-Long-passw0rd"
LINK = re.compile(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def client():
    """Requests send what they enqueued on commit (the reset mail), as in production."""
    return CommittingClient()


def reset_link(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def test_the_reset_form_mails_a_link_to_the_account(client):
    make_user("hana", email="hana@example.com")

    response = client.post(RESET_URL, {"email": "hana@example.com"})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hana@example.com"]
    assert message.subject == "Reset your Kotoba password"
    assert "Hello hana" in message.body
    reset_link(message)


def test_the_address_is_matched_without_regard_to_case(client):
    make_user("hana", email="hana@example.com")
    client.post(RESET_URL, {"email": "HANA@Example.com"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hana@example.com"]


def test_following_the_link_lets_the_user_choose_a_new_password(client):
    user = make_user("hana")
    client.post(RESET_URL, {"email": user.email})

    response = client.get(reset_link(mail.outbox[0]), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    assert "Choose a new password" in response.content.decode()
    assert 'name="new_password1"' in response.content.decode()

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)

    # The new password signs in through the real form.
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "hana", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_weak_new_password_is_refused(client):
    user = make_user("hana")
    client.post(RESET_URL, {"email": user.email})
    response = client.get(reset_link(mail.outbox[0]), follow=True)
    form_url = response.redirect_chain[-1][0]

    response = client.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_used_link_does_not_work_twice(client):
    user = make_user("hana")
    client.post(RESET_URL, {"email": user.email})
    link = reset_link(mail.outbox[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.get(link, follow=True)
    assert "This reset link is not valid any more" in response.content.decode()
    assert 'name="new_password1"' not in response.content.decode()


def test_an_unknown_email_shows_the_same_check_your_mail_page(client):
    make_user("hana", email="hana@example.com")

    response = client.post(RESET_URL, {"email": "nobody@example.com"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert "Check your mail" in response.content.decode()
    assert "If an account uses that address" in response.content.decode()
    assert mail.outbox == []


def test_the_reset_pages_use_the_sites_templates(client):
    html = client.get(RESET_URL).content.decode()
    assert "Reset your password" in html
    assert "Skip to content" in html


def test_a_signed_in_user_can_change_the_password(client):
    user = make_user("hana")
    client.force_login(user)

    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Django keeps the session that changed the password signed in.
    assert client.session["_auth_user_id"] == str(user.pk)


def test_changing_the_password_needs_the_old_one(client):
    user = make_user("hana")
    client.force_login(user)

    response = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# Limits ------------------------------------------------------------------------------------


@override_settings(KOTOBA_PASSWORD_RESET_RATE=3, KOTOBA_PASSWORD_RESET_ADDRESS_RATE=10)
def test_reset_requests_are_limited_per_client_address():
    make_user("hana", email="hana@example.com")
    visitor = CommittingClient(REMOTE_ADDR="203.0.113.5")
    for n in range(3):
        assert visitor.post(RESET_URL, {"email": f"someone{n}@example.com"}).status_code == 302

    response = visitor.post(RESET_URL, {"email": "hana@example.com"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many reset requests from your network" in html
    assert 'value="hana@example.com"' in html
    assert mail.outbox == []

    # Another address is not affected.
    elsewhere = CommittingClient(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post(RESET_URL, {"email": "hana@example.com"}).status_code == 302
    assert len(mail.outbox) == 1


@override_settings(KOTOBA_PASSWORD_RESET_ADDRESS_RATE=2)
def test_reset_mails_to_one_address_are_limited_whoever_asks():
    make_user("hana", email="hana@example.com")
    for n in range(4):
        visitor = CommittingClient(REMOTE_ADDR=f"203.0.113.{n + 1}")
        response = visitor.post(RESET_URL, {"email": "HANA@example.com"})
        assert response.status_code == 302
        assert response.url == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 2


@override_settings(KOTOBA_PASSWORD_RESET_ADDRESS_RATE=1)
def test_the_address_limit_answers_the_same_whether_or_not_an_account_exists(client):
    make_user("hana", email="hana@example.com")
    answers = {}
    for address in ("hana@example.com", "nobody@example.com"):
        client.post(RESET_URL, {"email": address})  # uses up the address's one mail
        response = client.post(RESET_URL, {"email": address}, follow=True)
        answers[address] = (
            response.status_code,
            response.redirect_chain,
            response.content.decode().replace(address, "ADDRESS"),
        )
    assert answers["hana@example.com"] == answers["nobody@example.com"]
    assert len(mail.outbox) == 1


def test_the_reset_mail_keeps_its_link_whole_for_pasting(client):
    make_user("hana", email="hana@example.com")
    client.post(RESET_URL, {"email": "hana@example.com"})
    raw = mail.outbox[0].message().as_bytes().decode()
    assert "Content-Transfer-Encoding: 8bit" in raw
    assert "http://testserver" + reset_link(mail.outbox[0]) in raw
