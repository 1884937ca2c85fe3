"""Revision diffs for display, and three-way merging of concurrent edits.

Pure standard library. Every function returning HTML escapes all user text; callers
may mark the result safe.

Merge rule for touching hunks (base line ranges of the two sides' changes):
  * ranges that overlap by at least one base line conflict, unless both sides made
    the identical change;
  * two insertions at the same base position conflict unless identical;
  * an insertion strictly inside the other side's changed range conflicts;
  * everything else is clean: changes to adjacent lines (line 5 vs line 6) merge, and
    an insertion right before / right after the other side's changed range is placed
    before / after that change.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

__all__ = [
    "Conflict",
    "MergeResult",
    "conflict_html",
    "field_changes",
    "inline_diff",
    "merge_fields",
    "merge_text",
    "side_by_side",
    "size_delta_display",
]

# Kana, CJK ideographs (with extensions and compatibility forms), 々〆〇, half-width kana.
_CJK = (
    "\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
# Newline | other whitespace run | one CJK char | word run (non-CJK) | one other char.
_TOKEN_RE = re.compile(rf"\n|[^\S\n]+|[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")
_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_MAX_WORK = 250_000  # token pairs above which a block is word-diffed line by line instead
_TOTAL_WORK = 2_000_000  # token pairs word-diffed per call; later blocks show as whole lines
_POPULAR = 20  # an item seen more often than this in one text is junk for matching
_MIN_SKIP = 3  # never collapse fewer unchanged lines than this


def _normalize(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines(text: str) -> list[str]:
    """Split into lines that keep their trailing newline."""
    return _LINE_RE.findall(_normalize(text))


def _esc(text: str) -> str:
    return html.escape(text)


def _skip_label(count: int) -> str:
    return f"… {count} unchanged line{'' if count == 1 else 's'} …"


# --- display -------------------------------------------------------------------------


def _opcodes(a: list, b: list, junk: bool = True) -> list[tuple]:
    """SequenceMatcher opcodes, kept fast on long texts: the common head and tail are
    trimmed first, and with ``junk`` items repeated more than _POPULAR times in ``b``
    (blank lines, say) cannot anchor a match, though they still extend one.
    """
    n = min(len(a), len(b))
    head = 0
    while head < n and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    popular = {x for x, c in Counter(mid_b).items() if c > _POPULAR} if junk else set()
    matcher = SequenceMatcher(popular.__contains__, mid_a, mid_b, autojunk=False)
    ops = [("equal", 0, head, 0, head)] if head else []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        ops.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    merged: list[tuple] = []
    for op in ops:  # join equal runs that meet at the trim points
        if merged and op[0] == merged[-1][0] == "equal":
            merged[-1] = ("equal", merged[-1][1], op[2], merged[-1][3], op[4])
        else:
            merged.append(op)
    return merged


def _word_segments(old: str, new: str, budget: list[int]) -> list[list[str]]:
    """Word diff as ``[kind, old_text, new_text]`` with kind "equal" or "change".

    A whitespace-only gap (without a newline) between two changes joins them, so
    "<del>a b</del><ins>c d</ins>" is shown instead of four fragments.
    """
    a, b = _TOKEN_RE.findall(old), _TOKEN_RE.findall(new)
    work = len(a) * len(b)
    if work > min(_MAX_WORK, budget[0]):
        return [["change", old, new]]
    budget[0] -= work
    segments: list[list[str]] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b, junk=False):
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


def _block_segments(old_lines: list[str], new_lines: list[str], budget: list[int]) -> list:
    """Word-diff a changed block; very large blocks are paired line by line."""
    old, new = "".join(old_lines), "".join(new_lines)
    if len(_TOKEN_RE.findall(old)) * len(_TOKEN_RE.findall(new)) <= _MAX_WORK:
        return _word_segments(old, new, budget)
    segments: list[list[str]] = []
    for k in range(max(len(old_lines), len(new_lines))):
        o = old_lines[k] if k < len(old_lines) else ""
        n = new_lines[k] if k < len(new_lines) else ""
        segments.extend(_word_segments(o, n, budget))
    return segments


def _render(segments: list[list[str]], side: str = "both") -> str:
    parts = []
    for kind, old, new in segments:
        if kind == "equal":
            parts.append(_esc(old))
            continue
        if old and side in ("both", "old"):
            parts.append(f"<del>{_esc(old)}</del>")
        if new and side in ("both", "new"):
            parts.append(f"<ins>{_esc(new)}</ins>")
    return "".join(parts)


def _line_opcodes(a: list[str], b: list[str], context: int | None) -> list[tuple]:
    """Line opcodes where long equal runs become ("skip", ...) with context kept."""
    ops = _opcodes(a, b)
    result: list[tuple] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag != "equal" or context is None:
            result.append((tag, i1, i2, j1, j2))
            continue
        head = 0 if k == 0 else max(context, 0)
        tail = 0 if k == len(ops) - 1 else max(context, 0)
        if (i2 - i1) - head - tail < _MIN_SKIP:
            result.append((tag, i1, i2, j1, j2))
            continue
        if head:
            result.append(("equal", i1, i1 + head, j1, j1 + head))
        result.append(("skip", i1 + head, i2 - tail, j1 + head, j2 - tail))
        if tail:
            result.append(("equal", i2 - tail, i2, j2 - tail, j2))
    return result


def inline_diff(old: str, new: str, context: int | None = 2) -> str:
    """Word-level diff as HTML with <del>/<ins>; newlines are kept (use pre-wrap).

    Unchanged runs of lines are collapsed to a ``diff-skip`` marker keeping
    ``context`` lines on each side; ``context=None`` shows everything.
    """
    a, b = _lines(old), _lines(new)
    parts, budget = [], [_TOTAL_WORK]
    for tag, i1, i2, j1, j2 in _line_opcodes(a, b, context):
        if tag == "equal":
            parts.append(_esc("".join(a[i1:i2])))
        elif tag == "skip":
            parts.append(f'<span class="diff-skip">{_skip_label(i2 - i1)}</span>\n')
        elif tag == "delete":
            parts.append(f"<del>{_esc(''.join(a[i1:i2]))}</del>")
        elif tag == "insert":
            parts.append(f"<ins>{_esc(''.join(b[j1:j2]))}</ins>")
        else:
            parts.append(_render(_block_segments(a[i1:i2], b[j1:j2], budget)))
    return "".join(parts)


def _row(kind: str, old_no, new_no, old_html: str = "", new_html: str = "") -> dict:
    return {
        "kind": kind,
        "old_no": old_no,
        "new_no": new_no,
        "old_html": old_html,
        "new_html": new_html,
    }


def side_by_side(old: str, new: str, context: int | None = 2) -> list[dict]:
    """Rows for a two-column diff table (see module docs for the row keys).

    Kinds: equal, change (words wrapped in <del> left / <ins> right), insert,
    delete, skip (count text in ``old_html``; line numbers None). Numbers are 1-based.
    """
    a, b = _lines(old), _lines(new)
    rows: list[dict] = []
    budget = [_TOTAL_WORK]
    for tag, i1, i2, j1, j2 in _line_opcodes(a, b, context):
        if tag == "skip":
            rows.append(_row("skip", None, None, _skip_label(i2 - i1)))
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            o = a[i1 + k].rstrip("\n") if i1 + k < i2 else None
            n = b[j1 + k].rstrip("\n") if j1 + k < j2 else None
            old_no = i1 + k + 1 if o is not None else None
            new_no = j1 + k + 1 if n is not None else None
            if tag == "equal":
                rows.append(_row("equal", old_no, new_no, _esc(o), _esc(n)))
            elif n is None:
                rows.append(_row("delete", old_no, None, _esc(o)))
            elif o is None:
                rows.append(_row("insert", None, new_no, "", _esc(n)))
            else:
                segs = _word_segments(o, n, budget)
                rows.append(
                    _row("change", old_no, new_no, _render(segs, "old"), _render(segs, "new"))
                )
    return rows


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def field_changes(old: dict, new: dict, labels: dict[str, str] | None = None) -> list[dict]:
    """One entry per changed non-body field; list values compare order-insensitively."""
    labels = labels or {}
    changes = []
    for name in [*new, *(k for k in old if k not in new)]:
        if name == "body":
            continue
        before, after = old.get(name), new.get(name)
        if isinstance(before, list | tuple) or isinstance(after, list | tuple):
            before_items, after_items = list(before or ()), list(after or ())
            if sorted(before_items) == sorted(after_items):
                continue
            added = list(dict.fromkeys(x for x in after_items if x not in before_items))
            removed = list(dict.fromkeys(x for x in before_items if x not in after_items))
        elif (before or "") == (after or ""):
            continue
        else:
            added, removed = [], []
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
    """ "+12", "−5" (U+2212 minus sign) or "0"."""
    if delta > 0:
        return f"+{delta}"
    if delta < 0:
        return f"\u2212{-delta}"
    return "0"


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

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _split(text: str) -> tuple[list[str], bool]:
    """Lines without newline characters, and whether the text ends with a newline."""
    if not text:
        return [], False
    ends = text.endswith("\n")
    return (text[:-1] if ends else text).split("\n"), ends


def _hunks(base: list[str], other: list[str]) -> list[tuple[int, int, int, int]]:
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in _opcodes(base, other) if tag != "equal"]


def _clusters(mine: list[tuple], theirs: list[tuple]) -> list[list]:
    """Group hunks that touch under the module's rule: [start, end, mine_hunks, theirs_hunks]."""
    tagged = sorted([(h[0], h[1], 0, h) for h in mine] + [(h[0], h[1], 1, h) for h in theirs])
    clusters: list[list] = []
    for start, end, side, hunk in tagged:
        if clusters:
            c_start, c_end = clusters[-1][0], clusters[-1][1]
            if start == end:  # insertion
                joins = c_start < start < c_end or c_start == c_end == start
            else:
                joins = start < c_end
            if joins:
                clusters[-1][1] = max(c_end, end)
                clusters[-1][2 + side].append(hunk)
                continue
        clusters.append([start, end, [], []])
        clusters[-1][2 + side].append(hunk)
    return clusters


