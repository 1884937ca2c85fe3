"""Revision diffs for display, and three-way merging of concurrent edits.

Standard library only. Returned HTML has all user text escaped; callers mark it safe.

Merge rule for touching hunks (compared by the base lines each side changed):
  * ranges sharing at least one base line conflict, unless both made the same change;
  * two insertions at the same base position conflict, unless identical;
  * an insertion strictly inside the other side's changed range conflicts;
  * anything else is clean: edits to adjacent lines (5 and 6) both apply, and an
    insertion just before / just after the other side's changed range goes
    before / after that change.
Line endings are normalised first (CRLF and a lone CR become LF); the merged text ends
with a newline if the side that changed that wanted one (else as the base did).

Diffs stay fast on long texts: the common head and tail are trimmed, small middles go
to difflib.SequenceMatcher (autojunk=False), and large ones are first anchored on items
unique to both sides (patience diff). A per-call work budget caps the worst case; past
it, a region is shown (or merged) as one whole replacement, which loses nothing. A changed
block too long for one word diff is word-diffed line against line instead.

Why not a library: Breezy's merge3 (diff3 rules) makes adjacent-line edits and insertions
beside the other side's edit conflicts, and plain difflib is quadratic when every match is
one line long (seconds at the 200 KB body limit). bench/diff_pathological.py measures ours.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import zip_longest

# Kana, CJK ideographs (with extensions and compatibility forms), 々〆〇, half-width kana.
_CJK = (
    "\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
# Newline | other whitespace run | one CJK character | non-CJK word run | one other char.
_TOKEN_RE = re.compile(rf"\n|[^\S\n]+|[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")
_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_CHEAP = 4_096  # SequenceMatcher runs on regions up to this many item pairs
_BUDGET = 400_000  # work units per public call; about one unit per item pair compared
_CALL_COST = 20  # units charged per matching pass or word diff
_MAX_TOKENS = 20_000  # larger blocks are diffed line by line, larger lines replaced whole
_MAX_DEPTH = 8  # nesting of anchored (patience) passes
_MIN_SKIP = 3  # never collapse fewer unchanged lines than this


def _normalize(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines(text: str) -> list[str]:
    """Lines that keep their trailing newline."""
    return _LINE_RE.findall(_normalize(text))


def _skip_label(count: int) -> str:
    return f"… {count} unchanged line{'' if count == 1 else 's'} …"


# --- sequence matching -----------------------------------------------------------------


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of ``pairs`` (sorted by i) whose j values increase."""
    tails: list[int] = []  # smallest last j of an increasing run of each length
    ends: list[int] = []  # index in pairs of that run's last pair
    back: list[int] = []
    for k, (_, j) in enumerate(pairs):
        pos = bisect_left(tails, j)
        back.append(ends[pos - 1] if pos else -1)
        tails[pos : pos + 1], ends[pos : pos + 1] = [j], [k]
    run, k = [], ends[-1] if ends else -1
    while k >= 0:
        run.append(pairs[k])
        k = back[k]
    return run[::-1]


def _anchors(a: list, b: list, unique: bool) -> list[tuple[int, int]]:
    """Index pairs to pin a diff on: items occurring once on each side (patience diff),
    or else items occurring equally often on each side, k-th occurrence with k-th."""
    count_a, count_b = Counter(a), Counter(b)
    usable = {x for x, c in count_a.items() if c == count_b[x] and (c == 1 or not unique)}
    where_b: dict = {}
    for j, x in enumerate(b):
        if x in usable:
            where_b.setdefault(x, []).append(j)
    seen: Counter = Counter()
    pairs = []
    for i, x in enumerate(a):
        if x in usable:
            pairs.append((i, where_b[x][seen[x]]))
            seen[x] += 1
    return _lis(pairs)


