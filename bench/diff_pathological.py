"""Benchmark: diff and merge time on pathological inputs, measured (not asserted).

    .venv/bin/python bench/diff_pathological.py              # sizes 25, 50, 100, 200 KB
    .venv/bin/python bench/diff_pathological.py --sizes 50 200 --repeat 3

Each shape builds an old text, a new text and a third version (for the merge: base = old,
mine = new, theirs = the third) of about the given size in UTF-8 bytes; the largest default
size is the 200 KB body limit. For every shape and function it prints the best time over
--repeat runs at each size and the slope in ms per KB at the largest size, and flags a time
over 1 s ("SLOW") or a time that grows faster than the text ("SUPERLINEAR": doubling the
size more than triples the time, above a few milliseconds where the clock is trustworthy).
"""

import argparse
import random
import sys
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from growth import best_ms  # noqa: E402

from wiki.diffing import inline_diff, merge_text, side_by_side  # noqa: E402

WORDS = ["meme", "slang", "fandom", "ship", "canon", "stan", "lurk", "based", "ratio", "reply"]
KANJI = "推し草萌え沼尊い界隈布教神回解釈一致民語録今日晴雨言葉文化流行"
SLOW_MS = 1_000
NOISE_MS = 5  # below this, growth ratios are mostly clock noise


def fill(make_line, size: int) -> list[str]:
    """Lines from make_line(n) until their UTF-8 size reaches `size` bytes."""
    lines, total = [], 0
    while total < size:
        line = make_line(len(lines))
        lines.append(line)
        total += len(line.encode()) + 1
    return lines


