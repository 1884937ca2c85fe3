"""Properties of wiki.diffing checked on generated texts (Hypothesis).

The merge rules under test are the ones in the module's docstring. Generated texts mix Latin
words, Japanese without spaces, markup characters, odd whitespace (tabs, U+3000, U+2028, form
feeds), empty lines, CRLF and LF endings and a missing final newline. Example counts are kept
CI-sized (a few hundred for the module) and every example has a deadline.
"""

import html
import re
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiki.diffing import (
    Conflict,
    conflict_html,
    field_changes,
    inline_diff,
    merge_text,
    side_by_side,
)

CI_SIZED = settings(
    max_examples=40,
    deadline=timedelta(milliseconds=500),
    database=None,  # nothing written to the shared tree; failures print a reproduce blob
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # conftest's autouse ones
)

WORDS = ["meme", "stan", "ship", "草", "推し", "ミーム", " ", "  ", "\t", "\u3000", "、", "。"]
ODD = ["<b>", "&amp;", '"', "'", "\u2028", "\x0c", "\x00", "e\u0301", "😀", ""]
CHARS = st.characters(codec="utf-8", exclude_characters="\r\n")
LINE = st.one_of(
    st.lists(st.sampled_from(WORDS + ODD), max_size=6).map("".join),
    st.text(CHARS, max_size=8),
)
ENDING = st.sampled_from(["\n", "\r\n"])
ANY_TEXT = st.text(max_size=300)  # anything at all, "\r" alone included


def normalized(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def lines_of(text: str) -> list[str]:
    """The lines a reader sees, without their newlines."""
    text = normalized(text)
    if not text:
        return []
    return text.removesuffix("\n").split("\n")


@st.composite
def rendered(draw, lines: list[str]) -> str:
    """`lines` as a text: each line ends in LF or CRLF, and the final newline may be missing
    (unless the last line is empty, which only a final newline can show)."""
    endings = draw(st.lists(ENDING, min_size=len(lines), max_size=len(lines)))
    text = "".join(line + ending for line, ending in zip(lines, endings))
    if lines and lines[-1] and draw(st.booleans()):
        text = text.removesuffix(endings[-1])
    return text


@st.composite
def similar_texts(draw) -> tuple[str, str]:
    """An old text and a new one made from it by a few line edits."""
    old = draw(st.lists(LINE, max_size=12))
    new = list(old)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(new)))
        removed = draw(st.integers(0, 2))
        new[at : at + removed] = draw(st.lists(LINE, max_size=2))
    return draw(rendered(old)), draw(rendered(new))


TEXT_PAIRS = st.one_of(similar_texts(), st.tuples(ANY_TEXT, ANY_TEXT))


# --- three-way merge ----------------------------------------------------------------------


@st.composite
def edit_plans(draw, kinds=("mine", "theirs"), adjacent=False):
    """A base of distinct lines and edits to disjoint ranges of it, in order.

    Each edit is (start, end, kind, mine_lines, their_lines): kind "mine" or "theirs" is made
    by one side, "same" by both alike, "both" by both differently (a clash). New lines never
    equal a base line, so each side's line diff is unambiguous. An unchanged base line
    separates neighbouring edits, except with `adjacent`: then an edit may touch one the
    other side made (never two insertions at one place, which would clash). A side's own
    edits never touch, or its diff would see them as one.
    """
    base = draw(st.lists(LINE, unique=True, max_size=10))
    fresh = LINE.filter(lambda line: line not in base)
    makers = {"mine": {"mine"}, "theirs": {"theirs"}, "same": {"mine", "theirs"}}
    edits, pos, own_end = [], 0, {"mine": -1, "theirs": -1}  # -1: no edit yet
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(kinds))
        sides = makers.get(kind, makers["same"])
        lowest = max([pos + (edits != [] and not adjacent)] + [own_end[s] + 1 for s in sides])
        start = lowest + (draw(st.integers(0, 3)) if draw(st.booleans()) else 0)
        if start > len(base):
            break
        end = start + draw(st.integers(0, min(3, len(base) - start)))
        if edits and edits[-1][0] == edits[-1][1] == start == end:
            break  # two insertions at one place clash: not this kind of plan
        size = 1 if start == end else 0  # an insertion inserts something
        mine = draw(st.lists(fresh, min_size=size, max_size=3))
        theirs = mine if kind == "same" else draw(st.lists(fresh, min_size=size, max_size=3))
        if kind == "both" and theirs == mine:
            theirs = [*theirs, draw(fresh)]
        edits.append((start, end, kind, mine, theirs))
        pos = end
        own_end.update(dict.fromkeys(sides, end))
    return base, edits


