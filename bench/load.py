"""Load check: mixed traffic against `make serve` for a while, and every error it caused.

    make load                                   # 60 s, 8 clients, SQLite in a temporary file
    make load SECONDS=15 CLIENTS=4
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kotoba_load make load
    .venv/bin/python bench/load.py --help       # --seed, --hostile-share, --slow, --keep-database

Set-up: a fresh database (a temporary SQLite file, or the PostgreSQL database named in
DATABASE_URL, which must not exist yet: it is created, and dropped at the end), migrated, with
the demo content (loaded with DEBUG on, as load_demo requires) and accounts made for the run:
four autoconfirmed editors, one new editor whose edits wait for review, a moderator. The per-user
rate limits are raised through their environment variables, so the run measures errors rather
than the limiter (a 429 is still reported apart); mail goes to files, never to a mail server.
Then `make serve` (DJANGO_DEBUG=0, gunicorn and the task worker) runs on a free port in its own
process group, its output in a log file; --clients threads send requests as fast as it answers
for --seconds: anonymous reads of every kind of page, searches (title hits, full-text words,
misspellings, odd characters and bytes), signed-in sessions (sign-in, edit form, live previews,
saves, sometimes from a stale base so that edits merge or conflict, conflicts saved again), a
moderator reviewing and accepting, and a trickle of ~20 KB hostile previews. The server group is
stopped at the end, also on Ctrl-C, SIGTERM or a failed start.

The report gives, per kind of request, the count, p50/p95/p99/max latency and status codes;
every answer outside 2xx/3xx and every connection error or timeout, with its URL and payload;
expected refusals apart (409 edit conflicts, 422 from a preview declining hostile markup), as
well as probes answered as intended (400 for a NUL byte, 404 for missing pages) and any 429;
answers slower than --slow seconds (a hostile preview that slow counts as a failure); and the
tracebacks, ERROR/CRITICAL lines and 5xx of the server log, which is kept and named.

Exit status: 0 when nothing unexpected happened, 1 otherwise (so it can serve as a check), 2
when the set-up failed, 130 when interrupted. Standard library only: the set-up and the server
run in subprocesses of the project's Python.
"""

import argparse
import functools
import http.client
import http.cookiejar
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNLIMITED = "1000000"
RATE_LIMITS = (
    "KOTOBA_EDIT_RATE_NEW",
    "KOTOBA_EDIT_RATE_AUTOCONFIRMED",
    "KOTOBA_PREVIEW_RATE",
    "KOTOBA_REPORT_RATE",
)
JSON_MARK = "KOTOBA-LOAD-JSON "

# Run by `manage.py shell -c` on the fresh database: the accounts for the run, and what the
# clients need to know about the content (printed as one JSON line).
SETUP_CODE = r"""
import json, os, re
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from accounts.groups import ensure_moderators_group
from wiki.models import Alias, Article, RevisionStatus, Tag

User = get_user_model()
password = os.environ["KOTOBA_LOAD_PASSWORD"]
now = timezone.now()

def account(name, *, days, autoconfirmed, moderator=False):
    user = User.objects.create_user(
        name, f"{name}@example.com", password, email_confirmed_at=now,
        date_joined=now - timedelta(days=days), is_autoconfirmed=autoconfirmed,
        is_staff=moderator,
    )
    if moderator:
        user.groups.add(ensure_moderators_group())
    return name

editors = [account(f"load-editor-{i}", days=200, autoconfirmed=True) for i in range(1, 5)]
newbie = account("load-newbie", days=1, autoconfirmed=False)
moderator = account("load-moderator", days=400, autoconfirmed=True, moderator=True)

articles, words = [], set()
for article in Article.objects.published().select_related("published_revision").order_by("pk"):
    body = article.published_revision.body
    words.update(w.lower() for w in re.findall(r"[A-Za-z]{6,}", body))
    for extra in (article.published_revision.original_script, article.published_revision.reading):
        if extra:
            words.add(extra)
    articles.append({
        "slug": article.slug,
        "title": article.title,
        "protected": article.protection != "none",
        "numbers": sorted(article.revisions.filter(status=RevisionStatus.ACCEPTED)
                          .values_list("number", flat=True)),
        "aliases": list(Alias.objects.filter(article=article).values_list("name", flat=True)),
    })
print("KOTOBA-LOAD-JSON " + json.dumps({
    "editors": editors,
    "newbie": newbie,
    "moderator": moderator,
    "articles": articles,
    "tags": list(Tag.objects.order_by("pk").values_list("slug", flat=True)),
    "words": sorted(words),
    "users": list(User.objects.order_by("pk").values_list("username", flat=True)),
}))
"""

# Queries a search box meets: syntax of websearch/tsquery, LIKE wildcards, markup, scripts
# other than Latin, strings that grow under casefold/NFKC, whitespace, very long input.
# fmt: off
ODD_QUERIES = [
    '"', "'", "\\", "%", "_", "%_%", "*", "a:*", "!", "&", "|", "a & b", "a | !b", "(", "))((",
    "-", "--", "-ntr", '"unclosed phrase', '"exact phrase" -moe', "or", "OR or OR",
    "<script>", "<b>ntr</b>", "[[Moe]]", "{{x}}", "../../etc/passwd", "'; DROP TABLE x; --",
    "😀", "👨\u200d👩\u200d👧", "寝取られ", "ツンデレ", "萌え", "ß", "ﬃ", "İstanbul", "e\u0301",
    "\u202eevil", "\u200b", " ", "\t\n", "\uffff", "a" * 300, "ntr " * 150, "x" * 2000,
    "#", "/", "?", "+",
]
# fmt: on
# Pre-encoded query strings: bytes that are not UTF-8, and escapes of escapes.
RAW_QUERIES = ["%FF%FE", "%E3%81", "%C0%AF", "%25", "%2B%2B", "%ED%A0%80", "%F4%90%80%80"]