def merge_text(base: str, mine: str, theirs: str) -> MergeResult:
    """Line-based three-way merge of two edits of ``base`` (see module docs)."""
    base, mine, theirs = _normalize(base), _normalize(mine), _normalize(theirs)
    if mine == theirs or base == theirs:
        return MergeResult(mine)
    if base == mine:
        return MergeResult(theirs)
    (b, b_nl), (m, m_nl), (t, t_nl) = _split(base), _split(mine), _split(theirs)
    sides, delta = (m, t), [0, 0]
    out: list[str] = []
    conflicts: list[Conflict] = []
    pos = 0
    for c_start, c_end, *hunks in _clusters(_hunks(b, m), _hunks(b, t)):
        out.extend(b[pos:c_start])
        regions, starts = [], []
        for s in (0, 1):
            starts.append(c_start + delta[s])
            delta[s] += sum((j2 - j1) - (i2 - i1) for i1, i2, j1, j2 in hunks[s])
            regions.append(sides[s][starts[s] : c_end + delta[s]])
        if hunks[0] and hunks[1] and regions[0] != regions[1]:
            conflicts.append(Conflict(b[c_start:c_end], regions[0], regions[1], starts[0] + 1))
        out.extend(regions[0] if hunks[0] else regions[1])
        pos = c_end
    if conflicts:
        return MergeResult(None, conflicts)
    out.extend(b[pos:])
    ends = t_nl if m_nl == b_nl else m_nl
    return MergeResult("\n".join(out) + ("\n" if ends and out else ""))