def apply(base: list[str], edits, side: str) -> list[str]:
    """`base` with the edits one side made; side "merged" takes every edit, clashes as mine."""
    taken = {"mine": ("mine", "same", "both"), "theirs": ("theirs", "same", "both")}
    lines = list(base)
    for start, end, kind, mine, theirs in reversed(edits):
        if side == "merged" or kind in taken[side]:
            lines[start:end] = theirs if kind == "theirs" or side == "theirs" else mine
    return lines


def expected_ending(texts: dict[str, str]) -> bool:
    """The merged text ends with a newline as the side that changed that wanted, else as
    the base did; an empty text has no say."""
    base_ends = normalized(texts["base"]).endswith("\n")
    for side in ("mine", "theirs"):
        text = normalized(texts[side])
        if text and text.endswith("\n") != base_ends:
            return not base_ends
    return base_ends


def expected_text(lines: list[str], ends: bool) -> str:
    """The lines as a text; an empty last line is only there with a final newline."""
    ends = ends or lines[-1:] == [""]
    return "\n".join(lines) + ("\n" if ends and lines else "")


def merge_plan(data, plan):
    base, edits = plan
    texts = {
        "base": data.draw(rendered(base)),
        "mine": data.draw(rendered(apply(base, edits, "mine"))),
        "theirs": data.draw(rendered(apply(base, edits, "theirs"))),
    }
    merged = expected_text(apply(base, edits, "merged"), expected_ending(texts))
    return texts, merged, merge_text(texts["base"], texts["mine"], texts["theirs"])


@CI_SIZED
@given(base=ANY_TEXT, text=ANY_TEXT)
def test_the_same_edit_on_both_sides_is_taken_as_it_is(base, text):
    result = merge_text(base, text, text)
    assert result.clean and result.text == normalized(text)


@CI_SIZED
@given(base=ANY_TEXT, text=ANY_TEXT)
def test_an_edit_against_an_untouched_side_is_taken_as_it_is(base, text):
    assert merge_text(base, base, text).text == normalized(text)
    assert merge_text(base, text, base).text == normalized(text)
    crlf = normalized(base).replace("\n", "\r\n")
    assert merge_text(base, crlf, text).text == normalized(text)


@CI_SIZED
@given(data=st.data(), plan=edit_plans())
def test_changes_separated_by_an_unchanged_line_merge_cleanly_and_keep_both(data, plan):
    texts, merged, result = merge_plan(data, plan)
    assert result.clean, result.conflicts
    assert result.text == merged and result.draft is None


@CI_SIZED
@given(data=st.data(), plan=edit_plans(adjacent=True))
def test_adjacent_changes_and_insertions_beside_the_other_sides_change_merge_cleanly(data, plan):
    texts, merged, result = merge_plan(data, plan)
    assert result.clean, result.conflicts
    assert result.text == merged


@CI_SIZED
@given(data=st.data(), plan=edit_plans(kinds=("mine", "theirs", "same", "both")))
def test_each_clash_is_reported_and_the_draft_keeps_every_other_change(data, plan):
    base, edits = plan
    texts, merged, result = merge_plan(data, plan)
    clashes, shift = [], 0
    for start, end, kind, mine, theirs in edits:
        if kind == "both":
            clashes.append(Conflict(base[start:end], mine, theirs, start + shift + 1))
        if kind != "theirs":
            shift += len(mine) - (end - start)
    assert result.conflicts == clashes
    if clashes:
        assert result.text is None and result.draft == merged
        for clash in clashes:  # start_line points at the clash in the user's own text
            at = clash.start_line - 1
            assert lines_of(texts["mine"])[at : at + len(clash.mine)] == clash.mine
    else:
        assert result.text == merged and result.draft is None


