"""Benchmark: rendering time on pathological Markdown, measured (not asserted).

    .venv/bin/python bench/render_pathological.py              # markdown-it, about 75 s
    .venv/bin/python bench/render_pathological.py --compare    # and Python-Markdown: ~10 min
    .venv/bin/python bench/render_pathological.py --only "run of" --repeat 3

Every shape is a unit repeated (or nested) n times. For each shape the bench finds the largest
n that the article form accepts (``wiki.rendering.markup_problem``: size, counted markup,
nesting) and times everything a save needs from one parse (``render``: HTML, FAQ items,
external links; wikilinks resolved against an empty SQLite database) at 1/8, 1/4, 1/2 and all
of that size. It prints the times, the slope in ms per KB at the largest size and the growth
exponent (time ~ size^k, fitted over the four sizes), and flags a time over 1 s ("SLOW") or
k > 1.3 ("SUPERLINEAR"), above a few milliseconds where the clock is trustworthy (on a busy
machine a flag can be noise: confirm it with --only NAME --repeat 5). "refused"
shows what happens to the same shape at the byte cap when the form would refuse it: render()
then shows the text escaped instead of rendering its markup, and must still be quick.

--compare also times Python-Markdown (the extensions Kotoba used: tables, fenced_code,
footnotes, toc, sane_lists) on the same shape at the largest accepted size ("PyMd max") and at
the byte cap ("PyMd cap", which the old renderer accepted whatever the markup), each in a
subprocess killed after --timeout seconds, so a quadratic shape cannot hang the run.
"""

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLOW_MS = 1_000
NOISE_MS = 5
SUPERLINEAR = 1.3
FRACTIONS = (8, 4, 2, 1)


@dataclass(frozen=True)
class Shape:
    name: str
    build: Callable[[int], str]


def lines(make: Callable[[int], str]) -> Callable[[int], str]:
    return lambda n: "".join(make(i) + "\n" for i in range(n))


def run(unit: str) -> Callable[[int], str]:
    return lambda n: unit * n


def table_rows(n: int) -> str:
    return "| a | b |\n|---|---|\n" + "| x | y |\n" * n


def table_columns(n: int) -> str:
    return "|a" * n + "|\n" + "|-" * n + "|\n" + "|x" * n + "|\n"


def faq(n: int) -> str:
    return "## FAQ\n\n" + "".join(f"### Question {i}?\n\nAnswer *{i}*.\n\n" for i in range(n))


def footnotes(n: int) -> str:
    refs = "".join(f"Claim {i}.[^{i}] " for i in range(n))
    return refs + "\n\n" + "".join(f"[^{i}]: Source {i}.\n" for i in range(n))


def references(n: int) -> str:
    uses = "".join(f"[r{i}] " for i in range(n))
    return uses + "\n\n" + "".join(f"[r{i}]: https://example.com/{i}\n" for i in range(n))


def prose(n: int) -> str:
    section = (
        "## Section {i}\n\nA paragraph about [[Moe]] with *emphasis*, `code` and a "
        "[link](https://example.com/{i}).[^{i}] " + "word " * 100 + "\n\n- one\n- two\n\n"
    )
    body = "".join(section.format(i=i) for i in range(n))
    return body + "".join(f"[^{i}]: Source {i}.\n" for i in range(n))