def text(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def sentence(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def different(size):
    """Two unrelated texts: nothing in common but the vocabulary."""
    old = fill(lambda n: sentence(random.Random(n)), size)
    new = fill(lambda n: sentence(random.Random(-1 - n)), size)
    third = fill(lambda n: sentence(random.Random(10**6 + n)), size)
    return text(old), text(new), text(third)


def one_huge_line(size):
    """The whole body on one line with no newline; every 40th word changed."""
    rng = random.Random(1)
    words = [rng.choice(WORDS) for _ in range(size // 6)]
    new = [w.upper() if n % 40 == 7 else w for n, w in enumerate(words)]
    third = [w + "!" if n % 40 == 27 else w for n, w in enumerate(words)]
    return " ".join(words), " ".join(new), " ".join(third)


def identical_lines(size):
    """One line repeated; the edits add and remove copies and change a few of them."""
    old = fill(lambda n: "same line again", size)
    new = list(old)
    for at in range(len(new) - 1, 0, -97):
        new[at : at + 1] = [] if at % 2 else ["same line again", "same line again"]
    new[len(new) // 2] = "a different line"
    third = list(old)
    third[len(third) // 3] = "their line"
    return text(old), text(new), text(third)


def tiny_lines(size):
    """As many lines as the size allows: empty lines against one-letter lines."""
    return "\n" * size, "x\n" * (size // 2), "\n" * (size // 2) + "y\n" * (size // 4)


def repeating_rows(size):
    """Table rows drawn from a small pool: every line repeats, shuffled between versions."""
    pool = [f"| row {n} | cell | cell |" for n in range(40)] + ["", "---"]
    old = fill(lambda n: random.Random(n).choice(pool), size)
    new = fill(lambda n: random.Random(-1 - n).choice(pool), size)
    third = [line.replace("cell", "CELL", 1) if n % 50 == 0 else line for n, line in enumerate(old)]
    return text(old), text(new), text(third)


def cjk_no_spaces(size):
    """Japanese without spaces, 60 characters a line, a character changed in every line."""
    lines = fill(lambda n: "".join(random.Random(n).choice(KANJI) for _ in range(60)), size)
    new = [line[:20] + "語" + line[21:] for line in lines]
    third = [line[:45] + "文" + line[46:] for line in lines]
    return text(lines), text(new), text(third)


def cjk_one_line(size):
    """Japanese without spaces or newlines: one token per character, all on one line."""
    rng = random.Random(2)
    chars = [rng.choice(KANJI) for _ in range(size // 3)]
    new = ["語" if n % 50 == 11 else c for n, c in enumerate(chars)]
    third = ["文" if n % 50 == 37 else c for n, c in enumerate(chars)]
    return "".join(chars), "".join(new), "".join(third)


def alternating(size):
    """Every even line deleted and a new line inserted after every odd one."""
    old = fill(lambda n: f"line {n}: {sentence(random.Random(n), 8)}", size)
    new = [x for n, line in enumerate(old) if n % 2 for x in (line, f"inserted after {n}")]
    third = [line if n % 3 else line + " (theirs)" for n, line in enumerate(old)]
    return text(old), text(new), text(third)


def every_line_changed(size):
    """A long text with one word changed in every line."""
    old = fill(lambda n: sentence(random.Random(n), 16), size)
    new = [line.replace(" ", " CHANGED ", 1) for line in old]
    third = [line + " end" for line in old]
    return text(old), text(new), text(third)


def conflict_every_other_line(size):
    """Both sides change every even line differently: a conflict in every other line."""
    old = fill(lambda n: f"{n} {sentence(random.Random(n), 10)}", size)
    new = [line + " mine" if n % 2 == 0 else line for n, line in enumerate(old)]
    third = [line + " theirs" if n % 2 == 0 else line for n, line in enumerate(old)]
    return text(old), text(new), text(third)


def interleaved_clean_merge(size):
    """Mine changes the even lines, theirs the odd ones: adjacent edits, all clean."""
    old = fill(lambda n: f"{n} {sentence(random.Random(n), 10)}", size)
    new = [line + " mine" if n % 2 == 0 else line for n, line in enumerate(old)]
    third = [line + " theirs" if n % 2 else line for n, line in enumerate(old)]
    return text(old), text(new), text(third)


SHAPES = [
    different,
    one_huge_line,
    identical_lines,
    tiny_lines,
    repeating_rows,
    cjk_no_spaces,
    cjk_one_line,
    alternating,
    every_line_changed,
    conflict_every_other_line,
    interleaved_clean_merge,
]
FUNCTIONS = {
    "inline_diff": lambda old, new, third: inline_diff(old, new, context=None),
    "side_by_side": lambda old, new, third: side_by_side(old, new, context=None),
    "merge_text": lambda old, new, third: merge_text(old, new, third),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100, 200], help="KB")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--shape", action="append", help="only these shapes (repeatable)")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    shapes = [s for s in SHAPES if not args.shape or s.__name__ in args.shape]

    header = "".join(f"{f'{kb} KB':>10}" for kb in sizes)
    print(f"{'shape':<26}{'function':<14}{header}{'ms/KB':>8}  flags")
    flagged = 0
    for shape in shapes:
        inputs = {kb: shape(kb * 1024) for kb in sizes}
        for name, fn in FUNCTIONS.items():
            times = [best_ms(fn, *inputs[kb], repeat=args.repeat) for kb in sizes]
            flags = []
            if times[-1] > SLOW_MS:
                flags.append("SLOW")
            for (kb1, t1), (kb2, t2) in pairwise(zip(sizes, times, strict=True)):
                if t2 > NOISE_MS and t2 / max(t1, NOISE_MS / 2) > 1.5 * kb2 / kb1:
                    flags.append("SUPERLINEAR")
                    break
            flagged += bool(flags)
            cells = "".join(f"{t:>8.1f}ms" for t in times)
            slope = times[-1] / sizes[-1]
            print(f"{shape.__name__:<26}{name:<14}{cells}{slope:>8.2f}  {' '.join(flags)}")
    print(f"\n{flagged} flagged (SLOW: > {SLOW_MS} ms; SUPERLINEAR: x2 size, > x3 time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
