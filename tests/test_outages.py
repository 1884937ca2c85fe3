"""Outages degrade, never corrupt.

Redis on a closed port: reading, saving, preview, reports and sign-up still work, and rate limits
still hold, counted per process. SMTP on a closed port: sign-up, email change, password reset and
moderation decisions all complete, the failure is logged, and the mail can be sent again. Mail
leaves only after commit: a decision that rolls back mails nobody. A failed mail is queued again
when the task backend can defer, and with the database queue it is sent once SMTP is back.
"""

import logging
import re
import socket
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus, task_backends
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import config.cache
from accounts import ratelimit
from accounts.mail import MAX_ATTEMPTS, RETRY_DELAYS, send_message
from accounts.models import Notice
from tests.clients import CommittingClient
from tests.factories import PASSWORD, edit, edit_form_data, make_article, make_user
from wiki import moderation
from wiki.models import Report, RevisionStatus

pytestmark = pytest.mark.django_db

User = get_user_model()
SIGNUP_URL = "/accounts/signup/"
CONFIRM_LINK = re.compile(r"http://testserver(/accounts/confirm/[^/\s]+/)")
RESILIENT = "config.cache.ResilientRedisCache"
DJANGOS_OWN = "django.core.cache.backends.redis.RedisCache"
DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


def closed_port() -> int:
    """A local TCP port nobody listens on: bound for a moment, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cache(backend: str, port: int, timeout: float = 0.2) -> dict:
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    location = f"redis://127.0.0.1:{port}/0"
    return {"default": {"BACKEND": backend, "LOCATION": location, "OPTIONS": options}}


@pytest.fixture(autouse=True)
def _quiet_state():
    """Fresh fallback counters and log throttles: each test sees its own first warning."""
    for reset in (ratelimit.local_counts.clear, ratelimit.warn.reset, config.cache.warn.reset):
        reset()
    yield
    ratelimit.local_counts.clear()


@pytest.fixture(params=[RESILIENT, DJANGOS_OWN], ids=["kotoba-cache", "djangos-redis-cache"])
def redis_down(request):
    """The cache points at Redis on a closed port: Kotoba's backend, and Django's own (whose
    errors only the rate limiter catches)."""
    with override_settings(CACHES=redis_cache(request.param, closed_port())):
        yield


@contextmanager
def smtp_down():
    port = closed_port()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    with override_settings(MAILERS=mailers):
        yield


def mail_failures(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "accounts.mail"]


def signup_data(name="hana") -> dict:
    return {
        "username": name,
        "email": f"{name}@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "website": "",
    }


def can_sign_in(username: str) -> bool:
    visitor = Client()
    visitor.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return "_auth_user_id" in visitor.session


@pytest.fixture
def client():
    return CommittingClient()


@pytest.fixture
def article(moderator):
    return make_article("Moe", author=moderator, body="Moe is affection for characters.")


@pytest.fixture
def pending(article, newbie):
    return edit(article, newbie, body="Moe is a strong affection for characters.").revision


# --- Redis unreachable -----------------------------------------------------------------------


def test_reading_an_article_works_while_redis_is_down(redis_down, client, article, newbie):
    assert "Moe is affection" in client.get(article.get_absolute_url()).content.decode()
    client.force_login(newbie)
    assert client.get(article.get_absolute_url()).status_code == 200


def test_saving_an_edit_works_while_redis_is_down(redis_down, client, article, autoconfirmed):
    client.force_login(autoconfirmed)
    data = edit_form_data(article, body="Moe, saved while Redis was down.")
    response = client.post(reverse("article_edit", args=[article.slug]), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published_revision.body == "Moe, saved while Redis was down."


def test_the_preview_works_while_redis_is_down(redis_down, client, autoconfirmed):
    client.force_login(autoconfirmed)
    response = client.post("/markdownx/markdownify/", {"content": "**bold** move"})
    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.content.decode()


def test_a_report_is_filed_while_redis_is_down(redis_down, client, article, newbie):
    client.force_login(newbie)
    response = client.post(
        reverse("report", args=[article.slug]), {"reason": "wrong", "text": "Needs a source"}
    )
    assert response.status_code == 302
    assert Report.objects.get().text == "Needs a source"


def test_signing_up_works_while_redis_is_down(redis_down, client):
    response = client.post(SIGNUP_URL, signup_data())

    assert response.status_code == 302
    assert User.objects.filter(username="hana").exists()
    assert [m.to for m in mail.outbox] == [["hana@example.com"]]


@override_settings(KOTOBA_SIGNUP_RATE=2)
def test_limits_still_hold_per_process_and_the_outage_is_logged_once(redis_down, caplog):
    statuses = [
        CommittingClient(REMOTE_ADDR="203.0.113.5").post(SIGNUP_URL, signup_data(name)).status_code
        for name in ("one", "two", "three")
    ]
    assert statuses == [302, 302, 429]
    assert not User.objects.filter(username="three").exists()

    warnings = [r for r in caplog.records if r.name == "accounts.ratelimit"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "counted per process" in warnings[0].getMessage()


def test_kotobas_redis_cache_misses_drops_writes_and_refuses_to_count(caplog):
    with override_settings(CACHES=redis_cache(RESILIENT, closed_port())):
        assert cache.get("key", "default") == "default"
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("key") is False
        assert cache.add("key", 1) is False
        assert cache.set("key", 1) is None
        assert cache.get_or_set("key", "fresh") == "fresh"
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.delete("key") is False
        with pytest.raises(config.cache.CacheUnavailable):
            cache.incr("key")
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1, "one line per outage, not one per call"
    assert "Redis cache unreachable" in warnings[0].getMessage()


def test_a_hung_redis_costs_one_short_timeout_not_one_per_call():
    # A server that accepts connections and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        with override_settings(CACHES=redis_cache(RESILIENT, port, timeout=0.2)):
            started = time.monotonic()
            for n in range(10):
                assert cache.get(f"key{n}") is None
                assert ratelimit.hit("test", "me", limit=5, window=60) is (n < 5)
            elapsed = time.monotonic() - started
    assert elapsed < 2, f"20 cache calls took {elapsed:.1f}s"


def test_kotobas_redis_cache_works_against_a_live_redis():
    with socket.socket() as probe:
        probe.settimeout(0.2)
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.skip("no Redis on 127.0.0.1:6379")
    caches = redis_cache(RESILIENT, 6379)
    caches["default"]["KEY_PREFIX"] = f"kotoba-test-{time.monotonic_ns()}"
    with override_settings(CACHES=caches):
        try:
            cache.set("word", "kotoba", timeout=30)
            assert cache.get("word") == "kotoba"
            assert [ratelimit.hit("test", "me", limit=2, window=60) for _ in range(3)] == [
                True,
                True,
                False,
            ]
        finally:
            cache.clear()
    assert len(ratelimit.local_counts._cache) == 0, "counted in Redis, not locally"


# --- SMTP unreachable ------------------------------------------------------------------------


def test_signing_up_completes_while_smtp_is_down_and_the_link_can_be_sent_again(client, caplog):
    with smtp_down():
        response = client.post(SIGNUP_URL, signup_data(), follow=True)

    assert response.status_code == 200
    assert "we sent a link to <strong>hana@example.com</strong>" in response.content.decode()
    user = User.objects.get(username="hana")
    assert not user.email_confirmed
    assert can_sign_in("hana")
    assert mail.outbox == []
    assert any("was not sent" in line for line in mail_failures(caplog))

    # Mail works again: the profile offers a new link, and it confirms the address.
    profile = client.get("/users/hana/").content.decode()
    assert "Resend the confirmation link" in profile
    client.post("/accounts/confirm-resend/", {"next": "/users/hana/"})
    client.post(CONFIRM_LINK.search(mail.outbox[0].body).group(1))
    user.refresh_from_db()
    assert user.email_confirmed


def test_changing_the_email_completes_while_smtp_is_down(client, caplog):
    user = make_user("hana")
    client.force_login(user)
    with smtp_down():
        response = client.post(
            "/accounts/settings/", {"email": "hana@new.example", "password": PASSWORD}
        )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "hana@new.example"
    assert not user.email_confirmed
    assert any("was not sent" in line for line in mail_failures(caplog))
    assert "Resend the confirmation link" in client.get("/users/hana/").content.decode()


def test_a_password_reset_is_answered_while_smtp_is_down(client, caplog):
    make_user("hana")
    with smtp_down():
        response = client.post("/accounts/password/reset/", {"email": "hana@example.com"})

    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"
    assert any("was not sent" in line for line in mail_failures(caplog))


@pytest.mark.parametrize(
    ("decision", "status"),
    [("accept", RevisionStatus.ACCEPTED), ("reject", RevisionStatus.REJECTED)],
)
def test_a_moderators_decision_is_committed_while_smtp_is_down(
    client, moderator, newbie, pending, caplog, decision, status
):
    client.force_login(moderator)
    with smtp_down():
        response = client.post(
            reverse("admin:wiki_revision_review", args=[pending.pk]),
            {"decision": decision, "reason": "No source"},
        )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == status
    assert Notice.objects.filter(user=newbie).count() == 1
    assert any("was not sent" in line for line in mail_failures(caplog))


# --- Mail leaves after commit, and only then ---------------------------------------------------


def test_a_decision_that_rolls_back_mails_nobody(
    moderator, newbie, pending, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        moderation.accept_chain(pending, moderator=moderator)
        raise RuntimeError("something after the decision failed")

    assert callbacks == []
    assert mail.outbox == []
    pending.refresh_from_db()
    assert pending.status == RevisionStatus.PENDING
    assert not Notice.objects.exists()


def test_a_committed_decision_mails_its_author(
    moderator, newbie, pending, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.accept_chain(pending, moderator=moderator)
        assert mail.outbox == [], "nothing is sent before the commit"
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[newbie.email]]


# --- Retries -----------------------------------------------------------------------------------


@override_settings(TASKS=DUMMY_TASKS)
def test_the_mail_is_enqueued_when_the_sign_up_commits(client):
    client.post(SIGNUP_URL, signup_data())

    [queued] = task_backends["default"].results
    assert queued.task.func is send_message.func
    assert queued.kwargs["to"] == ["hana@example.com"]
    assert queued.kwargs["subject"] == "Confirm your email for Kotoba"


@override_settings(TASKS=DUMMY_TASKS)
def test_a_failed_mail_is_queued_again_later_with_growing_delays(caplog):
    backend = task_backends["default"]
    message = {"subject": "Hello", "body": "Text", "to": ["hana@example.com"]}
    with smtp_down():
        for attempt, delay in enumerate(RETRY_DELAYS, start=1):
            before = timezone.now()
            with pytest.raises(OSError):
                send_message.call(**message, attempt=attempt)
            retry = backend.results[-1]
            assert retry.kwargs == {**message, "attempt": attempt + 1}
            assert before + timedelta(seconds=delay) <= retry.task.run_after
            assert retry.task.run_after <= timezone.now() + timedelta(seconds=delay)

        queued = len(backend.results)
        with pytest.raises(OSError):
            send_message.call(**message, attempt=MAX_ATTEMPTS)
    assert len(backend.results) == queued, "no retry after the last attempt"
    lines = mail_failures(caplog)
    assert sum("trying again" in line for line in lines) == len(RETRY_DELAYS)
    assert "no more retries" in lines[-1]


def test_without_deferred_tasks_a_failed_mail_is_logged_once_and_not_retried(caplog):
    with smtp_down(), pytest.raises(OSError):
        send_message.call(subject="Hello", body="Text", to=["hana@example.com"])
    [line] = mail_failures(caplog)
    assert "was not sent (attempt 1, no more retries)" in line


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_queue_a_mail_that_failed_goes_out_once_smtp_is_back():
    def run_worker():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    assert Client().post(SIGNUP_URL, signup_data()).status_code == 302
    queued = DBTaskResult.objects.get()
    assert queued.status == TaskResultStatus.READY
    assert mail.outbox == [], "the request only queues the mail"

    with smtp_down():
        run_worker()
    failed = DBTaskResult.objects.get(pk=queued.pk)
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert failed.status == TaskResultStatus.FAILED
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > timezone.now()

    run_worker()  # not due yet: nothing happens
    assert mail.outbox == []

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    assert DBTaskResult.objects.get(pk=retry.pk).status == TaskResultStatus.SUCCESSFUL
    [message] = mail.outbox
    Client().post(CONFIRM_LINK.search(message.body).group(1))
    assert User.objects.get(username="hana").email_confirmed
