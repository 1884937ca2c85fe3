"""Search timings at 1,000 and 100,000 articles, on PostgreSQL and on SQLite (FTS5).

    .venv/bin/python bench/search.py postgres   # database kotoba_bench_search, dropped after
    .venv/bin/python bench/search.py sqlite     # a file in a temporary directory
    .venv/bin/python bench/search.py postgres --sizes 1000 --runs 20 --keep

For each size it fills the tables in bulk (articles, published revisions, search rows; a word,
"community", in about 80% of the texts, "zanzibarite" in a handful; a few named articles for
the misspelling), refreshes the statistics, then times `wiki.search.search` in-process and the
search page through Django's test client, for a common word, a rare word, a misspelling and a
query that finds nothing: p50 of `--runs` runs, and p50 with 4 processes searching at once.
At the largest size it prints the plans of the common and rare queries (EXPLAIN ANALYZE on
PostgreSQL, EXPLAIN QUERY PLAN on SQLite). PostgreSQL: 127.0.0.1:5432, user postgres
(`BENCH_PG_URL` to change).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PG_NAME = "kotoba_bench_search"
QUERIES = {
    "common word": "community",
    "rare word": "zanzibarite",
    "misspelling": "tsundre",
    "no hit": "qwxzvk",
}
NAMED = [  # title, aliases: what the misspelling should find
    ("Tsundere", "Tsun-dere"),
    ("NTR", "Netorare\nNTR genre"),
    ("Isekai", "Isekai fiction"),
    ("Waifu", "Husbando"),
]
COMMON = [
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "it",
    "for",
    "as",
    "with",
    "was",
    "on",
    "by",
    "fans",
    "story",
    "character",
    "series",
    "genre",
    "readers",
    "anime",
    "manga",
    "term",
    "word",
    "used",
    "often",
    "online",
    "people",
    "first",
    "other",
    "two",
]


def _vocabulary(rng):
    syllables = "ka ki ku ke ko sa shi su se so ta chi te to na ni ne no ha hi fu ho ma mi mo"
    syllables = [*syllables.split(), "ra", "ri", "ro"]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(8000)]


def _text(i: int, vocabulary) -> str:
    """About 250 words in a few short paragraphs and a heading, one line per block."""
    rng = random.Random(i)
    lines = []
    for paragraph in range(4):
        words = [
            rng.choice(COMMON) if rng.random() < 0.5 else rng.choice(vocabulary) for _ in range(60)
        ]
        if paragraph == 1 and rng.random() < 0.8:
            words.insert(rng.randrange(len(words)), "community")
        if paragraph == 2 and i % 20_011 == 7:
            words.insert(rng.randrange(len(words)), "zanzibarite")
        lines.append(" ".join(words).capitalize() + ".")
        if paragraph == 1:
            lines.append(rng.choice(vocabulary).title())  # a heading
    return "\n".join(lines)


def fill(start: int, stop: int) -> None:
    """Articles start..stop-1 with published revisions and search rows, in bulk."""
    from django.db import transaction

    from wiki.models import Article, Revision, RevisionStatus, SearchEntry, Tag

    vocabulary = _vocabulary(random.Random(1))
    tags = list(Tag.objects.order_by("pk"))
    batch = 2000
    for low in range(start, stop, batch):
        with transaction.atomic():
            numbers = range(low, min(stop, low + batch))
            titles = {}
            for n in numbers:
                named = NAMED[n] if n < len(NAMED) else None
                titles[n] = named or (f"{vocabulary[n % 8000].title()} {n}", "")
            articles = Article.objects.bulk_create(
                Article(
                    title=titles[n][0],
                    title_key=titles[n][0].casefold(),
                    slug=f"a-{n}",
                    summary=f"About {titles[n][0]}.",
                    kind="genre" if n % 5 == 0 else "term",
                )
                for n in numbers
            )
            texts = {n: _text(n, vocabulary) for n in numbers}
            revisions = Revision.objects.bulk_create(
                Revision(
                    article=article,
                    number=1,
                    title=article.title,
                    summary=article.summary,
                    aliases=titles[n][1],
                    body=texts[n],
                    body_html="".join(f"<p>{line}</p>" for line in texts[n].split("\n")),
                    status=RevisionStatus.ACCEPTED,
                )
                for n, article in zip(numbers, articles, strict=True)
            )
            for article, revision in zip(articles, revisions, strict=True):
                article.published_revision = revision
                article.latest_revision = revision
            Article.objects.bulk_update(articles, ["published_revision", "latest_revision"])
            through = Revision.tags.through
            through.objects.bulk_create(
                through(revision_id=r.pk, tag_id=tags[r.pk % len(tags)].pk) for r in revisions
            )
            SearchEntry.objects.bulk_create(
                SearchEntry(
                    article=article,
                    kind=article.kind,
                    published_revision=revision,
                    title=article.title,
                    aliases=titles[n][1],
                    summary=article.summary,
                    tags=tags[revision.pk % len(tags)].name,
                    body=texts[n],
                )
                for n, article, revision in zip(numbers, articles, revisions, strict=True)
            )
            from wiki.models import Alias

            Alias.objects.bulk_create(
                Alias(article=article, name=name, key=name.casefold())
                for n, article in zip(numbers, articles, strict=True)
                for name in titles[n][1].split("\n")
                if name
            )


def refresh_statistics() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def _search(q):
    from wiki.preferences import ReaderPrefs
    from wiki.search import search

    return search(q, ReaderPrefs())


_client = None


def _view(q):
    global _client
    if _client is None:  # one per process: a new client loads every middleware again
        from django.test import Client

        _client = Client()
    response = _client.get("/search/", {"q": q, "fulltext": "1"})
    assert response.status_code == 200, response.status_code


def _timed(kind: str, q: str, runs: int) -> list[float]:
    call = _search if kind == "search" else _view
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call(q)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _worker_init():
    import django
    from django.db import connections

    django.setup()
    connections.close_all()


def p50(times) -> float:
    return statistics.median(times)


def measure(runs: int) -> dict:
    from django.db import connections

    rows = {}
    for label, q in QUERIES.items():
        _timed("search", q, 2)  # warm the caches
        found = _search(q)
        alone = p50(_timed("search", q, runs))
        view = p50(_timed("view", q, runs))
        connections.close_all()
        with ProcessPoolExecutor(4, initializer=_worker_init) as pool:
            batches = list(pool.map(_timed, ["view"] * 4, [q] * 4, [runs] * 4))
        together = p50([t for batch in batches for t in batch])
        shown = f"{found.count}{'+' if found.more else ''}"
        rows[label] = (q, shown, found.suggestion or "", alone, view, together)
    return rows


def print_table(backend: str, size: int, rows: dict) -> None:
    print(f"\n{backend}, {size:,} articles (p50, ms)")
    header = f"{'query':<14}{'q':<13}{'found':>7}  {'search()':>9}{'view':>9}{'view c4':>9}"
    print(header + "  suggestion")
    for label, (q, found, suggestion, alone, view, together) in rows.items():
        print(
            f"{label:<14}{q:<13}{found:>7}  {alone:>9.1f}{view:>9.1f}{together:>9.1f}  {suggestion}"
        )


def print_plans() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for label in ("common word", "rare word"):
        with CaptureQueriesContext(connection) as ctx:
            _search(QUERIES[label])
        print(f"\n--- {label}: {QUERIES[label]!r}, {len(ctx.captured_queries)} queries")
        with connection.cursor() as cursor:
            for query in ctx.captured_queries:
                sql = query["sql"]
                if connection.vendor == "postgresql":
                    if "@@" not in sql:
                        continue
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                else:
                    if "MATCH" not in sql:
                        continue
                    cursor.execute("EXPLAIN QUERY PLAN " + sql)
                print(sql[:300] + (" …" if len(sql) > 300 else ""))
                for row in cursor.fetchall():
                    print("   ", " ".join(str(c) for c in row))


def setup_database(backend: str, workdir: str) -> None:
    if backend == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = f"{PG_URL}/{PG_NAME}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from wiki.models import Tag

    for name in ("Romance", "Comedy", "Drama", "Action", "Mystery"):
        Tag.objects.create(name=name, slug=name.lower(), name_key=name.casefold())


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("backend", choices=["postgres", "sqlite"])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as workdir:
        setup_database(args.backend, workdir)
        try:
            filled = 0
            for size in sizes:
                started = time.perf_counter()
                fill(filled, size)
                refresh_statistics()
                filled = size
                print(f"\nfilled {size:,} articles in {time.perf_counter() - started:.0f} s")
                print_table(args.backend, size, measure(args.runs))
            print_plans()
        finally:
            if args.backend == "postgres" and not args.keep:
                drop_database()


if __name__ == "__main__":
    main()
