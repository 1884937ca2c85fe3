"""End-to-end page benchmark on PostgreSQL: `make bench` (ARGS="--articles 100000 ...").

    .venv/bin/python bench/run.py                          # 1,000 articles × 5 revisions
    .venv/bin/python bench/run.py --articles 100000 --revisions 1 --only scale
    .venv/bin/python bench/run.py --duration 3 --rounds 1 --no-doc      # a quick look
    .venv/bin/python bench/run.py --profile history,recent # and cProfile pages in-process
    .venv/bin/python bench/run.py --articles 100000 --revisions 1 --setup-only   # import, keep
    .venv/bin/python bench/run.py --articles 100000 --reuse --only scale        # measure it

Steps: a fresh database (PostgreSQL at --server, named kotoba_bench or kotoba_bench_N),
migrated; the corpus of bench/corpus.py imported with `manage.py import_articles` (timed),
with two more articles of 10 and 10,000 revisions; VACUUM ANALYZE; a signed-in reader with a
session. Then queries and CPU per page in-process (Django's test client), the app under
gunicorn (4 sync workers, DJANGO_DEBUG=0, the page cache in Redis database --redis-db, which
is flushed before and after) and a ceiling (bench/ceiling_settings.py: the same settings and
server, one view returning a constant 30 KB page), wrk against each page with a warm-up, the
pages interleaved over --rounds rounds, medians reported. Last, the workers' memory, and what
a worker-like process holds by package. The tables go to standard output and, with the date,
the machine and the load average, into docs/performance.md (a section per size and set of
pages; the hand-written preamble is kept). The database is dropped unless --keep,
--setup-only or --reuse.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.perf import database, report, servers, wrk  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
WORKERS = 4


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--revisions", type=int, default=5, help="per article (default 5)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="pages (comma-separated keys, or the set 'scale')")
    parser.add_argument("--keep", action="store_true", help="keep the database and Redis data")
    parser.add_argument(
        "--setup-only", action="store_true", help="create and fill the database, then stop"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a --keep run left (no import)"
    )
    parser.add_argument("--redis-db", type=int, default=5, help="Redis database (flushed)")
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379"),
        help="Redis server (BENCH_REDIS_URL; default %(default)s)",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server (BENCH_PG_URL; default %(default)s)",
    )
    parser.add_argument("--database", help="database name (default kotoba_bench[_N])")
    parser.add_argument(
        "--runs", type=int, default=40, help="in-process requests per page (median)"
    )
    parser.add_argument("--profile", metavar="PAGES", help="cProfile these in-process pages")
    parser.add_argument("--doc", type=Path, default=DOC, help="document to write (%(default)s)")
    parser.add_argument("--no-doc", action="store_true", help="do not write the document")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.revisions < 1 or args.rounds < 1 or args.duration <= 0:
        parser.error("--articles, --revisions, --rounds must be at least 1, --duration > 0")
    return args


def say(*parts) -> None:
    print(*parts, flush=True)


def bench_env(url: str, redis_url: str) -> dict:
    """Production settings as `make serve` sets them, on the bench database and Redis db."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "KOTOBA_", "DATABASE_"))
    }
    env.update(
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_EMAIL_BACKEND="locmem",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def inprocess(env: dict, mode: str, spec: dict) -> dict:
    if mode == "memory":  # the view's own work, as on a page cache miss
        env = dict(env, KOTOBA_PAGE_CACHE="0")
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "perf" / "inprocess.py"), mode],
        cwd=ROOT,
        env=env,
        input=json.dumps(spec),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise database.SetupError(f"in-process {mode} failed:\n{done.stderr[-4000:]}")
    return database.json_result(done.stdout)


def bare_rss() -> int:
    code = "import re;print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read())[1])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)  # noqa: S603
    return int(done.stdout.strip() or 0)


