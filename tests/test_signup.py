"""Sign-up, email confirmation, resending the link and changing the address."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.test import Client, override_settings

from accounts import confirmation
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
SIGNUP_URL = "/accounts/signup/"
LINK = re.compile(r"http://testserver(/accounts/confirm/[^/\s]+/)")


def signup_data(**changes):
    data = {
        "username": "hana",
        "email": "hana@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "website": "",
    }
    return {**data, **changes}


def confirmation_path(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def expired_token(user) -> str:
    """A genuine token for `user`, signed one day longer ago than the link lives."""

    class SignedLongAgo(signing.TimestampSigner):
        def timestamp(self):
            age = (confirmation.settings.KOTOBA_CONFIRMATION_MAX_AGE_DAYS + 1) * 86400
            return signing.b62_encode(int(time.time()) - age)

    payload = {"u": user.pk, "e": user.email.lower()}
    return SignedLongAgo(salt=confirmation.SALT).sign_object(payload)


# The happy path ----------------------------------------------------------------------------


def test_sign_up_confirm_by_email_then_edit(client):
    response = client.post(SIGNUP_URL, signup_data())
    assert response.status_code == 302
    user = User.objects.get(username="hana")
    assert user.email == "hana@example.com"
    assert not user.email_confirmed

    # Signed in at once, reading is open, editing waits for the confirmation.
    assert client.get("/wiki/new/").status_code == 403

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hana@example.com"]
    path = confirmation_path(mail.outbox[0])

    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm my email address" in page.content.decode()
    user.refresh_from_db()
    assert not user.email_confirmed, "a GET (a mail scanner following the link) changed nothing"

    response = client.post(path)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed

    assert client.get("/wiki/new/").status_code == 200


def test_the_confirmation_link_works_in_a_browser_that_is_not_signed_in(client):
    client.post(SIGNUP_URL, signup_data())
    path = confirmation_path(mail.outbox[0])

    assert Client().post(path).status_code == 302
    assert User.objects.get(username="hana").email_confirmed


def test_signing_up_shows_the_banner_until_the_email_is_confirmed(client):
    client.post(SIGNUP_URL, signup_data())
    assert "Confirm your email address to start editing" in client.get("/").content.decode()

    client.post(confirmation_path(mail.outbox[0]))
    assert "Confirm your email address to start editing" not in client.get("/").content.decode()


# Bad links ---------------------------------------------------------------------------------


def test_an_expired_link_is_refused_with_a_clear_message(client):
    user = make_user("hana", trust="unconfirmed")
    path = f"/accounts/confirm/{expired_token(user)}/"

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "This confirmation link has expired" in response.content.decode()
    user.refresh_from_db()
    assert not user.email_confirmed


def test_a_link_just_inside_its_lifetime_still_works(client):
    # The counterpart of the expired case: the same construction, but young enough.
    user = make_user("hana", trust="unconfirmed")
    token = signing.dumps({"u": user.pk, "e": user.email}, salt=confirmation.SALT)

    assert client.post(f"/accounts/confirm/{token}/").status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed


def test_a_tampered_link_is_refused_with_a_clear_message(client):
    user = make_user("hana", trust="unconfirmed")
    token = confirmation.make_token(user)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    for response in (
        client.get(f"/accounts/confirm/{tampered}/"),
        client.post(f"/accounts/confirm/{tampered}/"),
    ):
        assert response.status_code == 400
        assert "This confirmation link is not valid" in response.content.decode()
    user.refresh_from_db()
    assert not user.email_confirmed


def test_a_link_signed_for_another_user_cannot_be_forged_from_a_real_one(client):
    user = make_user("hana", trust="unconfirmed")
    other = make_user("kenji", trust="unconfirmed")
    value, signature = confirmation.make_token(user).rsplit(":", 1)
    payload = signing.b64_encode(f'{{"u":{other.pk},"e":"{other.email}"}}'.encode()).decode()
    forged = f"{payload}:{value.split(':', 1)[1]}:{signature}"

    response = client.post(f"/accounts/confirm/{forged}/")
    assert response.status_code == 400
    assert "This confirmation link is not valid" in response.content.decode()
    other.refresh_from_db()
    assert not other.email_confirmed


# Refused sign-ups --------------------------------------------------------------------------


def test_a_username_taken_in_another_case_is_refused_and_the_form_keeps_the_input(client):
    make_user("Hana")
    response = client.post(SIGNUP_URL, signup_data(username="hANA", email="new@example.com"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "That username is taken." in html
    assert 'value="hANA"' in html
    assert 'value="new@example.com"' in html
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_an_email_taken_in_another_case_is_refused_and_the_form_keeps_the_input(client):
    make_user("kenji", email="hana@example.com")
    response = client.post(SIGNUP_URL, signup_data(email="HANA@Example.com"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "An account with this email exists already" in html
    assert 'value="hana"' in html
    assert 'value="HANA@Example.com"' in html
    assert not User.objects.filter(username="hana").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("k7#Qz", "This password is too short."),
        ("password123", "This password is too common."),
        ("48201937465", "This password is entirely numeric."),
    ],
)
def test_weak_passwords_are_refused(client, password, message):
    response = client.post(SIGNUP_URL, signup_data(password1=password, password2=password))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="hana").exists()


def test_different_passwords_are_refused(client):
    response = client.post(SIGNUP_URL, signup_data(password2=PASSWORD + "x"))

    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    assert not User.objects.exists()


def test_a_bot_that_fills_the_honeypot_is_refused(client):
    response = client.post(SIGNUP_URL, signup_data(website="https://cheap-pills.example"))

    assert response.status_code == 200
    assert "Sign-up refused" in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


def test_the_honeypot_is_hidden_from_people_keyboards_and_autofill(client):
    html = client.get(SIGNUP_URL).content.decode()
    honeypot = re.search(r'<div class="honeypot" aria-hidden="true">.*?</div>', html, re.S)
    assert honeypot
    field = re.search(r'<input[^>]*name="website"[^>]*>', honeypot.group(0))
    assert field
    assert 'tabindex="-1"' in field.group(0)
    assert 'autocomplete="off"' in field.group(0)


@override_settings(KOTOBA_SIGNUP_RATE=2)
def test_sign_ups_are_rate_limited_per_address():
    for name in ("one", "two"):
        response = Client(REMOTE_ADDR="203.0.113.5").post(
            SIGNUP_URL, signup_data(username=name, email=f"{name}@example.com")
        )
        assert response.status_code == 302

    response = Client(REMOTE_ADDR="203.0.113.5").post(
        SIGNUP_URL, signup_data(username="three", email="three@example.com")
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many sign-ups from your network" in html
    assert 'value="three"' in html
    assert not User.objects.filter(username="three").exists()

    # Another address is not affected.
    response = Client(REMOTE_ADDR="198.51.100.7").post(
        SIGNUP_URL, signup_data(username="three", email="three@example.com")
    )
    assert response.status_code == 302


def test_a_signed_in_user_is_sent_home_from_the_sign_up_page(client):
    client.force_login(make_user("hana"))
    response = client.get(SIGNUP_URL)
    assert response.status_code == 302
    assert response.url == "/"


# Resending the link ------------------------------------------------------------------------


def test_resending_the_link_mails_a_new_one_that_works(client):
    user = make_user("hana", trust="unconfirmed")
    client.force_login(user)

    response = client.post("/accounts/confirm-resend/", {"next": "/wiki/"})
    assert response.status_code == 302
    assert response.url == "/wiki/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hana@example.com"]

    client.post(confirmation_path(mail.outbox[0]))
    user.refresh_from_db()
    assert user.email_confirmed


def test_resending_needs_a_post(client):
    client.force_login(make_user("hana", trust="unconfirmed"))
    assert client.get("/accounts/confirm-resend/").status_code == 405
    assert mail.outbox == []


def test_resending_needs_a_signed_in_user(client):
    response = client.post("/accounts/confirm-resend/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert mail.outbox == []


def test_resending_to_a_confirmed_address_sends_nothing(client):
    client.force_login(make_user("hana"))
    client.post("/accounts/confirm-resend/")
    assert mail.outbox == []


def test_resending_is_limited_to_a_few_mails_an_hour(client):
    client.force_login(make_user("hana", trust="unconfirmed"))
    for _ in range(5):
        client.post("/accounts/confirm-resend/")
    assert len(mail.outbox) == 3


def test_resending_does_not_redirect_to_another_site(client):
    client.force_login(make_user("hana", trust="unconfirmed"))
    response = client.post("/accounts/confirm-resend/", {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url == "/"


# Changing the email address ----------------------------------------------------------------


def test_changing_the_email_unconfirms_it_and_mails_the_new_address(client):
    user = make_user("hana")
    client.force_login(user)

    response = client.post("/accounts/settings/", {"email": "hana@new.example"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "hana@new.example"
    assert not user.email_confirmed
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hana@new.example"]
    assert client.get("/wiki/new/").status_code == 403

    client.post(confirmation_path(mail.outbox[0]))
    user.refresh_from_db()
    assert user.email_confirmed
    assert client.get("/wiki/new/").status_code == 200


def test_a_link_sent_to_the_old_address_cannot_confirm_the_new_one(client):
    user = make_user("hana", trust="unconfirmed")
    old_token = confirmation.make_token(user)
    client.force_login(user)
    client.post("/accounts/settings/", {"email": "hana@new.example"})

    response = client.post(f"/accounts/confirm/{old_token}/")
    assert response.status_code == 400
    assert "no longer on the account" in response.content.decode()
    user.refresh_from_db()
    assert not user.email_confirmed


def test_an_email_used_by_another_account_is_refused(client):
    make_user("kenji", email="kenji@example.com")
    user = make_user("hana")
    client.force_login(user)

    response = client.post("/accounts/settings/", {"email": "KENJI@example.com"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Another account uses that address." in html
    assert 'value="KENJI@example.com"' in html
    user.refresh_from_db()
    assert user.email == "hana@example.com"
    assert user.email_confirmed
    assert mail.outbox == []


def test_the_settings_page_needs_a_signed_in_user(client):
    response = client.get("/accounts/settings/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
