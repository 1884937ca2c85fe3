"""Benchmark: the passes that pages make over a revision's stored HTML when they show it (the
table of contents, heading and section-edit links, `wiki.outline`; `lang="ja"` on Japanese
runs, `wiki.japanese`), and over the Markdown when a section is edited (`wiki.sections`: find
the sections, put one back) or a talk post is read for @mentions (`talk.services.mentioned`),
on pathological texts, measured (not asserted).

    .venv/bin/python bench/display_pathological.py               # sizes 25, 50, 100, 200 KB
    .venv/bin/python bench/display_pathological.py --sizes 200 --repeat 5

Each shape is Markdown of about the given size (200 KB: the body limit), rendered once as a
save renders it; the HTML passes are then timed on the stored HTML, the text passes on the
Markdown. It prints the best time at
each size and the slope in ms per KB at the largest, and flags a time over 100 ms ("SLOW") or
one that grows faster than the text ("SUPERLINEAR": doubling the size more than triples it,
above a few milliseconds). A text the renderer refuses (over a markup limit) is shown as
"refused": it can never be saved, so no page makes these passes over it.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from growth import best_ms, growth_flags, size_arguments  # noqa: E402

django.setup()

from talk.services import mentioned  # noqa: E402
from wiki import sections  # noqa: E402
from wiki.japanese import mark_html  # noqa: E402
from wiki.outline import outline, table_of_contents  # noqa: E402
from wiki.rendering import render  # noqa: E402

SLOW_MS = 100
PROSE = "A sentence of ordinary prose about where a fandom word comes from and how it is used. " * 3


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
    # Sections as dense as a text the renderer accepts can hold them (a paragraph each).
    "one section, deep subsections": lambda size: (
        "## Top\n\n" + repeat_to(f"### Sub\n\n{PROSE}\n\n", size)
    ),
    "headings in quotes and lists": lambda size: repeat_to(
        f"> ## Quoted\n\n- ## Listed\n\n## Real\n\n{PROSE}\n\n", size
    ),
    "an open code fence": lambda size: "## A\n\n```\n" + repeat_to("## not a heading\n", size),
    "at signs": lambda size: repeat_to("@", size),
    "mentions everywhere": lambda size: repeat_to("@hana @ken.k a@b.c @x+y-z ", size),
}


def resolver(titles):
    return dict.fromkeys(titles)


def passes(text: str, html: str) -> None:
    linked, headings = outline(html, edit_url="/wiki/x/edit/")
    table_of_contents(headings)
    mark_html(linked)
    found = sections.sections(text)
    if found:
        middle = found[len(found) // 2]
        sections.replace(text, middle, sections.text_of(text, middle) + "\n\nMore.")
    mentioned(text)


def main(argv=None) -> int:
    args = size_arguments(__doc__, argv)
    flagged = 0
    print(f"{'shape':<28}" + "".join(f"{s:>8} KB" for s in args.sizes) + "   ms/KB  flags")
    for name, make in SHAPES.items():
        row = []
        for size in args.sizes:
            text = make(size * 1000)
            rendered = render(text, resolver)
            # A text the renderer refuses is never stored, so no page passes over it.
            timed = (
                None
                if rendered.problem
                else best_ms(passes, text, rendered.html, repeat=args.repeat)
            )
            row.append(timed)
        measured = [(size, ms) for size, ms in zip(args.sizes, row, strict=True) if ms is not None]
        flags = growth_flags(measured, SLOW_MS)
        flagged += bool(flags)
        slope = measured[-1][1] / measured[-1][0] if measured else 0.0
        cells = "".join(f"{ms:>8.1f} ms" if ms is not None else f"{'refused':>11}" for ms in row)
        print(f"{name:<28}{cells}   {slope:5.3f}  {' '.join(flags)}")
    print(f"\n{flagged} shape(s) flagged; budget {SLOW_MS} ms at the largest size.")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
