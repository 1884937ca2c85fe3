"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

Outside CI, with no Chromium installed, they skip with one line. Under CI=true they run
(.ci/run installs chromium), and a missing browser fails them.
Every page they visit is watched: no console errors, no failed requests, and no request to
any host but the test server.
"""

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import override_settings
from django.test.testcases import LiveServerThread

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "demo-Browser-passw0rd"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    browser_items = [item for item in items if here in Path(str(item.fspath)).parents]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
        # Under pytest-xdist (--dist loadgroup) one worker drives Chromium, one test at a
        # time, while the others run the rest: two browsers at once on two cores would
        # starve each other and their live servers.
        item.add_marker(pytest.mark.xdist_group("browser"))
    if not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true":
        skip = pytest.mark.skip(
            reason=f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
        )
        for item in browser_items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


class PageWatch:
    """Collects what must not happen on any page."""

    def __init__(self, origin: str):
        self.origin = origin
        self.problems: list[str] = []
        self.expected_statuses: set[int] = set()

    def attach(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)
        page.on("response", self._response)
        return page

    def _console(self, message):
        expected = any(f"status of {code} " in message.text for code in self.expected_statuses)
        if message.type == "error" and not expected:
            self.problems.append(f"console error on {message.location.get('url')}: {message.text}")

    def _failed(self, request):
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:
            # Cancelled by the browser (the page moved on: a navigation, a superseded
            # suggestion, a preview or favicon cut off by leaving). A resource that really
            # fails shows as an HTTP error status (_response) or another net error.
            return
        self.problems.append(f"request failed: {request.url} ({failure})")

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"request to another host: {request.url}")

    def _response(self, response):
        status = response.status
        if status >= 400 and status not in self.expected_statuses:
            self.problems.append(f"HTTP {status} for {response.url}")

    def check(self):
        assert not self.problems, "\n".join(self.problems)


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server answers on threads, but with the in-memory SQLite database of the
    tests they all share one connection, and two requests using it at once fail ("bad
    parameter or other API misuse"). Pages now load pictures through the media view, which
    asks the database, several at a time: the application runs one request at a time (the
    threads still accept connections, so a browser's kept-alive ones block nothing)."""

    def set_app(self, application):
        lock = threading.Lock()

        def one_at_a_time(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


@pytest.fixture(scope="session", autouse=True)
def _live_server_one_request_at_a_time():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LiveServerThread, "server_class", _OneRequestAtATime)
        yield


@pytest.fixture
def demo(live_server, django_db_blocker):
    """The demo wiki (as `make run` loads it), with a known password for the demo users."""
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock(), override_settings(DEBUG=True):
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        for user in get_user_model().objects.filter(username__in=["moderator", "editor", "newbie"]):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    return live_server


@pytest.fixture
def watch(live_server):
    return PageWatch(live_server.url)


@pytest.fixture
def browse(context, watch):
    """A watched page in the default browser context; problems fail the test at the end."""
    page = watch.attach(context.new_page())
    yield page
    watch.check()


@pytest.fixture
def new_watched_page(browser, watch):
    """Pages in fresh, separate browser contexts (another person), also watched."""
    contexts = []

    def make(**options):
        ctx = browser.new_context(**options)
        contexts.append(ctx)
        return watch.attach(ctx.new_page())

    yield make
    for ctx in contexts:
        ctx.close()


def screenshot(page, name: str, *, readme: bool = False) -> Path:
    """Save a screenshot to artifacts/; with KOTOBA_README_SCREENSHOTS=1 also to docs/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if readme and os.environ.get("KOTOBA_README_SCREENSHOTS") == "1":
        docs = ROOT / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(docs / f"{name}.png"), full_page=False)
    return path


def sign_in(page, base_url: str, username: str, password: str = DEMO_PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (installed from npm, injected from disk) and return serious findings."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm install` (make test does)")
    page.wait_for_load_state("networkidle")  # e.g. the editor's first preview has landed
    if not page.evaluate("typeof window.axe === 'object'"):  # once per page load
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