# Previews that have made Markdown renderers super-linear; each about 20 KB.
HOSTILE = {
    "20 KB of backticks": "`" * 20000,
    "backtick runs": ("`" * 7 + " x ") * 2000,
    "20 KB of [": "[" * 20000,
    "open wikilinks": "[[" * 10000,
    "image brackets": "![" * 10000,
    "unclosed links": "[a](" * 5000,
    "nested brackets": "[" * 10000 + "]" * 10000,
    "emphasis run": "*" * 20000,
    "underscores": "_a" * 10000,
    "nested quotes": "> " * 2000 + "deep",
    "nested lists": "".join("    " * i + "- item\n" for i in range(90)),
    "1500 wikilinks": " ".join(f"[[Page {i}]]" for i in range(1500)),
    "2000 footnote refs": " ".join(f"x[^{i}]" for i in range(2000)),
    "angle brackets": "<" * 20000,
    "entity starts": "&#x" * 6000,
    "pipe table": ("|" * 100 + "\n") * 200,
    "bare URLs": "https://example.com/ " * 1000,
    "comment starts": "<!--" * 5000,
}


# Anonymous reads and searches: (weight, kind, path template). A kind ending in "(NNN
# expected)" is a probe whose right answer is NNN; everything else must answer 2xx/3xx.
READS = [
    (14, "article", "/wiki/{slug}/"),
    (2, "article, notice shown", "/wiki/{slug}/?show=1"),
    (5, "history", "/wiki/{slug}/history/"),
    (4, "old revision", "/wiki/{slug}/revisions/{n}/"),
    (4, "diff inline", "/wiki/{slug}/diff/{a}/{b}/"),
    (3, "diff side by side", "/wiki/{slug}/diff/{a}/{b}/?view=side"),
    (1, "compare", "/wiki/{slug}/compare/?a={a}&b={b}"),
    (4, "home", "/"),
    (2, "tags index", "/tags/"),
    (3, "tag page", "/tags/{tag}/"),
    (1, "tag page", "/tags/{tag}/?kind=term&page=2"),
    (1, "browse", "/wiki/"),
    (1, "browse", "/wiki/?sort=changed&kind=genre"),
    (0.5, "browse", "/wiki/?page=x"),
    (1, "recent changes", "/recent/"),
    (0.5, "recent changes", "/recent/?hide_minor=1&new=1"),
    (0.5, "recent changes", "/recent/?tag={tag}&kind=term"),
    (0.5, "recent changes", "/recent/?user={user}&page=2"),
    (1, "feed", "/recent/feed/"),
    (0.5, "feed", "/recent/feed/new-articles/"),
    (0.5, "feed", "/tags/{tag}/feed/"),
    (1, "feed", "/wiki/{slug}/history/feed/"),
    (1, "sitemap", "/sitemap.xml"),
    (1, "robots", "/robots.txt"),
    (2, "what links here", "/wiki/{slug}/links/"),
    (2, "random", "/random/"),
    (1, "alias", "/wiki/{alias}/"),
    (1, "profile", "/users/{user}/"),
    (1, "reading preferences", "/settings/reading/"),
    (1, "static file", "{static}"),
    (1, "search suggestions", "/search/suggest/?q={prefix}"),
    (1, "missing article (404 expected)", "/wiki/no-such-{rand}/"),
    (1, "missing revision (404 expected)", "/wiki/{slug}/revisions/99999/"),
]
SEARCHES = [
    (5, "search: title", "q={title}"),
    (2, "search: title, full text", "q={title}&fulltext=1"),
    (5, "search: word", "q={word}&fulltext=1"),
    (3, "search: misspelt", "q={misspelt}"),
    (2, "search: no hit", "q={gibberish}"),
    (3, "search: odd characters", "q={odd}"),
    (1, "search: odd bytes", "q={raw}"),
    (1, "search: filtered", "q={word}&kind=term&tag={tag}"),
    (1, "search: filtered", "q={word}&kind=genre"),
    (1, "search: empty", "q="),
    (0.5, "search: NUL byte (400 expected)", "q=a%00b"),
]


def expected_status(kind: str) -> set[int] | None:
    found = re.search(r"\((\d{3}) expected\)$", kind)
    return {int(found.group(1))} if found else None


# --- results -----------------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    method: str
    url: str
    status: int | None  # None: no answer (connection error or timeout)
    seconds: float
    outcome: str  # ok, refused (an expected refusal), limited (429), failure, error
    detail: str = ""


@dataclass
class Recorder:
    results: list = field(default_factory=list)
    notes: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *args, **kwargs) -> None:
        with self.lock:
            self.results.append(Result(*args, **kwargs))

    def note(self, what: str) -> None:
        with self.lock:
            self.notes[what] += 1


