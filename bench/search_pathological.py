"""Benchmark: what a search does in Python with the texts and the query a reader typed — read
the query (`parse`), find the words to ask the stemmer about (`_words_starting`, PostgreSQL),
cut and mark the excerpts (`snippet`, whole words on PostgreSQL, widened substrings on
SQLite) — for a page of 20 results, on pathological texts and queries, measured (not
asserted).

    .venv/bin/python bench/search_pathological.py               # texts of 25 … 200 KB
    .venv/bin/python bench/search_pathological.py --sizes 200 --repeat 5

Each shape is a text (each of the 20 results holds it) and a query, cut to the 200 characters
a search reads. It prints the best time for the page at each size and the slope in ms per KB
at the largest, and flags a time over 100 ms ("SLOW") or one that grows faster than the text
("SUPERLINEAR": doubling the size more than triples it, above a few milliseconds).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from growth import best_ms, growth_flags, size_arguments  # noqa: E402

django.setup()

from wiki.search import _WORD, _words_starting, parse, snippet  # noqa: E402

SLOW_MS = 100
PAGE = 20  # results on a page, each with an excerpt


def repeat_to(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit.encode()))


ALPHABET = "abcdefghijklmnopqrstuvwxyzàéîõüçñ"
SHAPES = {  # name: (text of `size` bytes, query)
    "the word everywhere": (lambda size: repeat_to("community ", size), "community"),
    "near misses only": (lambda size: repeat_to("communit communitys ", size), "community"),
    "one unbroken run": (lambda size: repeat_to("寝取られ", size), "寝取"),
    "one letter, one long word": (lambda size: repeat_to("a", size), "a"),
    "every initial": (
        lambda size: repeat_to(" ".join(c * 3 for c in ALPHABET) + " ", size),
        " ".join(ALPHABET),
    ),
    "many words, many phrases": (
        lambda size: repeat_to("a fan's “moe” word, or not. ", size),
        " or ".join(f'"{c}{c}"' for c in ALPHABET),
    ),
    "quotes and minus signs": (lambda size: repeat_to('"- ', size), '"-' * 100),
    "separators and lines": (lambda size: repeat_to("a\n·\n", size), "a · b"),
}


def page(text: str, query: str) -> None:
    terms = parse(" ".join(query.split())[:200])
    positive = " ".join(terms.positive)
    texts = [text] * PAGE
    words = _words_starting(texts, {w[0] for w in _WORD.findall(positive.lower())})
    for one in texts:
        snippet(one, words, whole_words=True)  # PostgreSQL: the stemmer's words
        snippet(one, terms.positive)  # SQLite: the query's own words, widened


def main(argv=None) -> int:
    args = size_arguments(__doc__, argv)
    flagged = 0
    print(
        f"{'shape (a page of 20)':<28}"
        + "".join(f"{s:>8} KB" for s in args.sizes)
        + "   ms/KB  flags"
    )
    for name, (make, query) in SHAPES.items():
        row = [best_ms(page, make(size * 1000), query, repeat=args.repeat) for size in args.sizes]
        flags = growth_flags(list(zip(args.sizes, row, strict=True)), SLOW_MS)
        flagged += bool(flags)
        cells = "".join(f"{ms:>8.1f} ms" for ms in row)
        print(f"{name:<28}{cells}   {row[-1] / args.sizes[-1]:5.3f}  {' '.join(flags)}")
    print(f"\n{flagged} shape(s) flagged; budget {SLOW_MS} ms at the largest size.")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