def _matches(a: list, b: list, budget: list[int], depth: int = 0) -> list[tuple]:
    """Matching blocks ``(i, j, size)`` in order (see the module docstring)."""
    n = min(len(a), len(b))
    head = 0
    while head < n and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    work = len(mid_a) * len(mid_b)
    inner: list[tuple] = []
    if work <= 1 or budget[0] <= 0:  # nothing can match, or out of budget: one replacement
        pass
    elif work <= _CHEAP:
        budget[0] -= work + _CALL_COST
        inner = SequenceMatcher(None, mid_a, mid_b, autojunk=False).get_matching_blocks()
    elif depth < _MAX_DEPTH:
        budget[0] -= len(mid_a) + len(mid_b) + _CALL_COST
        anchors = _anchors(mid_a, mid_b, unique=True) or _anchors(mid_a, mid_b, unique=False)
        prev_i = prev_j = 0
        for i, j in [*anchors, (len(mid_a), len(mid_b))] if anchors else []:
            if i - prev_i == 1 == j - prev_j:  # a common case, kept cheap
                inner += [(prev_i, prev_j, 1)] if mid_a[prev_i] == mid_b[prev_j] else []
            elif i > prev_i and j > prev_j:
                gap = _matches(mid_a[prev_i:i], mid_b[prev_j:j], budget, depth + 1)
                inner += [(prev_i + x, prev_j + y, size) for x, y, size in gap]
            inner.append((i, j, 1 if i < len(mid_a) else 0))
            prev_i, prev_j = i + 1, j + 1
    blocks = [(0, 0, head), *((i + head, j + head, s) for i, j, s in inner)]
    return [*blocks, (len(a) - tail, len(b) - tail, tail)]


def _opcodes(a: list, b: list, budget: list[int]) -> list[tuple]:
    """Like SequenceMatcher.get_opcodes(), but fast on long inputs."""
    ops: list[tuple] = []
    i = j = 0
    blocks = sorted(m for m in _matches(a, b, budget) if m[2])
    for bi, bj, size in [*blocks, (len(a), len(b), 0)]:
        if i < bi or j < bj:
            tag = "replace" if i < bi and j < bj else "delete" if i < bi else "insert"
            ops.append((tag, i, bi, j, bj))
        if size and ops and ops[-1][0] == "equal":
            ops[-1] = ("equal", ops[-1][1], bi + size, ops[-1][3], bj + size)
        elif size:
            ops.append(("equal", bi, bi + size, bj, bj + size))
        i, j = bi + size, bj + size
    return ops


# --- display -------------------------------------------------------------------------


def _word_segments(old: str, new: str, budget: list[int]) -> list[list[str]]:
    """Word diff as ``[kind, old_text, new_text]``, kind "equal" or "change".

    A space-only gap between two changes joins them ("<del>a b</del><ins>c d</ins>").
    """
    a, b = _TOKEN_RE.findall(old), _TOKEN_RE.findall(new)
    if budget[0] > 0 and len(a) + len(b) > _MAX_TOKENS and "\n" in old[:-1] + new[:-1]:
        return _line_pair_segments(_LINE_RE.findall(old), _LINE_RE.findall(new), budget)
    if budget[0] <= 0 or len(a) + len(b) > _MAX_TOKENS:
        return [["change", old, new]]
    budget[0] -= _CALL_COST + len(a) + len(b)
    segments: list[list[str]] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b, budget):
        kind = "equal" if tag == "equal" else "change"
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        gap = segments[-1][1] if segments and segments[-1][0] == "equal" else ""
        if kind == "change" and len(segments) >= 2 and gap.isspace() and "\n" not in gap:
            segments.pop()
            segments[-1][1] += gap + old_part
            segments[-1][2] += gap + new_part
        else:
            segments.append([kind, old_part, new_part])
    return segments


def _line_pair_segments(old_lines: list[str], new_lines: list[str], budget) -> list[list[str]]:
    """Word diff of a block too long for one: line k against line k, as side_by_side
    shows them; once the budget is spent, the rest of the block is one replacement."""
    segments: list[list[str]] = []
    for k, (old, new) in enumerate(zip_longest(old_lines, new_lines, fillvalue="")):
        if budget[0] <= 0:
            segments.append(["change", "".join(old_lines[k:]), "".join(new_lines[k:])])
            break
        segments += _word_segments(old, new, budget)
    return segments


def _render(segments: list[list[str]], sides: str = "old new") -> str:
    parts = []
    for kind, old, new in segments:
        if kind == "equal":
            parts.append(html.escape(old))
            continue
        if old and "old" in sides:
            parts.append(f"<del>{html.escape(old)}</del>")
        if new and "new" in sides:
            parts.append(f"<ins>{html.escape(new)}</ins>")
    return "".join(parts)


def _line_opcodes(a: list[str], b: list[str], context: int | None, budget) -> list[tuple]:
    """Line opcodes in which long equal runs become ("skip", ...) with context kept."""
    ops = _opcodes(a, b, budget)
    result: list[tuple] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        head = 0 if k == 0 or context is None else max(context, 0)
        tail = 0 if k == len(ops) - 1 or context is None else max(context, 0)
        if tag != "equal" or context is None or (i2 - i1) - head - tail < _MIN_SKIP:
            result.append((tag, i1, i2, j1, j2))
            continue
        if head:
            result.append(("equal", i1, i1 + head, j1, j1 + head))
        result.append(("skip", i1 + head, i2 - tail, j1 + head, j2 - tail))
        if tail:
            result.append(("equal", i2 - tail, i2, j2 - tail, j2))
    return result


