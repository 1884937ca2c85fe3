"""Signing in and out through the real forms, and django-axes' login throttling.

Everywhere else tests use force_login; here the point is the login form itself.
"""

from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
IP = "203.0.113.9"


@pytest.fixture
def hana(db):
    return make_user("hana")


@pytest.fixture
def visitor():
    return Client(REMOTE_ADDR=IP)


def sign_in(visitor, password=PASSWORD, username="hana", **extra):
    return visitor.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def signed_in_user_id(visitor):
    return visitor.session.get("_auth_user_id")


def fail_until_locked(visitor):
    """Wrong passwords up to the limit; the last one is already answered with the lockout."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(visitor, password="wrong-password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    return sign_in(visitor, password="wrong-password")


def axes_clock(moment):
    """Move the clock that axes stamps and judges attempts with (request.axes_attempt_time)."""
    return mock.patch("axes.handlers.proxy.now", return_value=moment)


# Signing in --------------------------------------------------------------------------------


def test_the_login_page_has_username_and_password_fields(visitor):
    html = visitor.get(LOGIN_URL).content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html


def test_signing_in_with_username_and_password(visitor, hana):
    response = sign_in(visitor)
    assert response.status_code == 302
    assert response.url == "/"
    assert signed_in_user_id(visitor) == str(hana.pk)


def test_signing_in_ignores_the_case_of_the_username(visitor, hana):
    response = sign_in(visitor, username="HANA")
    assert response.status_code == 302
    assert signed_in_user_id(visitor) == str(hana.pk)


def test_signing_in_goes_back_to_the_page_asked_for(visitor, hana):
    response = visitor.post(
        LOGIN_URL, {"username": "hana", "password": PASSWORD, "next": "/wiki/new/"}
    )
    assert response.status_code == 302
    assert response.url == "/wiki/new/"


def test_signing_in_never_sends_the_user_to_another_site(visitor, hana):
    response = visitor.post(
        LOGIN_URL, {"username": "hana", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response.url == "/"


def test_a_wrong_password_is_refused_with_the_form_again(visitor, hana):
    response = sign_in(visitor, password="not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert signed_in_user_id(visitor) is None


def test_an_inactive_user_cannot_sign_in(visitor):
    make_user("hana", is_active=False)
    response = sign_in(visitor)
    assert response.status_code == 200
    assert signed_in_user_id(visitor) is None


# Signing out -------------------------------------------------------------------------------


def test_signing_out_by_get_does_not_sign_out(visitor, hana):
    sign_in(visitor)
    response = visitor.get("/accounts/logout/")
    assert response.status_code == 405
    assert signed_in_user_id(visitor) == str(hana.pk)


def test_signing_out_by_post_signs_out(visitor, hana):
    sign_in(visitor)
    response = visitor.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == "/"
    assert signed_in_user_id(visitor) is None


def test_every_page_offers_sign_out_as_a_post_form(visitor, hana):
    sign_in(visitor)
    html = visitor.get("/").content.decode()
    assert '<form action="/accounts/logout/" method="post"' in html


# Throttling --------------------------------------------------------------------------------


def test_the_limit_of_wrong_passwords_locks_the_login_even_with_the_right_password(visitor, hana):
    response = fail_until_locked(visitor)
    assert response.status_code == 429

    response = sign_in(visitor)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert signed_in_user_id(visitor) is None


def test_changing_the_case_of_the_username_does_not_escape_the_lockout(visitor, hana):
    for spelling in ("hana", "Hana", "HANA", "hAnA", "HaNa"):
        sign_in(visitor, password="wrong-password", username=spelling)

    response = sign_in(visitor, username="HANA")

    assert response.status_code == 429
    assert signed_in_user_id(visitor) is None


def test_the_lockout_message_says_when_to_retry(visitor, hana):
    fail_until_locked(visitor)
    before = timezone.now()
    response = sign_in(visitor)
    after = timezone.now()

    html = response.content.decode()
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"paused for {minutes} minutes" in html
    assert "Each attempt before then starts the pause again" in html
    expected = {
        f"Try again after {(moment + settings.AXES_COOLOFF_TIME):%H:%M} (UTC)"
        for moment in (before, after)
    }
    assert any(text in html for text in expected), html


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_retry_time_is_given_in_the_sites_time_zone(visitor, hana):
    fail_until_locked(visitor)
    before = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    response = sign_in(visitor)
    after = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)

    html = response.content.decode()
    expected = {f"Try again after {moment:%H:%M} (JST)" for moment in (before, after)}
    assert any(text in html for text in expected), html


def test_fewer_wrong_passwords_than_the_limit_do_not_lock(visitor, hana):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(visitor, password="wrong-password")
    response = sign_in(visitor)
    assert response.status_code == 302
    assert signed_in_user_id(visitor) == str(hana.pk)


def test_a_successful_login_resets_the_count_of_failures(visitor, hana):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(visitor, password="wrong-password")
    sign_in(visitor)
    visitor.post("/accounts/logout/")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(visitor, password="wrong-password").status_code == 200
    assert sign_in(visitor).status_code == 302


def test_the_lockout_still_holds_just_before_the_cool_off_ends(visitor, hana):
    fail_until_locked(visitor)
    locked_at = AccessAttempt.objects.get(username="hana").attempt_time

    with axes_clock(locked_at + settings.AXES_COOLOFF_TIME - timedelta(minutes=1)):
        response = sign_in(visitor)
    assert response.status_code == 429
    assert signed_in_user_id(visitor) is None


def test_the_right_password_works_again_after_the_cool_off(visitor, hana):
    fail_until_locked(visitor)
    locked_at = AccessAttempt.objects.get(username="hana").attempt_time

    with axes_clock(locked_at + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        response = sign_in(visitor)
    assert response.status_code == 302
    assert signed_in_user_id(visitor) == str(hana.pk)


def test_the_cool_off_is_never_a_permanent_lockout():
    assert settings.AXES_COOLOFF_TIME is not None
    assert timedelta(0) < settings.AXES_COOLOFF_TIME <= timedelta(hours=1)


def test_the_lockout_is_for_the_username_from_that_address_only(visitor, hana):
    fail_until_locked(visitor)

    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(elsewhere).status_code == 302

    make_user("kenji")
    assert sign_in(visitor, username="kenji").status_code == 302


def test_an_attempt_during_the_lockout_starts_the_cool_off_again(visitor, hana):
    # As the lockout page says: axes records the refused attempt and restarts the pause.
    fail_until_locked(visitor)
    locked_at = AccessAttempt.objects.get(username="hana").attempt_time
    retried_at = locked_at + settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    with axes_clock(retried_at):
        assert sign_in(visitor).status_code == 429

    assert AccessAttempt.objects.get(username="hana").attempt_time == retried_at

    with axes_clock(retried_at + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        assert sign_in(visitor).status_code == 302


# The client address sign-in throttling and rate limits count ----------------------------------


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"REMOTE_ADDR": "203.0.113.9"}, "203.0.113.9"),
        ({"REMOTE_ADDR": "2001:db8:1:2:aaaa:bbbb:cccc:dddd"}, "2001:db8:1:2::"),
        ({"REMOTE_ADDR": "::ffff:203.0.113.9"}, "203.0.113.9"),
        ({"REMOTE_ADDR": "not an address"}, ""),
        ({}, ""),
        # Without a configured header, a forwarded address is the client's word: ignored.
        ({"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, "10.0.0.2"),
    ],
)
def test_the_client_address_is_remote_addr_by_default(rf, meta, expected):
    from accounts.ratelimit import client_ip

    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    assert client_ip(request) == expected


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client wrote the left part
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.3", "198.51.100.1"),
        (1, " 2001:db8:5:6::1 ", "2001:db8:5:6::"),
        (2, "198.51.100.1", "10.0.0.2"),  # fewer entries than proxies: not from them
        (1, "", "10.0.0.2"),
        (1, "unknown", "10.0.0.2"),
        (1, "198.51.100.1, garbage", "10.0.0.2"),
        (1, "198.51.100.1:443", "10.0.0.2"),
    ],
)
def test_behind_proxies_the_address_is_read_from_the_right_of_the_header(
    rf, proxies, forwarded, expected
):
    from accounts.ratelimit import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(
        KOTOBA_CLIENT_IP_HEADER="X-Forwarded-For", KOTOBA_TRUSTED_PROXY_COUNT=proxies
    ):
        assert client_ip(request) == expected


@override_settings(KOTOBA_CLIENT_IP_HEADER="X-Forwarded-For")
def test_behind_a_proxy_the_lockout_is_for_the_forwarded_address(hana):
    proxy = "10.0.0.2"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert fail_until_locked(attacker).status_code == 429

    # The same client cannot escape by writing another address in front of the proxy's.
    forging = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66")
    assert sign_in(forging).status_code == 429

    # Everyone else behind the same proxy still signs in.
    neighbour = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert sign_in(neighbour).status_code == 302


def test_ipv6_addresses_of_one_64_network_share_a_lockout(hana):
    assert fail_until_locked(Client(REMOTE_ADDR="2001:db8:1:2::10")).status_code == 429

    assert sign_in(Client(REMOTE_ADDR="2001:db8:1:2:ffff::99")).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="2001:db8:1:3::10")).status_code == 302
