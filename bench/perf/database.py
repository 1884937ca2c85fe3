"""The benchmark's database: created fresh, filled through the import command, dropped.

Everything that needs Django runs in a subprocess of the project's Python with the run's
environment (`manage.py ...`), so this process never loads settings and each step sees the
same configuration as the servers.
"""

import json
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
MARK = "KOTOBA-BENCH-JSON "
READER = "bench-reader"
LONG_HISTORIES = {"bench-history-10": 10, "bench-history-10000": 10_000}


class SetupError(Exception):
    """A step of the set-up failed; the message says which and why."""


def admin_connection(server_url: str):
    return psycopg.connect(f"{server_url}/postgres", autocommit=True)


def create_database(server_url: str, name: str) -> None:
    with admin_connection(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server_url: str, name: str) -> None:
    with admin_connection(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def remember(server_url: str, name: str, info: dict) -> None:
    """Keep what a later --reuse run needs to know in the database's comment."""
    with admin_connection(server_url) as conn:
        text = json.dumps(info).replace("'", "''")
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{text}'")


def recall(server_url: str, name: str) -> dict:
    with admin_connection(server_url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if not row or not row[0]:
        raise SetupError(f"no database {name} filled by an earlier run (run with --keep first)")
    return json.loads(row[0])


def server_version(server_url: str) -> str:
    with admin_connection(server_url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def analyze(url: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    """Run `manage.py ARGS` with the run's environment; its output, or SetupError."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SetupError(
            f"manage.py {' '.join(args)} exited with {done.returncode}:\n"
            + (done.stdout + done.stderr)[-4000:]
        )
    return done.stdout


def json_result(output: str) -> dict:
    for line in output.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise SetupError(f"no result line in:\n{output[-2000:]}")


# --- the corpus --------------------------------------------------------------------------


@dataclass
class Corpus:
    path: Path
    articles: int
    revisions: int
    common: str  # a word most articles hold
    rare: str  # a word planted in a handful
    summary: str


def build_corpus(workdir: Path, articles: int, revisions: int) -> Corpus:
    path = workdir / "corpus.jsonl"
    command = [
        sys.executable,
        str(ROOT / "bench" / "corpus.py"),
        f"--articles={articles}",
        f"--revisions={revisions}",
        f"--out={path}",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        raise SetupError(f"bench/corpus.py failed:\n{done.stderr[-2000:]}")
    common = re.search(r"^Common words[^:]*: (\w+)", done.stderr, re.MULTILINE)
    rare = re.search(r"^Rare words[^:]*: (\w+)", done.stderr, re.MULTILINE)
    if not (common and rare):
        raise SetupError(f"bench/corpus.py named no common or rare word:\n{done.stderr}")
    return Corpus(path, articles, revisions, common.group(1), rare.group(1), done.stderr.strip())


def long_histories_file(workdir: Path) -> Path:
    """Two articles in the import format whose whole point is their history: 10 and 10,000
    accepted revisions by one author, a short text growing by a sentence each time."""
    path = workdir / "histories.jsonl"
    start = datetime(2023, 1, 1, tzinfo=UTC)
    header = {"format": "kotoba-articles", "version": 1, "users": [{"username": "bench-author"}]}
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(header) + "\n")
        for slug, count in LONG_HISTORIES.items():
            title = slug.replace("-", " ").capitalize()
            revisions = []
            for number in range(1, count + 1):
                when = (start + timedelta(minutes=number)).isoformat()
                growth = " ".join(f"Sentence {n} of the history." for n in range(number % 40))
                revisions.append(
                    {
                        "title": title,
                        "summary": f"An article with {count:,} revisions.",
                        "body": f"**{title}** has a long history.\n\n{growth}\n\nEdit {number}.",
                        "author": "bench-author",
                        "created_at": when,
                        "edit_summary": f"Edit {number}",
                        "status": "accepted",
                        "reviewed_by": "bench-author",
                        "reviewed_at": when,
                    }
                )
            out.write(json.dumps({"kind": "term", "slug": slug, "revisions": revisions}) + "\n")
    return path


def import_file(env: dict, path: Path) -> tuple[float, str, int]:
    """`manage.py import_articles PATH`: (seconds, its last line, the largest RSS in KiB of
    any process this one has waited for so far: the import's, or one of its workers')."""
    started = time.perf_counter()
    output = manage(env, "import_articles", str(path))
    seconds = time.perf_counter() - started
    lines = [line for line in output.splitlines() if line.strip()]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, (lines[-1] if lines else ""), peak


# --- what the pages need -----------------------------------------------------------------

# Run by `manage.py shell -c`: the signed-in reader with a session, and the articles, tag
# and revision numbers the pages use (printed as one JSON line).
FIXTURES_CODE = r"""
import json
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from wiki.models import Article, Revision, RevisionStatus, Tag

User = get_user_model()
user = User.objects.filter(username="__READER__").first()
if user is None:
    user = User.objects.create_user(
        "__READER__", "__READER__@example.com", None, email_confirmed_at=timezone.now()
    )
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = user._meta.pk.value_to_string(user)
store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()

through = Revision.tags.through
adult = through.objects.filter(revision_id=OuterRef("published_revision_id"), tag__is_adult=True)
readable = (
    Article.objects.published()
    .exclude(Exists(adult))
    .exclude(slug__startswith="bench-")
    .order_by("pk")
)
ids = list(readable.values_list("pk", flat=True))
step = max(1, len(ids) // 100)
rotation = list(
    Article.objects.filter(pk__in=ids[::step][:100]).order_by("pk").values_list("slug", flat=True)
)
accepted = Count("revisions", filter=Q(revisions__status=RevisionStatus.ACCEPTED))
pending = Count("revisions", filter=Q(revisions__status=RevisionStatus.PENDING))
most = readable.filter(kind="term").annotate(n=accepted, p=pending).order_by("-n", "p", "pk")
middle = most.filter(n=most.first().n, p=0)
article = middle[middle.count() // 2] if middle.exists() else most.first()
numbers = sorted(
    article.revisions.filter(status=RevisionStatus.ACCEPTED).values_list("number", flat=True)
)
published = Article.objects.published().values("published_revision_id")
tag_counts = (
    through.objects.filter(revision_id__in=published, tag__is_adult=False)
    .exclude(tag__category="warning")
    .values("tag__slug")
    .annotate(n=Count("id"))
    .order_by("-n", "tag__slug")
)
top = tag_counts.first()
histories = {
    a.slug: a.revisions.count() for a in Article.objects.filter(slug__startswith="bench-history-")
}
print("__MARK__" + json.dumps({
    "session": store.session_key,
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "reader": user.username,
    "article": article.slug,
    "article_revisions": len(numbers),
    "diff": [numbers[0], numbers[-1]],
    "rotation": rotation,
    "tag": top["tag__slug"],
    "tag_articles": top["n"],
    "histories": histories,
    "articles": Article.objects.published().count(),
    "revisions": Revision.objects.count(),
}))
"""


def fixtures(env: dict) -> dict:
    code = FIXTURES_CODE.replace("__READER__", READER).replace("__MARK__", MARK)
    return json_result(manage(env, "shell", "--no-imports", "-c", code))