def inline_diff(old: str, new: str, context: int | None = 2) -> str:
    """Word-level diff as HTML with <del>/<ins>; newlines are kept (show with pre-wrap).

    Unchanged runs of lines collapse to a ``diff-skip`` marker keeping ``context``
    lines on each side; ``context=None`` shows everything.
    """
    a, b = _lines(old), _lines(new)
    budget = [_BUDGET]
    parts = []
    for tag, i1, i2, j1, j2 in _line_opcodes(a, b, context, budget):
        old_text, new_text = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            parts.append(html.escape(old_text))
        elif tag == "skip":
            parts.append(f'<span class="diff-skip">{_skip_label(i2 - i1)}</span>\n')
        else:
            parts.append(_render(_word_segments(old_text, new_text, budget)))
    return "".join(parts)


def side_by_side(old: str, new: str, context: int | None = 2) -> list[dict]:
    """Rows for a two-column table: kind, old_no, new_no (1-based), old_html, new_html.

    Kinds: equal; change (words in <del> left, <ins> right); insert; delete; skip
    (the "… N unchanged lines …" text in ``old_html``, line numbers None). Lines are
    compared without their newlines: a missing final newline is not shown as a change.
    """
    (a, _), (b, _) = _split(_normalize(old)), _split(_normalize(new))
    budget = [_BUDGET]
    rows: list[dict] = []
    for tag, i1, i2, j1, j2 in _line_opcodes(a, b, context, budget):
        if tag == "skip":
            row = {"kind": "skip", "old_no": None, "new_no": None, "new_html": ""}
            rows.append({**row, "old_html": _skip_label(i2 - i1)})
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            o = a[i1 + k] if i1 + k < i2 else None
            n = b[j1 + k] if j1 + k < j2 else None
            row = {
                "kind": "equal" if tag == "equal" else "delete" if n is None else "insert",
                "old_no": None if o is None else i1 + k + 1,
                "new_no": None if n is None else j1 + k + 1,
                "old_html": html.escape(o or ""),
                "new_html": html.escape(n or ""),
            }
            if tag != "equal" and o is not None and n is not None:
                segments = _word_segments(o, n, budget)
                row.update(kind="change", old_html=_render(segments, "old"))
                row["new_html"] = _render(segments, "new")
            rows.append(row)
    return rows


def _display(value) -> str:
    if value is None:
        return ""
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def field_changes(old: dict, new: dict, labels: dict[str, str] | None = None) -> list[dict]:
    """One entry per changed field other than "body"; lists compare ignoring order."""
    labels = labels or {}
    changes = []
    for name in dict.fromkeys([*new, *old]):
        if name == "body":
            continue
        before, after = old.get(name), new.get(name)
        added, removed = [], []
        if isinstance(before, list | tuple) or isinstance(after, list | tuple):
            before, after = list(before or ()), list(after or ())
            if sorted(before) == sorted(after):
                continue
            added = list(dict.fromkeys(x for x in after if x not in before))
            removed = list(dict.fromkeys(x for x in before if x not in after))
        elif (before or "") == (after or ""):
            continue
        changes.append(
            {
                "field": name,
                "label": labels.get(name, name),
                "old": _display(before),
                "new": _display(after),
                "added": added,
                "removed": removed,
            }
        )
    return changes


def size_delta_display(delta: int) -> str:
    """Format as "+12", "−5" (U+2212 minus sign) or "0"."""
    return f"+{delta}" if delta > 0 else f"\u2212{-delta}" if delta < 0 else "0"


# --- three-way merge -----------------------------------------------------------------


@dataclass
class Conflict:
    base: list[str]
    mine: list[str]
    theirs: list[str]
    start_line: int  # 1-based line in `mine` where the region starts


@dataclass
class MergeResult:
    text: str | None
    conflicts: list[Conflict] = field(default_factory=list)
    # With conflicts: both sides' clean changes merged, each clashing region as in `mine`.
    # The conflict form starts from it, so saving it as is loses nobody's other changes.
    draft: str | None = None

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _split(text: str) -> tuple[list[str], bool]:
    """Lines without their newlines, and whether the text ends with a newline."""
    if not text:
        return [], False
    ends = text.endswith("\n")
    return (text[:-1] if ends else text).split("\n"), ends