class Stopped(Exception):
    """The run's time is up: the client stops before sending another request."""


class PageProblem(Exception):
    """A page answered but lacked what a browser would use (a form, a token)."""


# --- HTTP --------------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx itself is the answer; callers follow when they need to


@dataclass
class Page:
    url: str
    status: int
    headers: object
    text: str


class Browser:
    """One visitor: a cookie jar, no proxy, no automatic redirects, one connection a request."""

    def __init__(self, run, *, username: str = "", role: str = "anonymous"):
        self.run = run
        self.username = username
        self.role = role
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(self.jar),
            NoRedirect,
        )

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def fetch(self, kind, path, *, data=None, headers=None, ok=None, refuse=(), follow=False):
        """Send one request and record it. Returns the Page, or None when nothing came back.

        `ok`: the statuses that are right for this request (default: any 2xx/3xx).
        `refuse`: statuses that are expected refusals (counted apart, not failures).
        `follow`: follow redirects (each hop is recorded as "(redirect target)")."""
        if time.monotonic() >= self.run.deadline:
            raise Stopped
        url = path if path.startswith("http") else self.run.base + path
        method = "GET" if data is None else "POST"
        hdrs = {"User-Agent": "kotoba-load/1", "Accept": "text/html,*/*"}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            hdrs["Origin"] = self.run.base
        request = urllib.request.Request(url, body, {**hdrs, **(headers or {})})  # noqa: S310
        start = time.perf_counter()
        try:
            try:
                with self.opener.open(request, timeout=self.run.timeout) as response:
                    status, answer, got = response.status, response.read(), response.headers
            except urllib.error.HTTPError as exc:
                status, answer, got = exc.code, exc.read(), exc.headers
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets
            reason = getattr(exc, "reason", exc)
            seconds = time.perf_counter() - start
            detail = f"{type(reason).__name__}: {reason}"
            if data is not None:
                detail += f" | payload: {summarize(data)}"
            self.run.recorder.add(kind, method, url, None, seconds, "error", detail)
            return None
        seconds = time.perf_counter() - start
        text = answer.decode("utf-8", "replace")
        if (status in ok) if ok is not None else 200 <= status < 400:
            outcome, detail = "ok", ""
        elif status in refuse:
            outcome, detail = "refused", ""
        else:
            outcome, detail = ("limited" if status == 429 else "failure"), error_text(text)
            if data is not None:
                detail += f" | payload: {summarize(data)}"
        self.run.recorder.add(kind, method, url, status, seconds, outcome, detail)
        page = Page(url, status, got, text)
        for _hop in range(5):
            if not follow or page.status not in (301, 302, 303, 307, 308):
                break
            target = urllib.parse.urljoin(page.url, page.headers.get("Location", ""))
            page = self.fetch("(redirect target)", target)
            if page is None:
                return None
        return page

    def post(self, kind, path, data, *, headers=None, **kwargs):
        """A POST as the site's pages send it: CSRF token in the header, same-origin Referer."""
        headers = {
            "X-CSRFToken": self.cookie("csrftoken"),
            "Referer": self.run.base + path,
            **(headers or {}),
        }
        return self.fetch(kind, path, data=data, headers=headers, **kwargs)


ERROR_BOX = re.compile(
    r'class="(?:form-errors|field-errors|errorlist|banner banner-error)[^"]*"'
    r"[^>]*>(.*?)</(?:div|ul)>",
    re.S,
)


def error_text(html: str) -> str:
    """What an error page says, for the report: its error boxes, else its title."""
    text = " / ".join(ERROR_BOX.findall(html))
    if not text:
        found = re.search(r"<title>(.*?)</title>", html, re.S) or re.search(r"<h1>(.*?)</h1>", html)
        text = found.group(1) if found else html[:200]
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())[:300]


def summarize(data: dict) -> str:
    parts = []
    for name, value in data.items():
        if name not in ("csrfmiddlewaretoken", "password"):
            value = str(value)
            more = f" ({len(value)} chars)" if len(value) > 40 else ""
            parts.append(f"{name}={value[:40]!r}{more}")
    return ", ".join(parts)


class FormParser(HTMLParser):
    """The forms of a page with the fields a browser would submit (no buttons)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list] = []
        self._form = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind, name = (attrs.get("type") or "text").lower(), attrs.get("name")
            if not name or kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind not in ("checkbox", "radio"):
                self._form.append((name, attrs.get("value") or ""))
            elif "checked" in attrs:
                self._form.append((name, attrs.get("value") or "on"))
        elif tag == "textarea":
            self._textarea = (attrs.get("name"), [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            value = "".join(parts)  # browsers drop the newline that follows <textarea>
            value = value[2:] if value.startswith("\r\n") else value.removeprefix("\n")
            if name and self._form is not None:
                self._form.append((name, value))
            self._textarea = None
        elif tag == "form":
            self._form = None


def form_with(page: Page, field_name: str) -> dict:
    """The fields (name -> value) of the page's form that has `field_name`."""
    parser = FormParser()
    parser.feed(page.text)
    for form in parser.forms:
        fields = dict(form)
        if field_name in fields:
            return fields
    raise PageProblem(f"{page.url} answered {page.status} without a form field {field_name!r}")


# --- traffic -----------------------------------------------------------------------------------