@CI_SIZED
@given(base=st.lists(LINE, max_size=8), data=st.data())
def test_a_merge_keeps_every_line_either_side_added_and_is_symmetric(base, data):
    """Repeated lines included: whatever the diff aligns, no added line goes missing."""

    def edited():
        lines = list(base)
        for _ in range(data.draw(st.integers(1, 3))):
            at = data.draw(st.integers(0, len(lines)))
            lines[at : at + data.draw(st.integers(0, 2))] = data.draw(st.lists(LINE, max_size=2))
        return lines

    mine, theirs = edited(), edited()
    texts = [data.draw(rendered(lines)) for lines in (base, mine, theirs)]
    result = merge_text(*texts)
    swapped = merge_text(texts[0], texts[2], texts[1])
    assert result.clean == swapped.clean
    if result.clean:
        assert result.text == swapped.text
        assert set(mine + theirs) - set(base) <= set(lines_of(result.text))
    else:
        assert set(mine) - set(base) <= set(lines_of(result.draft))
        shown = set(lines_of(result.draft)).union(*(c.theirs for c in result.conflicts))
        assert set(theirs) - set(base) <= shown


@CI_SIZED
@given(base=ANY_TEXT, mine=ANY_TEXT, theirs=ANY_TEXT)
def test_merging_any_texts_never_raises_and_conflict_html_escapes_them(base, mine, theirs):
    result = merge_text(base, mine, theirs)
    assert (result.text is None) == (not result.clean) == (result.draft is not None)
    page = conflict_html(result, mine)
    assert "<" not in re.sub(r'</?(div|pre|p|h3|em)( class="[a-z-]+")?>', "", page)
    if not result.clean:
        assert all(c.mine != c.theirs for c in result.conflicts)


# --- display ------------------------------------------------------------------------------


def old_side(diff_html: str) -> str:
    return html.unescape(re.sub(r"<ins>.*?</ins>|</?del>", "", diff_html, flags=re.S))


def new_side(diff_html: str) -> str:
    return html.unescape(re.sub(r"<del>.*?</del>|</?ins>", "", diff_html, flags=re.S))


@CI_SIZED
@given(texts=TEXT_PAIRS)
def test_the_full_inline_diff_gives_back_both_texts(texts):
    old, new = texts
    out = inline_diff(old, new, context=None)
    assert old_side(out) == normalized(old)
    assert new_side(out) == normalized(new)
    assert "<" not in re.sub(r"</?(del|ins)>", "", out)
    assert "<del></del>" not in out and "<ins></ins>" not in out


@CI_SIZED
@given(texts=TEXT_PAIRS, context=st.sampled_from([0, 1, 2, 5]))
def test_a_shortened_inline_diff_only_hides_unchanged_lines(texts, context):
    old, new = texts
    out = inline_diff(old, new, context=context)
    hidden = [int(n) for n in re.findall(r'<span class="diff-skip">… (\d+) unchanged', out)]
    assert "<" not in re.sub(r'</?(del|ins)>|<span class="diff-skip">|</span>', "", out)
    assert all(count >= 3 for count in hidden)  # a marker never stands in for one or two lines
    shown = re.sub(r'<span class="diff-skip">[^<]*</span>\n', "", out)
    assert len(lines_of(old_side(shown))) + sum(hidden) == len(lines_of(old))
    assert len(lines_of(new_side(shown))) + sum(hidden) == len(lines_of(new))
    if normalized(old) != normalized(new):
        assert "<del>" in out or "<ins>" in out


def cell_text(cell: str) -> str:
    return html.unescape(re.sub(r"</?(del|ins)>", "", cell))