def _clusters(mine: list[tuple], theirs: list[tuple]) -> list[list]:
    """Group hunks that touch by the module's rule: [start, end, mine_hunks, theirs_hunks]."""
    tagged = sorted([(h[1], h[2], 0, h) for h in mine] + [(h[1], h[2], 1, h) for h in theirs])
    clusters: list[list] = []
    for start, end, side, hunk in tagged:
        last = clusters[-1] if clusters else None
        if last and start == end:  # an insertion
            joins = last[0] < start < last[1] or last[0] == last[1] == start
        else:
            joins = last is not None and start < last[1]
        if not joins:
            last = [start, end, [], []]
            clusters.append(last)
        last[1] = max(last[1], end)
        last[2 + side].append(hunk)
    return clusters


def merge_text(base: str, mine: str, theirs: str) -> MergeResult:
    """Line-based three-way merge of two edits of ``base`` (rules in the module docs)."""
    base, mine, theirs = _normalize(base), _normalize(mine), _normalize(theirs)
    if mine == theirs or base == theirs:
        return MergeResult(mine)
    if base == mine:
        return MergeResult(theirs)
    (base_lines, base_ends), *sides = _split(base), _split(mine), _split(theirs)
    side_lines = [lines for lines, _ in sides]
    budget = [_BUDGET]
    hunks = [
        [op for op in _opcodes(base_lines, lines, budget) if op[0] != "equal"]
        for lines in side_lines
    ]
    shift = [0, 0]  # lines each side added minus lines it removed, before the cluster
    merged: list[str] = []
    conflicts: list[Conflict] = []
    done = 0  # base lines already merged
    for start, end, *side_hunks in _clusters(*hunks):
        merged.extend(base_lines[done:start])
        regions, region_starts = [], []
        for s in (0, 1):
            region_starts.append(start + shift[s])
            shift[s] += sum((j2 - j1) - (i2 - i1) for _, i1, i2, j1, j2 in side_hunks[s])
            regions.append(side_lines[s][region_starts[s] : end + shift[s]])
        mine_region, their_region = regions
        if side_hunks[0] and side_hunks[1] and mine_region != their_region:
            clash = Conflict(base_lines[start:end], mine_region, their_region, region_starts[0] + 1)
            conflicts.append(clash)
        merged.extend(mine_region if side_hunks[0] else their_region)
        done = end
    merged.extend(base_lines[done:])
    # The final newline is as the side that changed it wants; an empty text has no say,
    # and an empty last line needs one to exist at all.
    mine_ends, their_ends = (ends if lines else base_ends for lines, ends in sides)
    final_newline = their_ends if mine_ends == base_ends else mine_ends
    final_newline = final_newline or merged[-1:] == [""]
    text = "\n".join(merged) + ("\n" if final_newline and merged else "")
    if conflicts:
        return MergeResult(None, conflicts, draft=text)
    return MergeResult(text)


_MISSING = object()


def _comparable(value):
    return tuple(sorted(value)) if isinstance(value, list | tuple) else value


def merge_fields(base: dict, mine: dict, theirs: dict) -> tuple[dict, list[str]]:
    """Merge fields one by one; on a clash keep mine and list the field's name."""
    merged: dict = {}
    conflicts: list[str] = []
    for name in dict.fromkeys([*mine, *theirs, *base]):
        b, m, t = (d.get(name, _MISSING) for d in (base, mine, theirs))
        cb, cm, ct = _comparable(b), _comparable(m), _comparable(t)
        chosen = t if cm == cb else m
        if cm != cb and ct != cb and cm != ct:
            conflicts.append(name)
        if chosen is not _MISSING:
            merged[name] = chosen
    return merged, conflicts


def conflict_html(result: MergeResult, mine: str) -> str:
    """The user's text as HTML, each clashing region replaced by a conflict block."""

    def pre(lines: list[str], css: str) -> str:
        if not lines:
            return f'<p class="{css}"><em>(removed)</em></p>'
        return f'<pre class="{css}">{html.escape("\n".join(lines))}</pre>'

    lines, _ = _split(_normalize(mine))
    parts, pos = [], 0
    for c in sorted(result.conflicts, key=lambda c: c.start_line):
        start = c.start_line - 1
        if start > pos:
            parts.append(pre(lines[pos:start], "conflict-context"))
        parts.append(
            '<div class="conflict">'
            f"<h3>Your version (line {c.start_line})</h3>{pre(c.mine, 'conflict-mine')}"
            f"<h3>Their version</h3>{pre(c.theirs, 'conflict-theirs')}"
            "</div>"
        )
        pos = max(pos, start + len(c.mine))
    if pos < len(lines):
        parts.append(pre(lines[pos:], "conflict-context"))
    return "\n".join(parts)