LOAD_MARK = re.compile(r" \(load [^()]*\)$")
MESSAGE = re.compile(r'<p class="message[^"]*">(.*?)</p>', re.S)


def paragraph_lines(body: str) -> list[int]:
    """Lines of plain paragraphs (outside code fences; not headings, lists or tables)."""
    found, fenced = [], False
    for number, line in enumerate(body.split("\n")):
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and line[:1].isalpha():
            found.append(number)
    return found


def change_line(body: str, number: int, tag: str) -> str:
    """Change one sentence: put (or replace) a marker at the end of line `number`."""
    lines = body.replace("\r\n", "\n").split("\n")
    lines[number] = LOAD_MARK.sub("", lines[number]) + f" (load {tag})"
    return "\n".join(lines)


def misspell(word: str, rng: random.Random) -> str:
    letters = list(word.lower())
    if len(letters) < 4:
        return word + "x"
    at = rng.randrange(1, len(letters) - 2)
    how = rng.choice(("swap", "drop", "vowel"))
    if how == "swap":
        letters[at], letters[at + 1] = letters[at + 1], letters[at]
    elif how == "drop":
        del letters[at]
    else:
        letters[at] = rng.choice("aeiou")
    return "".join(letters)


def weighted(rng: random.Random, table: list[tuple]):
    """A row of `table` (its first item is the weight), without the weight."""
    row = rng.choices(table, weights=[r[0] for r in table])[0]
    return row[1:]


