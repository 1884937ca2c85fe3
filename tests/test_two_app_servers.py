"""Two app servers behind one address act as one site: what is done through one is seen
through the other at once, with no sticky sessions.

Two gunicorn servers on two ports share the test database (PostgreSQL) and Redis, as several
app servers behind a load balancer do. A change made through one is read through the other
straight away; a session made on one works on the other; a rate limit counted through one
applies through the other. With DATABASE_REPLICA_URLS set (make test-replica) the servers read
from the standby as configured, and the same holds.

Marked `scaleout`. Runs in the PostgreSQL run of `make test` when Redis answers at REDIS_URL
(default redis://127.0.0.1:6379/0); skips otherwise, except under CI=true, where a missing Redis
is a failure. Each run uses its own ports, titles and client address, so nothing it leaves in
Redis can meet another run.
"""

import http.client
import http.cookies
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse

from tests.factories import PASSWORD, edit_form_data, make_article, make_user

BASE_DIR = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
RESET_RATE = 2  # password reset requests per client address per hour, on both servers


def _redis_problem() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer at {REDIS_URL}: {exc}"
    return ""


def _why_skip() -> str:
    if connection.vendor != "postgresql":
        return "the servers share a PostgreSQL test database (this is the SQLite run)"
    return _redis_problem()


_skip = _why_skip()
if _skip and connection.vendor == "postgresql" and os.environ.get("CI") == "true":
    pytest.fail(f"CI=true: {_skip}", pytrace=False)
pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(bool(_skip), reason=_skip or "-"),
    pytest.mark.django_db(transaction=True, databases="__all__"),
]


# Two servers ---------------------------------------------------------------------------------


def _url(params: dict) -> str:
    user = urllib.parse.quote(params["USER"] or "", safe="")
    password = urllib.parse.quote(params["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{credentials}{params['HOST']}:{params['PORT'] or 5432}/{params['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _environment() -> dict:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "KOTOBA_", "DATABASE_")) and key != "REDIS_URL"
    }
    env = {
        **inherited,
        # The test settings: the test hasher (the accounts are made here), no manifest storage.
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # one key for both, as in production
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DATABASE_URL": _url(connections["default"].settings_dict),
        "DJANGO_DB_CONN_MAX_AGE": "0",  # no connection left open when the test database goes
        "REDIS_URL": REDIS_URL,
        "KOTOBA_CLIENT_IP_HEADER": "X-Forwarded-For",
        "KOTOBA_PASSWORD_RESET_RATE": str(RESET_RATE),
    }
    if settings.KOTOBA_READ_REPLICAS:
        env["DATABASE_REPLICA_URLS"] = ",".join(
            _url(connections[alias].settings_dict) for alias in settings.KOTOBA_READ_REPLICAS
        )
    return env


def _start(env: dict, log: Path) -> Server:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
    return Server(port, process, log)


def _wait_until_up(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn on {server.port} exited:\n{server.log_tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            conn.request("GET", "/robots.txt")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn on {server.port} did not answer:\n{server.log_tail()}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    env = _environment()
    logs = tmp_path_factory.mktemp("gunicorn")
    started = []
    try:
        for name in ("a", "b"):
            started.append(_start(env, logs / f"{name}.log"))
        for server in started:
            _wait_until_up(server)
        yield started
        for server in started:
            log = server.log.read_text(errors="replace")
            assert "Traceback" not in log, f"server {server.port}:\n{server.log_tail()}"
    finally:
        for server in started:
            _stop(server)


# A browser, one cookie jar for every server of the site -------------------------------------


@dataclass
class Page:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def csrf_token(self) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text).group(1)


@dataclass
class Browser:
    """Cookies, as a browser keeps them for the site's one address; the load balancer in front
    sends each request to whichever server it likes. Redirects are not followed."""

    address: str = "203.0.113.7"
    cookies: dict = field(default_factory=dict)

    def get(self, server: Server, path: str) -> Page:
        return self._request(server, "GET", path)

    def post(self, server: Server, path: str, form: dict, *, csrf_from: Page) -> Page:
        return self._request(
            server, "POST", path, {**form, "csrfmiddlewaretoken": csrf_from.csrf_token}
        )

    def _request(self, server: Server, method: str, path: str, form: dict | None = None) -> Page:
        headers = {"X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Page(response.status, response.headers, text)

    def sign_in(self, server: Server, username: str) -> None:
        login = self.get(server, reverse("login"))
        answer = self.post(
            server,
            reverse("login"),
            {"username": username, "password": PASSWORD},
            csrf_from=login,
        )
        assert answer.status == 302, answer.text[:500]


# The tests -----------------------------------------------------------------------------------


def test_an_edit_saved_through_one_server_is_read_through_the_other_at_once(servers):
    a, b = servers
    token = secrets.token_hex(4)
    editor = make_user(f"editor-{token}", trust="autoconfirmed")
    article = make_article(f"Scale-out {token}", body="The first wording.")
    url = article.get_absolute_url()
    reader = Browser()
    assert "The first wording." in reader.get(b, url).text  # now also in B's page cache

    browser = Browser()
    browser.sign_in(a, editor.username)
    edit_url = reverse("article_edit", args=[article.slug])
    form = browser.get(a, edit_url)
    saved = browser.post(
        a, edit_url, edit_form_data(article, body=f"The second wording {token}."), csrf_from=form
    )
    assert saved.status == 302, saved.text[:500]

    # No wait: the other server, its page cache included, answers with the edit.
    assert f"The second wording {token}." in reader.get(b, url).text
    assert f"The second wording {token}." in browser.get(b, url).text


def test_a_session_made_on_one_server_works_on_the_other(servers):
    a, b = servers
    user = make_user(f"session-{secrets.token_hex(4)}", trust="new")
    browser = Browser()
    browser.sign_in(a, user.username)

    on_b = browser.get(b, reverse("account_settings"))
    assert on_b.status == 200
    assert user.username in on_b.text

    signed_out = browser.post(b, reverse("logout"), {}, csrf_from=on_b)
    assert signed_out.status == 302
    assert browser.get(a, reverse("account_settings")).status == 302  # to the sign-in page


def test_a_rate_limit_counted_through_one_server_applies_through_the_other(servers):
    a, b = servers
    for _attempt in range(2):  # once more if an hour's window ended in the middle
        hour = int(time.time() // 3600)
        network = ":".join(secrets.token_hex(2) for _ in range(2))  # one /64 of 2^32
        browser = Browser(address=f"2001:db8:{network}::1")
        form = {"email": f"nobody-{secrets.token_hex(6)}@example.com"}
        page = browser.get(a, reverse("password_reset"))
        answers = [
            browser.post(server, reverse("password_reset"), form, csrf_from=page).status
            for server in [a] * RESET_RATE + [b]
        ]
        if int(time.time() // 3600) == hour:
            break
    assert answers == [302] * RESET_RATE + [429]