@CI_SIZED
@given(texts=TEXT_PAIRS)
def test_side_by_side_rows_give_back_both_texts_line_by_line(texts):
    old, new = texts
    rows = side_by_side(old, new, context=None)
    old_rows = [r for r in rows if r["old_no"] is not None]
    new_rows = [r for r in rows if r["new_no"] is not None]
    assert [r["old_no"] for r in old_rows] == list(range(1, len(old_rows) + 1))
    assert [r["new_no"] for r in new_rows] == list(range(1, len(new_rows) + 1))
    assert [cell_text(r["old_html"]) for r in old_rows] == lines_of(old)
    assert [cell_text(r["new_html"]) for r in new_rows] == lines_of(new)
    for row in rows:
        has_old, has_new = row["old_no"] is not None, row["new_no"] is not None
        expected = {
            (True, True): {"equal", "change"},
            (True, False): {"delete"},
            (False, True): {"insert"},
        }[has_old, has_new]
        assert row["kind"] in expected
        assert "<ins>" not in row["old_html"] and "<del>" not in row["new_html"]
        if row["kind"] == "equal":
            assert row["old_html"] == row["new_html"]
        if row["kind"] == "change":
            assert row["old_html"] != row["new_html"]


@CI_SIZED
@given(texts=st.tuples(ANY_TEXT, ANY_TEXT), context=st.sampled_from([None, 0, 2]))
def test_side_by_side_skip_rows_count_the_hidden_lines(texts, context):
    old, new = texts
    rows = side_by_side(old, new, context=context)
    hidden = [int(r["old_html"].split()[1]) for r in rows if r["kind"] == "skip"]
    assert all(count >= 3 for count in hidden)
    assert sum(r["old_no"] is not None for r in rows) + sum(hidden) == len(lines_of(old))
    assert sum(r["new_no"] is not None for r in rows) + sum(hidden) == len(lines_of(new))


# --- field changes ------------------------------------------------------------------------

TEXT_FIELDS = ("title", "summary", "tone", "body")
LIST_FIELDS = ("tags", "aliases")
TEXT_VALUE = st.one_of(st.none(), st.sampled_from(["", "Stan", "stan", "推し", " "]))
ITEMS = st.lists(st.sampled_from(["slang", "music", "推し", "a, b"]), max_size=4)
LIST_VALUE = st.one_of(st.none(), ITEMS, ITEMS.map(tuple))
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(TEXT_FIELDS, TEXT_VALUE),
        **dict.fromkeys(LIST_FIELDS, LIST_VALUE),
    },
)


@st.composite
def edited_fields(draw) -> tuple[dict, dict]:
    """Old values and new ones derived from them: lists reordered, some fields changed."""
    old, changed = draw(FIELDS), draw(FIELDS)
    new = {}
    for name, value in old.items():
        if isinstance(value, list | tuple) and draw(st.booleans()):
            new[name] = draw(st.permutations(value))
        else:
            new[name] = changed.get(name, value)
    return old, {**changed, **new}


@CI_SIZED
@given(fields=st.one_of(st.tuples(FIELDS, FIELDS), edited_fields()))
def test_field_changes_reports_exactly_the_changed_fields(fields):
    old, new = fields

    def differs(name):
        before, after = old.get(name), new.get(name)
        if name in LIST_FIELDS:
            return sorted(before or ()) != sorted(after or ())
        return (before or "") != (after or "")

    names = [n for n in dict.fromkeys([*new, *old]) if n != "body" and differs(n)]
    changes = field_changes(old, new, labels={"title": "Title"})
    assert [c["field"] for c in changes] == names
    for change in changes:
        before, after = old.get(change["field"]), new.get(change["field"])
        if change["field"] in LIST_FIELDS:
            before, after = list(before or ()), list(after or ())
            assert change["added"] == list(dict.fromkeys(x for x in after if x not in before))
            assert change["removed"] == list(dict.fromkeys(x for x in before if x not in after))
            assert change["new"] == ", ".join(after)
        else:
            assert change["added"] == change["removed"] == []
            assert (change["old"], change["new"]) == (before or "", after or "")
        assert change["label"] == ("Title" if change["field"] == "title" else change["field"])