SHAPES = [
    Shape("prose (a normal article)", prose),
    # deep nesting of every container
    Shape("blockquotes nested", lambda n: ">" * n + " a"),
    Shape("lists nested (indented)", lines(lambda i: "  " * i + "- a")),
    Shape("lists nested (one line)", lambda n: "- " * n + "a"),
    Shape("list in quote nested", lambda n: "> - " * n + "a"),
    Shape("footnotes nested", lambda n: "x[^a]\n\n" + "[^a]: " * n + "a"),
    Shape("emphasis nested", lambda n: "*a **a " * n + "b" + " a** a*" * n),
    Shape("links nested", lambda n: "[" * n + "a" + "](b)" * n),
    Shape("images nested", lambda n: "![" * n + "a" + "](b)" * n),
    Shape("brackets nested", lambda n: "[" * n + "a" + "]" * n),
    # many lines at the deepest nesting that is still accepted
    Shape("quote 19 deep, many lines", lines(lambda i: ">" * 19 + " a")),
    Shape("list 9 deep, many items", lambda n: "".join("  " * d + "- a\n" for d in range(9)) * n),
    # long runs of every delimiter
    Shape("run of *", run("*")),
    Shape("run of _", run("_")),
    Shape("run of ~", run("~")),
    Shape("run of `", run("`")),
    Shape("backticks growing", lambda n: "".join("e" + "`" * (i % 200) for i in range(n))),
    Shape("run of [", run("[")),
    Shape("run of ![", run("![")),
    Shape("run of <", run("<")),
    Shape("run of |", run("|")),
    Shape("run of \\", run("\\")),
    Shape("run of ]", run("a]")),
    Shape("run of *a", run("*a")),
    Shape("emph openers _a", run("_a ")),
    Shape("emph closers a_", run("a_ ")),
    Shape("mismatched *a_", run("*a_ ")),
    Shape("multiple of 3 c*", lambda n: "a**b" + "c* " * n),
    Shape("link openers + emph [ a_", run("[ a_")),
    # link openers
    Shape("link openers [a](", run("[a](")),
    Shape("link openers [(", run("[(")),
    Shape("link openers []( ", run("[]( ")),
    Shape("pattern [ (](", run("[ (](")),
    Shape("pattern ![[]()", run("![[]()")),
    Shape("unclosed [a](<b", run("[a](<b")),
    Shape("unclosed [a](b", run("[a](b")),
    Shape("closed links [a](b)", run("[a](b) ")),
    # blocks
    Shape("fence openers ```a", lines(lambda i: "```a")),
    Shape("fences closed", lines(lambda i: "```\ncode\n```")),
    Shape("table rows", table_rows),
    Shape("table columns", table_columns),
    Shape("headings (same name)", lines(lambda i: "## Heading\n")),
    Shape("headings (distinct)", lines(lambda i: f"## Heading {i}\n")),
    Shape("FAQ questions", faq),
    Shape("footnote refs + defs", footnotes),
    Shape("reference definitions", references),
    Shape("NUL characters", run("abc\x00de\x00")),
    Shape("list items (flat)", lines(lambda i: "- a")),
    Shape("lines of one word", lines(lambda i: "a")),
    Shape("blank lines", run("\n")),
    Shape("mixture of every markup", run("[[a ![b *c _d | <e \\f ]g\n- h\n> i\n")),
    # wikilinks
    Shape("wikilinks [[a]]", lambda n: "".join(f"[[Title {i}]] " for i in range(n))),
    Shape("wikilinks [[a|b]]", lambda n: "".join(f"[[Title {i}|label]] " for i in range(n))),
    Shape("wikilinks [[a#b]]", lambda n: "".join(f"[[Title {i}#Part {i}]] " for i in range(n))),
    Shape("wikilink, one long title", lambda n: "[[" + "a" * n + "]]"),
    Shape(
        "wikilinks, 300-char titles", lambda n: "".join(f"[[{i:06}{'x' * 294}]] " for i in range(n))
    ),
    Shape("unclosed wikilinks [[", run("[[")),
    Shape("unclosed wikilinks [[a", run("[[a ")),
]


def fit_exponent(sizes: list[int], times: list[float]) -> float | None:
    points = [(math.log(s), math.log(t)) for s, t in zip(sizes, times, strict=True) if t > 0]
    if len(points) < 2 or times[-1] < NOISE_MS:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else None


def size_of(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def search(pred: Callable[[int], bool], high: int) -> int:
    """The largest n in [0, high] with pred(n), for pred true up to some n, then false."""
    low = 0
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if pred(mid) else (low, mid - 1)
    return low


def grow(pred: Callable[[int], bool]) -> int:
    high = 1
    while pred(high):
        high *= 2
    return search(pred, high)


def largest_accepted(shape: Shape) -> int:
    """The largest n whose text the form accepts (0 if none)."""
    from wiki.rendering import limits, markup, markup_problem

    n = grow(lambda n: limits.size_problem(shape.build(n)) is None)  # counting: cheap
    if n and markup.parse(shape.build(n)).too_deep:  # nesting needs the parse
        n = search(lambda n: markup_problem(shape.build(n)) is None, n)
    return n


def at_byte_cap(shape: Shape) -> int:
    from wiki.rendering import limits

    return grow(lambda n: size_of(shape.build(n)) <= limits.MAX_BYTES)


def time_render(text: str, repeat: int) -> float:
    from wiki.rendering import markup, render

    best = math.inf
    for _ in range(repeat):
        markup.parse.cache_clear()
        markup.title_key.cache_clear()
        start = time.perf_counter()
        result = render(text)
        result.faq, result.external_links  # noqa: B018 (everything a save asks for)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def python_markdown_ms(shape: Shape, n: int, timeout: float) -> str:
    """Python-Markdown's time for the same text, in a child process that may be killed."""
    args = [sys.executable, __file__, "--child", shape.name, str(n)]
    try:
        done = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
            args, capture_output=True, text=True, timeout=timeout, check=True
        )
    except subprocess.TimeoutExpired:
        return f">{timeout:.0f}s"
    except subprocess.CalledProcessError as failed:
        return "error: " + (failed.stderr.strip().splitlines() or ["?"])[-1][:30]
    return done.stdout.strip()


