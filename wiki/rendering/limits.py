"""How much Markdown one text may hold, so that rendering it stays well under a second.

markdown-it is linear, but some constructs cost far more per character than prose: an
unclosed ``[`` or ``![`` makes the parser look ahead, every list item or table cell is a few
tokens. ``bench/render_pathological.py`` times 58 shapes; ``_WEIGHTS`` holds about the worst
cost per unit it measured (microseconds, on the project's 2-core machine). A text's estimated
cost is the sum over units; above ``BUDGET_US`` it is refused. At the largest accepted size
the slowest shape renders in about half a second, prose is accepted up to the byte cap.
Counting is a handful of ``str.count`` passes, so asking costs next to nothing whatever the
text, and a text that mixes every kind of markup is bounded like one that uses a single kind.

Nesting is the one thing counting cannot see; the parse reports it (``Document.too_deep``).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 200 * 1024  # kept: the demo articles are 2-4 KB, and 200 KB of prose renders in ~0.15 s
BUDGET_US = 400_000


@dataclass(frozen=True)
class MarkupProblem:
    """Why a text is refused: ``code`` for ``ValidationError``, ``message`` for people."""

    code: str
    message: str


# (what it is called, microseconds per unit, how to count it)
_WEIGHTS = (
    ("bytes", 0.6, lambda text: len(text.encode("utf-8", "surrogatepass"))),
    ("lines", 75, lambda text: text.count("\n") + text.count("\r")),
    ("square brackets “[”", 32, lambda text: text.count("[")),
    ("image marks “![”", 32, lambda text: text.count("![")),
    ("emphasis marks “*” and “_”", 15, lambda text: text.count("*") + text.count("_")),
    ("table bars “|”", 14, lambda text: text.count("|")),
    ("angle brackets “<”", 4, lambda text: text.count("<")),
    ("closing brackets “]”", 3.5, lambda text: text.count("]")),
    ("backslashes “\\”", 1.5, lambda text: text.count("\\")),
)

TOO_DEEP = MarkupProblem(
    "too_deeply_nested",
    "Lists, quotes or footnotes are nested too deeply to show (more than about nine lists "
    "or nineteen quotes inside each other). Flatten the deepest part.",
)


def estimated_us(text: str) -> dict[str, float]:
    """The estimated rendering cost of ``text`` by kind of markup, in microseconds."""
    return {name: weight * count(text) for name, weight, count in _WEIGHTS}


def size_problem(text: str) -> MarkupProblem | None:
    """The problems that counting finds (the parse finds over-deep nesting)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return MarkupProblem(
            "body_too_long",
            f"The text is {size // 1024} KB; the limit is {MAX_BYTES // 1024} KB. "
            "Split it into several articles.",
        )
    costs = estimated_us(text)
    if sum(costs.values()) <= BUDGET_US:
        return None
    name, weight, count = max(_WEIGHTS, key=lambda kind: costs[kind[0]])
    return MarkupProblem(
        "too_much_markup",
        f"The text has more markup than one article can show (mostly its {count(text):,} "
        f"{name}). Split it into several articles, or use less of it.",
    )