class Client:
    """One concurrent visitor: anonymous reads and searches, and signed-in sessions in turn."""

    def __init__(self, run, number: int):
        self.run = run
        self.number = number
        self.rng = random.Random(run.seed * 1000 + number)
        self.anon = Browser(run)
        self.session: Browser | None = None
        self.edits = 0

    def loop(self):
        actions = [
            (55, self.read),
            (20, self.search),
            (22, self.signed_in),
            (100 * self.run.hostile_share, self.hostile_preview),
        ]
        while time.monotonic() < self.run.deadline:
            try:
                weighted(self.rng, actions)[0]()
            except Stopped:
                return
            except PageProblem as exc:
                self.run.recorder.add("page problem", "", "", None, 0.0, "failure", str(exc))
            except Exception as exc:  # a bug in this script: report it, keep the run going
                detail = f"{type(exc).__name__}: {exc}"
                self.run.recorder.add("load script bug", "", "", None, 0.0, "error", detail)

    # anonymous reading -------------------------------------------------------------------------

    def values(self) -> dict:
        """Everything a path template may name, drawn at random, already URL-quoted."""
        rng, data = self.rng, self.run.data
        article = rng.choice(data["articles"])
        numbers = article["numbers"] or [1]
        a, b = sorted(rng.sample(numbers, 2)) if len(numbers) > 1 else (numbers[0],) * 2
        title = rng.choice([article["title"], *article["aliases"]])
        alias = rng.choice(article["aliases"] or [article["title"]])
        raw = {
            "slug": article["slug"],
            "tag": rng.choice(data["tags"]),
            "alias": alias.replace(" ", "-"),
            "user": rng.choice(data["users"]),
            "prefix": title[:3],
            "title": title,
            "word": rng.choice(data["words"]),
            "misspelt": misspell(title, rng),
            "gibberish": "".join(rng.choices("bcdfghjklmnpqvwxz", k=9)),
            "odd": rng.choice(ODD_QUERIES),
        }
        values = {name: urllib.parse.quote(value, safe="") for name, value in raw.items()}
        values.update(n=rng.choice(numbers), a=a, b=b, rand=rng.randrange(10**6))
        return {**values, "raw": rng.choice(RAW_QUERIES), "static": self.run.static_path}

    def read(self):
        kind, template = weighted(self.rng, READS)
        path = template.format(**self.values())
        self.anon.fetch(kind, path, ok=expected_status(kind))

    def search(self):
        kind, template = weighted(self.rng, SEARCHES)
        path = "/search/?" + template.format(**self.values())
        self.anon.fetch(kind, path, ok=expected_status(kind))

    # signed-in sessions ------------------------------------------------------------------------

    def signed_in(self):
        if self.session is not None and self.rng.random() < 0.1:
            self.sign_out()
        if self.session is None and not self.sign_in():
            return
        if self.session.role == "moderator" and self.rng.random() < 0.5:
            self.moderate()
        else:
            self.edit_cycle()

    def sign_in(self) -> bool:
        data = self.run.data
        role, username = weighted(
            self.rng,
            [
                (70, "editor", self.rng.choice(data["editors"])),
                (15, "newbie", data["newbie"]),
                (15, "moderator", data["moderator"]),
            ],
        )
        browser = Browser(self.run, username=username, role=role)
        page = browser.fetch("sign-in form", "/accounts/login/")
        if page is None or page.status != 200:
            return False
        fields = form_with(page, "username")
        fields.update(username=username, password=self.run.password)
        answer = browser.post("sign in", "/accounts/login/", fields, ok={302})
        if answer is None or answer.status != 302:
            return False
        self.session = browser
        return True

    def sign_out(self):
        session, self.session = self.session, None
        session.post("sign out", "/accounts/logout/", {}, ok={302})

    def pick_slug(self) -> str:
        if self.session.role == "newbie":  # their edits wait for review: a few articles only
            article = self.rng.choice(self.run.newbie_articles)
        else:
            article = self.rng.choice(self.run.open_articles)
        return urllib.parse.quote(article["slug"], safe="")

    def edit_form(self, slug: str) -> dict | None:
        page = self.session.fetch("edit form", f"/wiki/{slug}/edit/")
        if page is None or page.status != 200:
            return None
        return form_with(page, "base_revision")

    def tag(self) -> str:
        self.edits += 1
        return f"{self.session.username} {self.number}-{self.edits}"

    def edit_cycle(self):
        slug = self.pick_slug()
        fields = self.edit_form(slug)
        if fields is None:
            return
        lines = paragraph_lines(fields.get("body", ""))
        if not lines:
            raise PageProblem(f"/wiki/{slug}/edit/: no paragraph to change in the body")
        if len(lines) > 2 and self.rng.random() < 0.2:
            self.stale_edit(slug, fields, lines)
            return
        body = change_line(fields["body"], self.rng.choice(lines), self.tag())
        for _ in range(self.rng.randint(1, 3)):
            self.preview(body)
        self.save(slug, fields, body)

    def stale_edit(self, slug, stale, lines):
        """Save from a fresh form, then save the older form: a merge when the two changes are
        on different paragraphs, a conflict (409) when on the same line. A conflict form is
        then saved again as it comes back, as the page invites."""
        fresh = self.edit_form(slug)
        if fresh is None:
            return
        first, second = self.rng.sample(lines, 2)
        mine = first if self.rng.random() < 0.5 else second
        self.save(slug, fresh, change_line(fresh["body"], first, self.tag()))
        self.run.recorder.note("stale-base saves")
        page = self.save(slug, stale, change_line(stale["body"], mine, self.tag()))
        if page is not None and page.status == 409:
            again = form_with(page, "base_revision")
            page = self.save(slug, again, again.get("body", ""), kind="save after a conflict")
            if page is not None and page.status < 400:
                self.run.recorder.note("conflicts saved again")

    def save(self, slug: str, fields: dict, body: str, *, kind: str = "save edit"):
        data = {**fields, "body": body.replace("\n", "\r\n"), "edit_summary": "load check"}
        if self.rng.random() < 0.2:
            data["is_minor"] = "on"
        page = self.session.post(kind, f"/wiki/{slug}/edit/", data, refuse={409}, follow=True)
        if page is None:
            return None
        if page.status == 409:
            self.run.recorder.note("edit conflicts (409)")
        elif page.status == 200 and not page.url.endswith("/edit/"):
            said = " ".join(MESSAGE.findall(page.text))  # the messages shown after the save
            if "were merged" in said:
                self.run.recorder.note("edits merged with a newer revision")
            if "waiting for review" in said:
                self.run.recorder.note("edits waiting for review")
            elif "Saved" in said:
                self.run.recorder.note("edits published")
            else:
                self.run.recorder.note("saves with no message shown")
        return page

    def preview(self, content: str, kind: str = "preview", refuse=()):
        headers = {"X-Requested-With": "XMLHttpRequest"}
        data = {"content": content}
        return self.session.post(
            kind, "/markdownx/markdownify/", data, headers=headers, refuse=refuse
        )

    def hostile_preview(self):
        if self.session is None and not self.sign_in():
            return
        name = self.rng.choice(list(HOSTILE))
        # 422 "No preview: ..." is the renderer declining a text the form would refuse.
        self.preview(HOSTILE[name], kind=f"hostile preview: {name}", refuse={422})

    def moderate(self):
        page = self.session.fetch("admin: review queue", "/admin/wiki/revision/")
        if page is None or page.status != 200:
            return
        pks = re.findall(r"/admin/wiki/revision/(\d+)/review/", page.text)
        if not pks:
            return
        path = f"/admin/wiki/revision/{self.rng.choice(pks)}/review/"
        review = self.session.fetch("admin: review page", path)
        if review is None or review.status != 200 or self.rng.random() < 0.6:
            return
        fields = {**form_with(review, "reason"), "decision": "accept", "reason": ""}
        answer = self.session.post("admin: accept", path, fields)
        if answer is not None and answer.status == 302:
            self.run.recorder.note("pending revisions accepted by a moderator")


# --- set-up and server -------------------------------------------------------------------------


class SetupError(Exception):
    pass


# Run by `manage.py shell -c` connected to the server's `postgres` database.
CREATE_DATABASE = """
import os
from django.db import connection
name = os.environ["KOTOBA_LOAD_DATABASE"]
with connection.cursor() as cursor:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if cursor.fetchone():
        print("EXISTS")
    else:
        cursor.execute("CREATE DATABASE " + connection.ops.quote_name(name))
"""
DROP_DATABASE = """
import os
from django.db import connection
name = connection.ops.quote_name(os.environ["KOTOBA_LOAD_DATABASE"])
with connection.cursor() as cursor:
    cursor.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
"""


