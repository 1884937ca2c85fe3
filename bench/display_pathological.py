"""Benchmark: the passes that pages make over a revision's stored HTML when they show it (the
table of contents and heading links, `wiki.outline`; `lang="ja"` on Japanese runs,
`wiki.japanese`), on pathological texts, measured (not asserted).

    .venv/bin/python bench/display_pathological.py               # sizes 25, 50, 100, 200 KB
    .venv/bin/python bench/display_pathological.py --sizes 200 --repeat 5

Each shape is Markdown of about the given size (200 KB: the body limit), rendered once as a
save renders it; the two passes are then timed on the stored HTML. It prints the best time at
each size and the slope in ms per KB at the largest, and flags a time over 100 ms ("SLOW") or
one that grows faster than the text ("SUPERLINEAR": doubling the size more than triples it,
above a few milliseconds).
"""

import argparse
import os
import sys
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from wiki.japanese import mark_html  # noqa: E402
from wiki.outline import outline, table_of_contents  # noqa: E402
from wiki.rendering import render  # noqa: E402

SLOW_MS = 100
NOISE_MS = 5


def repeat_to(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit.encode()))


SHAPES = {
    "many headings": lambda size: repeat_to("## Section 寝取られ *x*\n\ntext\n\n", size),
    "one long Japanese run": lambda size: repeat_to("寝取られ萌え推し", size),
    "kana between many tags": lambda size: repeat_to("*寝*`る`[萌](https://e.example) ", size),
    "heading-like text in code": lambda size: (
        "```\n" + repeat_to('<h2 id="x">寝</h2>', size) + "\n```"
    ),
    "quotes and angle brackets": lambda size: repeat_to("## a\" b='c' <d> 「e」\n\n", size),
    "plain English": lambda size: repeat_to("An ordinary sentence about fandom words. ", size),
}


def resolver(titles):
    return dict.fromkeys(titles)


def passes(html: str) -> None:
    linked, sections = outline(html)
    table_of_contents(sections)
    mark_html(linked)


def best(html: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        passes(html)
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100, 200], help="KB")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    flagged = 0
    print(f"{'shape':<28}" + "".join(f"{s:>8} KB" for s in args.sizes) + "   ms/KB  flags")
    for name, make in SHAPES.items():
        row = []
        for size in args.sizes:
            html = render(make(size * 1000), resolver).html
            row.append(best(html, args.repeat))
        flags = []
        if max(row) > SLOW_MS:
            flags.append("SLOW")
        for (size_a, a), (size_b, b) in pairwise(zip(args.sizes, row, strict=True)):
            if b > NOISE_MS and size_b >= 2 * size_a and b > 3 * a * (size_b / size_a) / 2:
                flags.append("SUPERLINEAR")
                break
        flagged += bool(flags)
        slope = row[-1] / args.sizes[-1]
        cells = "".join(f"{ms:>8.1f} ms" for ms in row)
        print(f"{name:<28}{cells}   {slope:5.3f}  {' '.join(flags)}")
    print(f"\n{flagged} shape(s) flagged; budget {SLOW_MS} ms at the largest size.")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