def prime(app, ceiling, pages, cookies) -> tuple[str, list[str]]:
    """Fetch each page once: statuses and caching headers as expected? Returns the signed-in
    Cookie header with the CSRF cookie the page gave, and any problems."""
    problems = []
    status, headers, _ = wrk.fetch(app.base + "/", cookies["signed-in"])
    signed = cookies["signed-in"]
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("csrftoken="):
            signed += "; " + value.split(";", 1)[0]
    cookies = dict(cookies, **{"signed-in": signed})
    for page in pages:
        base = ceiling.base if page.reader == "ceiling" else app.base
        for path in page.paths:
            status, headers, body = wrk.fetch(base + path, cookies.get(page.reader, ""))
            control = headers.get("Cache-Control", "")
            if status != 200:
                problems.append(f"{page.key}: {path} answered {status}")
            elif page.reader == "anonymous" and "public" not in control:
                problems.append(f"{page.key}: {path} is not public ({control})")
            elif page.reader in ("bypass", "signed-in") and "private" not in control:
                problems.append(f"{page.key}: {path} is not private ({control})")
            elif page.reader == "signed-in" and database.READER.encode() not in body:
                problems.append(f"{page.key}: {path} does not show the reader signed in")
    return signed, problems


def measure(args, app, ceiling, pages, cookies, scripts) -> list[report.Measured]:
    measured = [report.Measured(page) for page in pages]
    for number in range(1, args.rounds + 1):
        say(f"\nRound {number}/{args.rounds} (load {report.load()})")
        for m in measured:
            page = m.page
            target = wrk.Target(
                base=ceiling.base if page.reader == "ceiling" else app.base,
                cookie=cookies.get(page.reader, ""),
                script=scripts.get(page.key),
            )
            if len(page.paths) > 1:  # every page in the cache before wrk starts
                for path in page.paths:
                    wrk.fetch(target.base + path, target.cookie)
            if args.warmup > 0:
                wrk.run(target, page, args.warmup)
            result = wrk.run(target, page, args.duration)
            m.rounds.append(result)
            flag = f"  {result.bad} bad answers" if result.bad else ""
            say(
                f"  {page.key:<22} {result.rps:8.1f} req/s  p50 {report.ms(result.p50):>6} ms"
                f"  p99 {report.ms(result.p99):>6} ms{flag}"
            )
    return measured


def server_errors(*logs: Path) -> list[str]:
    found = []
    for log in logs:
        text = log.read_text(errors="replace") if log.exists() else ""
        count = text.count("Traceback (most recent call last)")
        errors = [line for line in text.splitlines() if "[ERROR]" in line or "[CRITICAL]" in line]
        if count or errors:
            found.append(f"{log.name}: {count} traceback(s), {len(errors)} error line(s)")
            found += [f"    {line}" for line in errors[:10]]
    return found