def manage(*args: str, env: dict, what: str) -> str:
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise SetupError(f"{what} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def make_database(workdir: Path, env: dict, keep: bool):
    """(DATABASE_URL for the run, a function that removes it, a label for the report)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        path = workdir / "load.sqlite3"

        def remove():
            for leftover in workdir.glob("load.sqlite3*"):
                leftover.unlink()

        return f"sqlite:///{path}", (lambda: None) if keep else remove, f"SQLite ({path})"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SetupError(
            f"DATABASE_URL={url!r}: the load check makes its own database. Give a PostgreSQL URL "
            "naming a database that does not exist yet, or unset DATABASE_URL (temporary SQLite)."
        )
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SetupError(f"DATABASE_URL: {name!r} is not a plain database name")
    admin_env = {
        **env,
        "DATABASE_URL": urllib.parse.urlunsplit(parts._replace(path="/postgres")),
        "KOTOBA_LOAD_DATABASE": name,
    }
    if "EXISTS" in manage("shell", "-c", CREATE_DATABASE, env=admin_env, what=f"creating {name}"):
        raise SetupError(
            f"PostgreSQL database {name!r} exists already: the load check only uses a database "
            "it creates (and drops). Drop it, or name another one in DATABASE_URL."
        )

    def remove():
        manage("shell", "-c", DROP_DATABASE, env=admin_env, what=f"dropping {name}")

    return url, (lambda: None) if keep else remove, f"PostgreSQL ({name}, made for this run)"


def load_content(env: dict, password: str) -> dict:
    """Migrate, load the demo wiki, make the run's accounts; what the clients need to know.
    load_demo loads nothing with DEBUG off (its accounts are for development only), so the
    set-up runs with DEBUG on; the server does not."""
    setup_env = {**env, "DJANGO_DEBUG": "1", "KOTOBA_LOAD_PASSWORD": password}
    manage("migrate", "--noinput", env=setup_env, what="migrate")
    manage("load_demo", env=setup_env, what="load_demo")
    out = manage("shell", "-c", SETUP_CODE, env=setup_env, what="making the run's accounts")
    line = next((ln for ln in out.splitlines() if ln.startswith(JSON_MARK)), None)
    if line is None:
        raise SetupError(f"the set-up printed no data:\n{out}")
    data = json.loads(line.removeprefix(JSON_MARK))
    if not data["articles"] or not data["tags"] or not data["words"]:
        raise SetupError("the demo content has no published article, tag or word")
    return data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`make serve` in its own process group, its output in a log file."""

    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        command = [
            "make",
            "--silent",
            "--no-print-directory",
            "serve",
            f"SERVE_BIND=127.0.0.1:{self.port}",
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                command,  # noqa: S607 (make from PATH, as for every other target)
                cwd=ROOT,
                env={**self.env, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_it_answers(self, limit: float = 180.0):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise SetupError(
                    f"make serve exited with {self.proc.returncode} before answering:\n"
                    + self.log_tail()
                )
            try:
                with opener.open(self.base + "/robots.txt", timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.5)
        raise SetupError(f"make serve did not answer within {limit:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self):
        """SIGTERM to the whole group (make, gunicorn and its workers, whatever else `serve`
        starts); SIGKILL for what is left after gunicorn's graceful timeout."""
        if self.proc is None:
            return
        for sig, grace in ((signal.SIGTERM, 40.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            end = time.monotonic() + grace
            while time.monotonic() < end and self.group_alive():
                time.sleep(0.2)
            if not self.group_alive():
                break
        self.proc.wait()

    def group_alive(self) -> bool:
        self.proc.poll()  # reap make, so that only live members keep the group
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Run:
    base: str
    data: dict
    password: str
    seed: int
    timeout: float
    hostile_share: float
    deadline: float = math.inf
    recorder: Recorder = field(default_factory=Recorder)
    static_path: str = "/robots.txt"
    open_articles: list = field(default_factory=list)
    newbie_articles: list = field(default_factory=list)


def drive(run: Run, clients: int, seconds: float) -> tuple[float, bool]:
    """Run the clients until the deadline; (elapsed seconds, whether interrupted)."""
    home = Browser(run).opener.open(run.base + "/", timeout=run.timeout).read().decode()
    found = re.search(r'href="(/static/[^"]+\.css)"', home)
    run.static_path = found.group(1) if found else run.static_path
    articles = run.data["articles"]
    run.open_articles = [a for a in articles if not a["protected"]] or articles
    rng = random.Random(run.seed)
    run.newbie_articles = rng.sample(run.open_articles, min(3, len(run.open_articles)))
    threads = [
        threading.Thread(target=Client(run, n).loop, name=f"client-{n}", daemon=True)
        for n in range(clients)
    ]
    start = time.monotonic()
    run.deadline = start + seconds
    for thread in threads:
        thread.start()
    next_line = start + 10
    try:
        while any(t.is_alive() for t in threads):
            time.sleep(0.2)
            if time.monotonic() >= next_line:
                results = list(run.recorder.results)
                bad = sum(r.outcome in ("failure", "error") for r in results)
                took = time.monotonic() - start
                print(f"  {took:3.0f} s: {len(results)} requests, {bad} failed", file=sys.stderr)
                next_line += 10
    except KeyboardInterrupt:
        run.deadline = 0.0
        print("\nInterrupted: waiting for the requests in flight…", file=sys.stderr)
        for thread in threads:
            thread.join(run.timeout + 1)
        return time.monotonic() - start, True
    return time.monotonic() - start, False


# --- report ------------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of sorted `values`."""
    if not values:
        return 0.0
    return values[max(1, math.ceil(pct / 100 * len(values))) - 1]


def status_label(result: Result) -> str:
    return str(result.status) if result.status is not None else "no answer"


def statuses(rows) -> str:
    counts = Counter(status_label(r) for r in rows)
    return " ".join(f"{code}×{n}" for code, n in sorted(counts.items()))


GUNICORN_LINE = re.compile(r"^\[[^\]]+\] \[\d+\] \[([A-Z]+)\] ")
ACCESS_LINE = re.compile(r'^\S+ - \S+ \[[^\]]+\] "(\S+) (\S+)[^"]*" (\d{3}) ')


def scan_log(text: str) -> dict:
    """Tracebacks (grouped by their last line), ERROR/CRITICAL lines, 5xx in the access log,
    and the other lines (Django's warnings) grouped with paths and numbers blanked."""
    lines = text.splitlines()
    tracebacks: dict[str, list] = {}
    errors, other, samples, server_5xx = [], Counter(), {}, Counter()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("Traceback (most recent call last)"):
            start = index - 1 if index and not lines[index - 1].startswith(" ") else index
            end = index + 1
            while end < len(lines) - 1 and (lines[end][:1] in (" ", "\t", "")):
                end += 1
            block = lines[start : end + 1]
            tracebacks.setdefault(block[-1], [0, "\n".join(block)])[0] += 1
            index = end + 1
            continue
        access = ACCESS_LINE.match(line)
        if access:
            if access.group(3).startswith("5"):
                server_5xx[f"{access.group(3)} {access.group(1)} {access.group(2)}"] += 1
        elif GUNICORN_LINE.match(line):
            if re.search(r"\[(ERROR|CRITICAL)\]", line):
                errors.append(line)
        elif re.match(r"(Internal Server Error|ERROR|CRITICAL)\b", line):
            errors.append(line)
        elif line.strip():
            key = re.sub(r"\b(id|worker_id)=\S+", r"\1=…", line)  # task and worker ids
            key = re.sub(r"/\S*", "/…", re.sub(r"\d+", "N", key))[:100]
            other[key] += 1
            samples.setdefault(key, line[:160])
        index += 1
    other = Counter({samples[key]: n for key, n in other.items()})
    return {"tracebacks": tracebacks, "errors": errors, "other": other, "5xx": server_5xx}


def report(run: Run, *, elapsed, interrupted, label, clients, seconds, slow, log_path) -> int:
    """Print the report; return the number of unexpected problems."""
    results = list(run.recorder.results)
    lines = []
    say = lines.append
    say(f"\n== Kotoba load check: {elapsed:.1f} s of {seconds:g}, {clients} clients, {label}")
    say(f"   make serve at {run.base} (gunicorn, DJANGO_DEBUG=0); seed {run.seed}\n")
    by_kind = defaultdict(list)
    for result in results:
        by_kind[result.kind].append(result)
    width = max([len(k) for k in by_kind] + [7])
    say(
        f"{'request':<{width}} {'count':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    )
    for kind, rows in sorted(by_kind.items(), key=lambda item: (-len(item[1]), item[0])):
        ms = sorted(r.seconds * 1000 for r in rows)
        cells = " ".join(f"{percentile(ms, p):>7.0f}" for p in (50, 95, 99, 100))
        say(f"{kind:<{width}} {len(rows):>6} {cells}  {statuses(rows)}")
    total, every = len(results), sorted(r.seconds * 1000 for r in results)
    rate = total / elapsed if elapsed else 0.0
    say(f"\nTotal: {total} requests in {elapsed:.1f} s = {rate:.1f} requests/s")
    say(
        "Latency over all: "
        + ", ".join(f"p{p} {percentile(every, p):.0f} ms" for p in (50, 95, 99))
    )
    if run.recorder.notes:
        say(
            "Editing: "
            + "; ".join(f"{what}: {n}" for what, n in sorted(run.recorder.notes.items()))
        )

    def listing(title, rows, *, details=True):
        say(f"\n{title}: {len(rows) if rows else 'none'}")
        groups = defaultdict(list)
        for r in rows:
            groups[(status_label(r), r.method, r.url, r.kind)].append(r)
        for (status, method, url, kind), group in sorted(groups.items(), key=lambda g: -len(g[1])):
            took = ", ".join(f"{r.seconds:.1f} s" for r in group[:5])
            say(f"  {len(group)}× {status} {method} {url}  [{kind}] ({took})")
            if details and group[0].detail:
                say(f"      {group[0].detail}")

    def hostile(r):
        return r.kind.startswith("hostile")

    failures = [r for r in results if r.outcome == "failure"]
    errors = [r for r in results if r.outcome == "error"]
    refused = [r for r in results if r.outcome == "refused"]
    probes = [r for r in results if r.outcome == "ok" and expected_status(r.kind)]
    hostile_slow = [r for r in results if hostile(r) and r.seconds > slow and r.status]
    listing("Unexpected answers (outside 2xx/3xx, or not a probe's intended status)", failures)
    listing("Connection errors and timeouts", errors)
    listing(f"Hostile previews slower than {slow:g} s (they must answer quickly)", hostile_slow)
    say(f"\nExpected refusals, counted apart: {len(refused)}")
    for (status, kind), n in sorted(Counter((r.status, r.kind) for r in refused).items()):
        say(f"  {n}× {status} [{kind}]")
    say(f"Probes answered as intended (400 for a NUL byte, 404 for missing pages): {len(probes)}")
    listing(
        "Rate-limited (429) despite the raised limits",
        [r for r in results if r.outcome == "limited"],
    )
    other_slow = [r for r in results if not hostile(r) and r.seconds > slow and r.status]
    listing(
        f"Other answers slower than {slow:g} s (reported, not failures)", other_slow, details=False
    )
    shown = {k: v for k, v in by_kind.items() if k.startswith("hostile")}
    if shown:
        say("\nHostile previews, slowest first:")
        for kind, rows in sorted(shown.items(), key=lambda kv: -max(r.seconds for r in kv[1])):
            name = kind.removeprefix("hostile preview: ")
            longest = max(r.seconds for r in rows)
            say(f"  {name:<20} {len(rows):>3}×  max {longest:6.2f} s  {statuses(rows)}")

    problems = len(failures) + len(errors) + len(hostile_slow)
    say(f"\nServer log: {log_path}")
    log = scan_log(log_path.read_text(errors="replace")) if log_path.exists() else None
    if log is None:
        say("  (missing)")
        problems += 1
    else:
        count = sum(n for n, _ in log["tracebacks"].values())
        say(f"  tracebacks: {count}")
        for last, (n, block) in log["tracebacks"].items():
            say(f"  --- {n}× {last}")
            say("\n".join("    " + ln for ln in block.splitlines()[-60:]))
        say(f"  ERROR/CRITICAL lines: {len(log['errors'])}")
        say("\n".join(f"    {line}" for line in log["errors"][:40]))
        say(f"  5xx in the access log: {sum(log['5xx'].values())}")
        say("\n".join(f"    {n}× {line}" for line, n in log["5xx"].most_common(20)))
        say("  other lines (Django's warnings and the like), one example of each:")
        say("\n".join(f"    {n}× {text}" for text, n in log["other"].most_common(25)))
        # A 5xx the clients did not see (they had given up waiting) is a problem of its own.
        seen = sum(1 for r in results if r.status and r.status >= 500)
        problems += count + len(log["errors"]) + max(0, sum(log["5xx"].values()) - seen)
    if total == 0:
        problems += 1
    verdict = "PASS" if not problems and not interrupted else "FAIL"
    more = " (interrupted)" if interrupted else ""
    say(f"\nRESULT: {verdict}: {problems} unexpected problem(s) in {total} requests{more}")
    print("\n".join(line for line in lines if line != ""), flush=True)
    return problems


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="traffic time (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--timeout", type=float, default=40, help="seconds a request may take")
    parser.add_argument("--slow", type=float, default=5, help="report answers slower than this")
    parser.add_argument(
        "--hostile-share",
        type=float,
        default=0.02,
        help="share of client actions that are hostile previews (default 0.02; 0: none)",
    )
    parser.add_argument("--seed", type=int, help="random seed (default: a new one, printed)")
    parser.add_argument("--keep-database", action="store_true", help="do not remove the database")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.clients < 1 or not 0 <= args.hostile_share <= 1:
        parser.error("--seconds must be > 0, --clients >= 1, --hostile-share within 0..1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    workdir = Path(tempfile.mkdtemp(prefix="kotoba-load-"))
    password = "load-" + secrets.token_urlsafe(15)
    env = dict(os.environ)
    for name in RATE_LIMITS:
        env.setdefault(name, UNLIMITED)
    # Mail goes to files in the work folder: a load run must never reach a real mail server.
    env.setdefault("DJANGO_EMAIL_BACKEND", "file")
    env.setdefault("DJANGO_EMAIL_FILE_PATH", str(workdir / "mail"))

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    remove_database, server, run = None, None, None
    label, elapsed, interrupted = "", 0.0, False
    try:
        url, remove_database, label = make_database(workdir, env, args.keep_database)
        env["DATABASE_URL"] = url
        say = functools.partial(print, file=sys.stderr, flush=True)
        say(f"Set-up: {label}: migrate, demo content, accounts…")
        data = load_content(env, password)
        say("Starting make serve; " + ", ".join(f"{n}={env[n]}" for n in RATE_LIMITS))
        server = Server(env, workdir / "serve.log")
        server.start()
        server.wait_until_it_answers()
        run = Run(server.base, data, password, seed, args.timeout, args.hostile_share)
        say(f"Traffic: {args.seconds:g} s, {args.clients} clients, seed {seed}")
        elapsed, interrupted = drive(run, args.clients, args.seconds)
    except SetupError as exc:
        print(f"Set-up failed: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        interrupted = True
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the clean-up
        if server is not None:
            server.stop()
        if remove_database is not None:
            try:
                remove_database()
            except SetupError as exc:
                print(f"Clean-up: {exc}", file=sys.stderr)
        shutil.rmtree(workdir / "mail", ignore_errors=True)
    if run is None:  # no traffic, nothing to report (a failed start printed the log's tail)
        shutil.rmtree(workdir, ignore_errors=True)
        return 130 if interrupted else 2
    problems = report(
        run,
        elapsed=elapsed,
        interrupted=interrupted,
        label=label,
        clients=args.clients,
        seconds=args.seconds,
        slow=args.slow,
        log_path=workdir / "serve.log",
    )
    if args.keep_database:
        print(f"Database kept: {env['DATABASE_URL']}")
    return 130 if interrupted else (1 if problems else 0)


if __name__ == "__main__":
    sys.exit(main())
