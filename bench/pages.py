"""Benchmark: render time and page times on a big article, measured (not asserted).

    make bench                       # SQLite in a temporary file
    DATABASE_URL=postgres://... make bench

Prints the median of several runs for: rendering a ~100 KB body, saving an edit, the article
page, the history page (200 revisions), a diff, and a search.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
_tmp = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)  # noqa: SIM115
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tests.factories import edit, make_article, make_user  # noqa: E402
from wiki.rendering import render_markdown  # noqa: E402


def median_ms(fn, runs=7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    author = make_user("bench-mod", trust="moderator")
    section = "## Section {n}\n\nA paragraph about [[Moe]] with a note.[^{n}] " + "word " * 120
    body = "\n\n".join(section.format(n=n) for n in range(1, 120))
    body += "\n\n" + "\n".join(f"[^{n}]: Source {n}." for n in range(1, 120))
    article = make_article(
        "Benchmark", author=author, body=body, aliases="\n".join(f"Alias {i}" for i in range(20))
    )
    for i in range(200):
        edit(article, author, body=body + f"\n\nEdit {i}.")
    client = Client()
    rows = [
        (
            f"render ~{len(body) // 1024} KB of Markdown",
            median_ms(lambda: render_markdown(body)),
        ),
        ("save an edit", median_ms(lambda: edit(article, author, body=body + "\n\nMore."), runs=3)),
        ("article page", median_ms(lambda: client.get(article.get_absolute_url()))),
        (
            "history page (200 revisions)",
            median_ms(lambda: client.get(f"/wiki/{article.slug}/history/")),
        ),
        ("diff page", median_ms(lambda: client.get(f"/wiki/{article.slug}/diff/1/150/"))),
        ("search", median_ms(lambda: client.get("/search/?q=paragraph&fulltext=1"))),
    ]
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name:<{width}}  {ms:8.1f} ms")


if __name__ == "__main__":
    try:
        main()
    finally:
        Path(_tmp.name).unlink(missing_ok=True)