def child(name: str, n: int) -> None:
    import markdown

    text = next(s for s in SHAPES if s.name == name).build(n)
    extensions = ["tables", "fenced_code", "footnotes", "toc", "sane_lists"]
    start = time.perf_counter()
    markdown.markdown(text, extensions=extensions)
    print(f"{(time.perf_counter() - start) * 1000:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", action="store_true", help="also time Python-Markdown")
    parser.add_argument("--timeout", type=float, default=15, help="seconds per shape (compare)")
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs at each size")
    parser.add_argument("--only", help="shapes whose name contains this")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return

    database = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)  # noqa: SIM115
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database.name}")
    import django

    django.setup()
    from django.core.management import call_command

    from wiki.rendering import limits, render

    call_command("migrate", verbosity=0)
    compare = args.compare
    if compare:
        try:
            import markdown  # noqa: F401
        except ImportError:
            print("Python-Markdown is not installed: no comparison.")
            compare = False

    shapes = [s for s in SHAPES if not args.only or args.only in s.name]
    head = f"{'shape':<28} {'max KB':>7} {'1/8':>7} {'1/4':>7} {'1/2':>7} {'max ms':>7}"
    head += f" {'ms/KB':>6} {'k':>5}  {'at the byte cap':<34}"
    if compare:
        head += f" {'PyMd max':>9} {'PyMd cap':>9}"
    print(head)
    print("-" * len(head))
    flagged = []
    started = time.perf_counter()
    for shape in shapes:
        n_max = largest_accepted(shape)
        ns = sorted({max(1, n_max // f) for f in FRACTIONS}) if n_max else []
        sizes = [size_of(shape.build(n)) for n in ns]
        times = [time_render(shape.build(n), args.repeat) for n in ns]
        exponent = fit_exponent(sizes, times) if len(ns) == len(FRACTIONS) else None
        cap_n = at_byte_cap(shape)
        cap_text = shape.build(cap_n)
        if n_max and cap_n <= n_max:
            at_cap = "accepted"
        else:
            start = time.perf_counter()
            refused = render(cap_text)
            ms = (time.perf_counter() - start) * 1000
            what = f"refused ({refused.problem.code})" if refused.problem else "accepted (empty)"
            at_cap = f"{what} {ms:.0f} ms"
        cells = [f"{t:7.0f}" for t in times]
        cells = ["      -"] * (len(FRACTIONS) - len(cells)) + cells
        slope = times[-1] / (sizes[-1] / 1024) if times and sizes[-1] >= 1024 else None
        line = f"{shape.name:<28} {(sizes[-1] if sizes else 0) / 1024:7.1f} " + " ".join(cells)
        line += f" {slope:6.2f}" if slope is not None else "      -"
        line += f" {exponent:5.2f}" if exponent is not None else "     -"
        line += f"  {at_cap:<34}"
        if compare:
            at_max = python_markdown_ms(shape, n_max, args.timeout) if n_max else "-"
            line += f" {at_max:>9} {python_markdown_ms(shape, cap_n, args.timeout):>9}"
        flags = []
        if times and times[-1] > SLOW_MS:
            flags.append("SLOW")
        if exponent is not None and exponent > SUPERLINEAR:
            flags.append("SUPERLINEAR")
        if flags:
            flagged.append(shape.name)
            line += "  " + " ".join(flags)
        print(line, flush=True)
    print(
        f"\n{len(shapes)} shapes in {time.perf_counter() - started:.0f} s; byte cap "
        f"{limits.MAX_BYTES // 1024} KB; flagged: {', '.join(flagged) or 'none'}"
    )
    Path(database.name).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