def fill(args, env: dict, url: str, name: str, workdir: Path) -> dict:
    """Create, migrate and fill the database; what the run needs to know of the corpus,
    also kept in the database's comment for --reuse."""
    database.create_database(args.server, name)
    began = time.perf_counter()
    database.manage(env, "migrate", "--noinput", "--verbosity", "0")
    say(f"Migrated in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    corpus = database.build_corpus(workdir, args.articles, args.revisions)
    say(f"Corpus in {time.perf_counter() - began:.1f} s: {corpus.summary}")
    load = report.load()
    seconds, line, peak = database.import_file(env, corpus.path)
    rate = args.articles / seconds
    say(f"Imported in {seconds:.1f} s = {rate:.0f} articles/s (with start-up): {line}")
    say(f"Largest import process: {peak / 1024:.0f} MiB RSS at its peak")
    long_seconds, _, _ = database.import_file(env, database.long_histories_file(workdir))
    say(f"Histories of 10 and 10,000 revisions imported in {long_seconds:.1f} s")
    say(f"VACUUM ANALYZE in {database.analyze(url):.1f} s")
    info = {
        "articles": corpus.articles,
        "revisions": corpus.revisions,
        "common": corpus.common,
        "rare": corpus.rare,
        "summary": corpus.summary.splitlines()[0],
        "seconds": seconds,
        "rate": rate,
        "peak_kib": peak,
        "load": load,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    database.remember(args.server, name, info)
    return info


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        say("wrk is not installed (apt-get install wrk; `make bench` does it).")
        return 2
    started_at = datetime.now(UTC)
    load_start = report.load()
    yardstick_start = report.yardstick()
    name = args.database or (
        "kotoba_bench" if args.articles == 1000 else f"kotoba_bench_{args.articles}"
    )
    url = f"{args.server}/{name}"
    redis_url = f"{args.redis.rstrip('/')}/{args.redis_db}"
    env = bench_env(url, redis_url)
    workdir = Path(tempfile.mkdtemp(prefix="kotoba-bench-"))
    app = ceiling = None
    notes = []
    try:
        say(f"Load average at the start: {load_start} ({os.cpu_count()} cores)")
        say(f"Yardstick (a fixed Python loop): {yardstick_start} ms of CPU")
        say(f"Database {name}; Redis {redis_url}; work folder {workdir}")
        flush_redis(redis_url)
        if args.reuse:
            info = database.recall(args.server, name)
            say(f"Reusing {name}, imported {info['date']}: {info['summary']}")
        else:
            info = fill(args, env, url, name, workdir)
            if args.setup_only:
                return 0
        if info["revisions"] == 1:
            notes.append("One revision per article (scale run): diffs use the 10-revision article.")
        fx = database.fixtures(env)
        say(f"Article {fx['article']} ({fx['article_revisions']} revisions), tag {fx['tag']} "
            f"({fx['tag_articles']} articles), {fx['revisions']:,} revisions in all")  # fmt: skip
        all_pages = wrk.pages(fx, info["common"], info["rare"])
        pages = wrk.select(all_pages, args.only)
        servers.collectstatic(env)

        spec = {
            "pages": {p.inprocess: p.paths[0] for p in pages if p.inprocess},
            "reader": fx["reader"],
            "runs": args.runs,
            "stale": wrk.STALE_SESSION,
        }
        say(f"\nIn-process: queries and CPU of {len(spec['pages'])} pages, {args.runs} runs each")
        queries = inprocess(env, "measure", spec)
        for key, row in queries.items():
            say(f"  {key:<16} queries {row['queries']}  CPU {row['cpu']:.1f} ms (caches off)")
        profiles = []
        for page in args.profile.split(",") if args.profile else []:
            if page not in spec["pages"]:
                raise ValueError(f"--profile {page}: not one of {', '.join(spec['pages'])}")
            profiles.append(inprocess(env, "profile", dict(spec, profile=page)))
            say(f"\ncProfile of {profiles[-1]['path']}:\n{profiles[-1]['text']}")

        flush_redis(redis_url)
        app = servers.Gunicorn("app", env, workdir / "app.log", workers=WORKERS)
        ceiling = servers.Gunicorn(
            "ceiling", env, workdir / "ceiling.log", workers=WORKERS,
            settings="bench.ceiling_settings",
        )  # fmt: skip
        app.start()
        ceiling.start()
        app.wait("/robots.txt")
        ceiling.wait("/")
        say(f"\nApp at {app.base}, ceiling at {ceiling.base}, {WORKERS} workers each")
        cookies = {
            "bypass": f"{fx['session_cookie']}={wrk.STALE_SESSION}",
            "signed-in": f"{fx['session_cookie']}={fx['session']}",
        }
        cookies["signed-in"], problems = prime(app, ceiling, pages, cookies)
        for problem in problems:
            say(f"  check: {problem}")
        scripts = {
            p.key: wrk.lua_rotation(workdir / f"{p.key}.lua", p.paths)
            for p in pages
            if len(p.paths) > 1
        }
        measured = measure(args, app, ceiling, pages, cookies, scripts)
        app_memory, ceiling_memory = app.memory(), ceiling.memory()
        app.stop()
        ceiling.stop()
        errors = server_errors(app.log_path, ceiling.log_path)
        memory_pages = {
            k: v for k, v in spec["pages"].items() if k in ("article", "history", "diff", "home")
        }
        detail = inprocess(
            env,
            "memory",
            dict(spec, pages=memory_pages or spec["pages"], signed_cookie=cookies["signed-in"]),
        )
        load_end = report.load()
        yardstick_end = report.yardstick()

        pg_version = database.server_version(args.server)
        facts = report.machine(pg_version)
        facts["yardstick"] = f"{yardstick_start} ms at the start, {yardstick_end} ms at the end"
        key = f"{info['articles']} articles × {info['revisions']} revisions" + (
            f", pages: {args.only}" if args.only else ""
        )
        body = render(
            args, key, started_at, facts, load_start, load_end, info, fx,
            measured, queries, app_memory, ceiling_memory, detail, problems, errors, notes,
            profiles,
        )  # fmt: skip
        say("\n" + "\n".join(body))
        if not args.no_doc:
            data = {
                "key": key,
                "articles": info["articles"],
                "revisions": info["revisions"],
                "date": started_at.strftime("%Y-%m-%d"),
                "pages": {
                    m.page.key: {"rps": m.median("rps"), "p50": m.median("p50")} for m in measured
                },
                "cpu": {k: [v["cpu"], v["queries"]["off"]] for k, v in queries.items()},
            }
            report.write_document(args.doc, key, report.section(key, body, data), report.PREAMBLE)
            say(f"\nWritten to {args.doc}")
        return 0
    except (database.SetupError, RuntimeError, ValueError) as exc:
        say(f"\nFailed: {exc}")
        for server in (app, ceiling):
            if server is not None:
                say(f"--- {server.name} log:\n{server.tail()}")
        return 1
    finally:
        for server in (app, ceiling):
            if server is not None:
                server.stop()
        if args.keep or args.setup_only or args.reuse:
            say(f"Kept: database {url} (measure it again with --reuse)")
        else:
            database.drop_database(args.server, name)
        if not args.keep:
            flush_redis(redis_url)
        shutil.rmtree(workdir, ignore_errors=True)


def render(
    args, key, started_at, facts, load_start, load_end, info, fx,
    measured, queries, app_memory, ceiling_memory, detail, problems, errors, notes, profiles,
) -> list[str]:  # fmt: skip
    """The run's section of docs/performance.md (also printed)."""
    lines = [
        f"## {key}",
        "",
        f"Measured {started_at:%Y-%m-%d %H:%M} UTC on {facts['cpu']}, {facts['cores']} cores, "
        f"{facts['ram_gib']} GiB RAM, Linux {facts['kernel']}; PostgreSQL {facts['postgresql']}, "
        f"Python {facts['python']}, Django {facts['django']}, gunicorn {facts['gunicorn']} "
        f"({WORKERS} sync workers), wrk {facts['wrk']}. Load average (1, 5, 15 min) at the start "
        f"{load_start}, at the end {load_end}. Yardstick (CPU of a fixed Python loop, lower is "
        f"faster; compare runs by it): {facts.get('yardstick', 'not measured')}.",
        "",
        f"Corpus: {info['articles']:,} articles × {info['revisions']} revision(s) of ~1,200 "
        "words (bench/corpus.py), plus two articles of 10 and 10,000 revisions; "
        f"{fx['revisions']:,} revisions in all. Imported by `manage.py import_articles` in "
        f"{info['seconds']:.0f} s ({info['date']}, load average {info['load']}): "
        f"{info['rate']:.0f} articles/s, process start-up included; its largest process at "
        f"{info['peak_kib'] / 1024:.0f} MiB RSS. Common word “{info['common']}”, rare word "
        f"“{info['rare']}”.",
        "",
        f"wrk -t2 -c16 (search: -c4) -d{args.duration:g}s after a {args.warmup:g} s warm-up, "
        f"{args.rounds} interleaved round(s); req/s, p50 and p99 are medians of the rounds "
        "(“rounds”: each round's req/s).",
        *[f"\n{note}" for note in notes],
        "",
        "### Pages over HTTP",
        "",
        *report.http_table(measured, queries, info["articles"]),
        "",
        "### In-process (Django test client): queries and CPU per request",
        "",
        "Queries: `cached` a page cache hit, `bypass` an expired session cookie (page cache "
        "bypassed, fragments cached), `off` KOTOBA_PAGE_CACHE off (nothing cached), signed in "
        "with the cache on and off. CPU and wall: medians of "
        f"{args.runs} requests with the caches off (anonymous); CPU with the page cache "
        "bypassed (fragments warm, as on a page cache miss in steady state) and signed in.",
        "",
        *report.inprocess_table(queries),
        "",
        "### Memory after the runs",
        "",
        *report.memory_lines(app_memory, ceiling_memory, bare_rss(), detail),
    ]
    if problems or errors:
        lines += ["", "### Problems seen", ""]
        lines += [f"- {problem}" for problem in problems + errors]
    bad = [m for m in measured if m.bad or not all(r.requests for r in m.rounds)]
    if bad:
        lines += ["", "Non-2xx answers, socket errors or runs in which no request finished:"]
        lines += [
            f"- {m.page.key}: {m.bad} bad answers; requests per round "
            + ", ".join(str(r.requests) for r in m.rounds)
            for m in bad
        ]
    for profile in profiles:
        text = [line for line in profile["text"].splitlines() if line.strip()]
        lines += ["", f"### cProfile: `{profile['path']}`", "", "```", *text, "```"]
    return lines


if __name__ == "__main__":
    sys.exit(main())