_MISSING = object()


def _comparable(value):
    return tuple(sorted(value)) if isinstance(value, list | tuple) else value


def merge_fields(base: dict, mine: dict, theirs: dict) -> tuple[dict, list[str]]:
    """Merge non-body fields one by one; a clash keeps mine and is listed by name."""
    merged: dict = {}
    conflicts: list[str] = []
    for name in dict.fromkeys([*mine, *theirs, *base]):
        b, m, t = (d.get(name, _MISSING) for d in (base, mine, theirs))
        cb, cm, ct = _comparable(b), _comparable(m), _comparable(t)
        if cm == cb:
            chosen = t
        elif ct == cb or cm == ct:
            chosen = m
        else:
            chosen = m
            conflicts.append(name)
        if chosen is not _MISSING:
            merged[name] = chosen
    return merged, conflicts


def conflict_html(result: MergeResult, mine: str) -> str:
    """The user's text as HTML, each clashing region replaced by a conflict block."""

    def pre(lines: list[str], css: str) -> str:
        if not lines:
            return f'<p class="{css}"><em>(removed)</em></p>'
        return f'<pre class="{css}">{_esc("\n".join(lines))}</pre>'

    lines, _ = _split(_normalize(mine))
    parts, pos = [], 0
    for c in sorted(result.conflicts, key=lambda c: c.start_line):
        start = c.start_line - 1
        if start > pos:
            parts.append(pre(lines[pos:start], "conflict-context"))
        parts.append(
            '<div class="conflict">'
            f"<h4>Your version (line {c.start_line})</h4>{pre(c.mine, 'conflict-mine')}"
            f"<h4>Their version</h4>{pre(c.theirs, 'conflict-theirs')}"
            "</div>"
        )
        pos = max(pos, start + len(c.mine))
    if pos < len(lines):
        parts.append(pre(lines[pos:], "conflict-context"))
    return "\n".join(parts)
