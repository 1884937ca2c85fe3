"""Sign-up, email confirmation, resending the link and changing the address."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.db import IntegrityError
from django.test import override_settings

from accounts import confirmation
from tests.clients import CommittingClient
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
SIGNUP_URL = "/accounts/signup/"
LINK = re.compile(r"http://testserver(/accounts/confirm/[^/\s]+/)")


@pytest.fixture
def client():
    """Requests send what they enqueued on commit (the confirmation mail), as in production."""
    return CommittingClient()


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

    assert CommittingClient().post(path).status_code == 302
    assert User.objects.get(username="hana").email_confirmed


def test_signing_up_shows_the_banner_until_the_email_is_confirmed(client):
    client.post(SIGNUP_URL, signup_data())
    assert "Confirm your email address to start editing" in client.get("/").content.decode()

    client.post(confirmation_path(mail.outbox[0]))
    assert "Confirm your email address to start editing" not in client.get("/").content.decode()


def test_after_sign_up_one_banner_says_where_the_link_went_and_offers_it_again(client):
    response = client.post(SIGNUP_URL, signup_data(), follow=True)
    html = response.content.decode()
    assert "Welcome, hana! Your account is ready." in html
    assert html.count("hana@example.com") == 1
    assert html.count("Confirm your email address") == 1
    assert "we sent a link to <strong>hana@example.com</strong>" in html
    assert "Send the link again" in html


def test_the_confirmation_mail_keeps_its_link_whole_for_pasting(client):
    client.post(SIGNUP_URL, signup_data())
    raw = mail.outbox[0].message().as_bytes().decode()

    assert "Content-Transfer-Encoding: 8bit" in raw
    assert "http://testserver" + confirmation_path(mail.outbox[0]) in raw


@override_settings(
    MAILERS={"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
)
def test_the_development_console_mailer_prints_the_link_whole(client, capsys):
    client.post(SIGNUP_URL, signup_data())
    printed = capsys.readouterr().out
    match = LINK.search(printed)
    assert match, printed
    assert client.post(match.group(1)).status_code == 302
    assert User.objects.get(username="hana").email_confirmed


def test_a_sign_up_that_fails_at_the_end_leaves_no_account_and_sends_no_mail(client, monkeypatch):
    send_confirmation = confirmation.send_confirmation

    def fail_after_queueing_the_mail(request, user):
        send_confirmation(request, user)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(confirmation, "send_confirmation", fail_after_queueing_the_mail)
    response = client.post(SIGNUP_URL, signup_data())

    assert response.status_code == 200
    html = response.content.decode()
    assert "That username or email address was just taken" in html
    assert 'value="hana"' in html
    assert not User.objects.exists()
    assert mail.outbox == []
    assert "_auth_user_id" not in client.session


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
        response = CommittingClient(REMOTE_ADDR="203.0.113.5").post(
            SIGNUP_URL, signup_data(username=name, email=f"{name}@example.com")
        )
        assert response.status_code == 302

    response = CommittingClient(REMOTE_ADDR="203.0.113.5").post(
        SIGNUP_URL, signup_data(username="three", email="three@example.com")
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many sign-ups from your network" in html
    assert 'value="three"' in html
    assert not User.objects.filter(username="three").exists()

    # Another address is not affected.
    response = CommittingClient(REMOTE_ADDR="198.51.100.7").post(
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


def test_an_unconfirmed_profile_offers_to_resend_the_link(client):
    user = make_user("hana", trust="unconfirmed")
    client.force_login(user)

    html = client.get("/users/hana/").content.decode()
    assert "Your email address is not confirmed yet" in html
    assert "Resend the confirmation link" in html
    assert 'action="/accounts/confirm-resend/"' in html

    response = client.post("/accounts/confirm-resend/", {"next": "/users/hana/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/users/hana/"
    assert "A new confirmation link is on its way to hana@example.com" in response.content.decode()
    client.post(confirmation_path(mail.outbox[0]))
    user.refresh_from_db()
    assert user.email_confirmed
    assert "Resend the confirmation link" not in client.get("/users/hana/").content.decode()


def test_the_resend_button_is_only_on_your_own_profile(client):
    make_user("hana", trust="unconfirmed")
    client.force_login(make_user("kenji", trust="unconfirmed"))
    assert "Resend the confirmation link" not in client.get("/users/hana/").content.decode()


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

    response = client.post(
        "/accounts/settings/", {"email": "hana@new.example", "password": PASSWORD}
    )
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
    client.post("/accounts/settings/", {"email": "hana@new.example", "password": PASSWORD})

    response = client.post(f"/accounts/confirm/{old_token}/")
    assert response.status_code == 400
    assert "no longer on the account" in response.content.decode()
    user.refresh_from_db()
    assert not user.email_confirmed


def test_an_email_used_by_another_account_is_refused(client):
    make_user("kenji", email="kenji@example.com")
    user = make_user("hana")
    client.force_login(user)

    response = client.post(
        "/accounts/settings/", {"email": "KENJI@example.com", "password": PASSWORD}
    )
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


def test_changing_the_email_needs_the_current_password_and_keeps_the_typed_address(client):
    user = make_user("hana")
    client.force_login(user)

    for password in ("not-my-password", ""):
        response = client.post(
            "/accounts/settings/", {"email": "hana@new.example", "password": password}
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert 'value="hana@new.example"' in html
        assert 'name="password"' in html
        assert password == "" or "That is not your current password" in html
    user.refresh_from_db()
    assert user.email == "hana@example.com"
    assert user.email_confirmed
    assert mail.outbox == []


def test_the_settings_form_never_shows_the_password_back(client):
    client.force_login(make_user("hana"))
    response = client.post(
        "/accounts/settings/", {"email": "not-an-address", "password": "typed-secret"}
    )
    assert response.status_code == 200
    assert "typed-secret" not in response.content.decode()


@override_settings(KOTOBA_EMAIL_CHANGE_RATE=2)
def test_email_changes_are_rate_limited_per_user_even_with_wrong_passwords(client):
    user = make_user("hana")
    client.force_login(user)
    for _ in range(2):
        client.post("/accounts/settings/", {"email": "hana@new.example", "password": "guess"})

    response = client.post(
        "/accounts/settings/", {"email": "hana@new.example", "password": PASSWORD}
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "You tried to change your address several times in the last hour" in html
    assert 'value="hana@new.example"' in html
    assert "That is not your current password" not in html, "no answer about the password"
    user.refresh_from_db()
    assert user.email == "hana@example.com"
    assert mail.outbox == []

    # Another person is not affected.
    other = CommittingClient()
    other.force_login(make_user("kenji"))
    response = other.post(
        "/accounts/settings/", {"email": "kenji@new.example", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_an_address_taken_while_changing_is_refused_without_a_mail(client, monkeypatch):
    make_user("kenji", email="kenji@example.com")
    user = make_user("hana")
    client.force_login(user)
    monkeypatch.setattr(
        "accounts.forms.EmailChangeForm.clean_email", lambda form: "KENJI@example.com"
    )

    response = client.post(
        "/accounts/settings/", {"email": "KENJI@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Another account uses that address." in html
    assert "Your address: <strong>hana@example.com</strong>" in html
    user.refresh_from_db()
    assert user.email == "hana@example.com"
    assert user.email_confirmed
    assert mail.outbox == []


@override_settings(KOTOBA_SIGNUP_RATE=1, KOTOBA_CLIENT_IP_HEADER="X-Forwarded-For")
def test_behind_a_proxy_sign_ups_are_counted_per_forwarded_address():
    def sign_up_from(forwarded, name):
        visitor = CommittingClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
        return visitor.post(SIGNUP_URL, signup_data(username=name, email=f"{name}@example.com"))

    assert sign_up_from("203.0.113.5", "one").status_code == 302
    assert sign_up_from("203.0.113.5", "two").status_code == 429
    assert sign_up_from("9.9.9.9, 203.0.113.5", "two").status_code == 429
    assert sign_up_from("198.51.100.7", "two").status_code == 302
