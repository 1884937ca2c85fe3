"""What the benches of pathological inputs at growing sizes share (display_pathological.py,
search_pathological.py; diff_pathological.py times with `best_ms`): the arguments, the best
time of a few runs, and the flags a row of times gets."""

import argparse
import time
from itertools import pairwise

NOISE_MS = 5  # below this, growth ratios are mostly clock noise


def size_arguments(doc: str, argv=None) -> argparse.Namespace:
    """--sizes (KB, growing) and --repeat, with the script's first docstring line as help."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100, 200], help="KB")
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args(argv)


def best_ms(fn, *args, repeat: int) -> float:
    """The fastest of `repeat` calls of fn(*args), in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def growth_flags(measured: list[tuple[int, float]], slow_ms: float) -> list[str]:
    """For (size, ms) pairs in growing size: "SLOW" if a time is over `slow_ms`,
    "SUPERLINEAR" if doubling the size (or more) more than triples the time, above noise."""
    flags = []
    if measured and max(ms for _, ms in measured) > slow_ms:
        flags.append("SLOW")
    for (size_a, a), (size_b, b) in pairwise(measured):
        if b > NOISE_MS and size_b >= 2 * size_a and b > 3 * a * (size_b / size_a) / 2:
            flags.append("SUPERLINEAR")
            break
    return flags
