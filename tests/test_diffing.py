"""Revision diffs and three-way merges (wiki.diffing): pure Python, no database."""

import html
import random
import re

import pytest

from wiki.diffing import (
    Conflict,
    MergeResult,
    conflict_html,
    field_changes,
    inline_diff,
    merge_fields,
    merge_text,
    side_by_side,
    size_delta_display,
)

FANDOM_WORDS = "meme slang fandom ship canon headcanon stan lurk based ratio 推し 草"
COMMON_WORDS = "the a of and to in is was fan wiki word slang meme post reply thread"
FEW_WORDS = "meme slang fandom ship canon stan lurk based"


def old_side(diff_html: str) -> str:
    """The old text back out of an inline diff: drop insertions, unwrap deletions."""
    return html.unescape(re.sub(r"<ins>.*?</ins>|</?del>", "", diff_html, flags=re.S))


def new_side(diff_html: str) -> str:
    return html.unescape(re.sub(r"<del>.*?</del>|</?ins>", "", diff_html, flags=re.S))


def numbered(count: int, prefix: str = "line") -> str:
    return "".join(f"{prefix} {n}\n" for n in range(1, count + 1))


# --- inline_diff ---------------------------------------------------------------------


def test_inline_diff_marks_a_changed_word_and_keeps_the_rest():
    out = inline_diff("the quick brown fox", "the slow brown fox")
    assert out == "the <del>quick</del><ins>slow</ins> brown fox"


def test_adjacent_changed_words_are_merged_into_one_del_and_one_ins():
    out = inline_diff("a quick brown fox", "a slow red fox")
    assert out == "a <del>quick brown</del><ins>slow red</ins> fox"


def test_pure_insertions_and_deletions_use_only_ins_or_del():
    assert inline_diff("hello world", "hello big world") == "hello <ins>big </ins>world"
    assert inline_diff("hello big world", "hello world") == "hello <del>big </del>world"


def test_inline_diff_escapes_html_in_user_text():
    out = inline_diff("hello", '<script>alert("x")</script>')
    assert out == ("<del>hello</del><ins>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</ins>")
    out = inline_diff("<b>x</b> & co", '<script>alert("x")</script> & co')
    assert "<script>" not in out and "<b>" not in out and "&amp; co" in out
    assert old_side(out) == "<b>x</b> & co"
    assert new_side(out) == '<script>alert("x")</script> & co'


def test_text_shown_as_unchanged_is_escaped_too():
    out = inline_diff("<i>same</i>\nold", "<i>same</i>\nnew")
    assert out.startswith("&lt;i&gt;same&lt;/i&gt;\n")


def test_japanese_text_is_diffed_character_by_character():
    out = inline_diff("今日は晴れです。", "今日は雨です。")
    assert out == "今日は<del>晴れ</del><ins>雨</ins>です。"


def test_japanese_mixed_with_latin_words_keeps_latin_words_whole():
    out = inline_diff("ミームはmemeの訳", "ミームはmemesの訳")
    assert out == "ミームは<del>meme</del><ins>memes</ins>の訳"


def test_inline_diff_keeps_newlines():
    old, new = "first line\nsecond line\nthird line\n", "first line\nsecond LINE\nthird line\n"
    out = inline_diff(old, new)
    assert out == "first line\nsecond <del>line</del><ins>LINE</ins>\nthird line\n"


def test_windows_line_endings_do_not_show_as_changes():
    assert inline_diff("a\r\nb\r\n", "a\nb\n", context=None) == "a\nb\n"


def test_long_unchanged_runs_collapse_to_a_marker_with_two_lines_of_context():
    old = numbered(30)
    new = old.replace("line 15\n", "line fifteen\n")
    out = inline_diff(old, new)
    assert '<span class="diff-skip">… 12 unchanged lines …</span>' in out
    assert '<span class="diff-skip">… 13 unchanged lines …</span>' in out
    assert "line 12\n" not in out and "line 13\nline 14\n" in out
    assert "line 16\nline 17\n" in out and "line 18\n" not in out
    assert "<del>15</del><ins>fifteen</ins>" in out


def test_context_none_shows_every_line():
    old = numbered(30)
    new = old.replace("line 15\n", "line fifteen\n")
    out = inline_diff(old, new, context=None)
    assert "diff-skip" not in out
    assert old_side(out) == old and new_side(out) == new


def test_short_unchanged_runs_between_changes_are_not_collapsed():
    old = numbered(8)
    new = old.replace("line 1\n", "line one\n").replace("line 8\n", "line eight\n")
    assert "diff-skip" not in inline_diff(old, new)  # 6 lines between: 2 + 2 context + 2


def test_identical_texts_collapse_to_a_single_marker():
    out = inline_diff(numbered(10), numbered(10))
    assert out == '<span class="diff-skip">… 10 unchanged lines …</span>\n'


def test_diff_from_or_to_an_empty_text():
    assert inline_diff("", "new text\n") == "<ins>new text\n</ins>"
    assert inline_diff("old text", "") == "<del>old text</del>"
    assert inline_diff("", "") == ""


def test_a_200_kb_body_diffs_correctly():
    rng = random.Random(7)
    words = FANDOM_WORDS.split()
    paragraphs = [" ".join(rng.choice(words) for _ in range(30)) for _ in range(1200)]
    old = "\n\n".join(paragraphs) + "\n"
    assert len(old.encode()) > 200_000
    edited = list(paragraphs)
    edited[3] += " FIRSTEDIT"
    edited[600] = "MIDDLE <rewritten> paragraph"
    edited.insert(1100, "BRAND NEW PARAGRAPH")
    new = "\n\n".join(edited) + "\n"

    full = inline_diff(old, new, context=None)
    assert old_side(full) == old and new_side(full) == new
    assert "<ins> FIRSTEDIT</ins>" in full
    assert "MIDDLE &lt;rewritten&gt; paragraph</ins>" in full

    short = inline_diff(old, new)
    assert short.count('class="diff-skip"') == 4
    assert len(short) < 2_000
    assert short.count("<ins>") == 3 and short.count("<del>") == 1
    assert re.search(r"<ins>\n?BRAND NEW PARAGRAPH\n\n?</ins>", short)


def test_a_long_text_with_every_paragraph_edited_still_diffs_word_by_word():
    rng = random.Random(3)
    words = COMMON_WORDS.split()
    paragraphs = [" ".join(rng.choice(words) for _ in range(200)) for _ in range(150)]
    edited = []
    for paragraph in paragraphs:
        tokens = paragraph.split(" ")
        tokens[rng.randrange(len(tokens))] = "CHANGED"
        edited.append(" ".join(tokens))
    old, new = "\n\n".join(paragraphs), "\n\n".join(edited)
    out = inline_diff(old, new, context=None)
    assert out.count("<ins>CHANGED</ins>") == 150
    assert old_side(out) == old and new_side(out) == new


@pytest.mark.parametrize("seed", range(20))
def test_long_texts_show_exactly_the_edited_paragraphs_as_changed(seed):
    rng = random.Random(seed)
    count = rng.randint(100, 800)
    paragraphs = [f"paragraph {n}: {rng.random():.8f}" for n in range(count)]
    edited = list(paragraphs)
    changed = rng.sample(range(count), rng.randint(1, 40))
    for n in changed:
        edited[n] = f"edited paragraph {n}"
    old, new = "\n\n".join(paragraphs), "\n\n".join(edited)
    rows = side_by_side(old, new, context=None)
    assert sorted(r["old_no"] for r in rows if r["kind"] != "equal") == [
        2 * n + 1 for n in sorted(changed)
    ]
    assert all(r["kind"] in ("equal", "change") for r in rows)
    out = inline_diff(old, new, context=None)
    assert out.count("<ins>") == len(changed)
    assert old_side(out) == old and new_side(out) == new


def test_a_rewrite_made_of_many_repeated_lines_still_gives_a_correct_diff():
    rng = random.Random(5)
    pool = [f"row {n} | cell | cell" for n in range(40)] + ["", "---"]
    old = "\n".join(rng.choice(pool) for _ in range(8000))
    new = "\n".join(rng.choice(pool) for _ in range(8000))
    out = inline_diff(old, new, context=None)
    assert old_side(out) == old and new_side(out) == new
    rows = side_by_side(old, new, context=None)
    assert [r["old_no"] for r in rows if r["old_no"]] == list(range(1, 8001))
    assert [r["new_no"] for r in rows if r["new_no"]] == list(range(1, 8001))


def test_a_long_block_with_every_line_changed_still_shows_the_changed_words():
    old = "".join(f"| row {n} | {'cell ' * 5}|\n" for n in range(3000))
    new = "".join(f"| row {n} | {'cell ' * 5}| new |\n" for n in range(3000))
    out = inline_diff(old, new, context=None)
    assert out.count("<ins> new |</ins>") == 3000 and "<del>" not in out
    assert old_side(out) == old and new_side(out) == new


@pytest.mark.parametrize("seed", range(60))
def test_inline_diff_always_reproduces_both_texts(seed):
    rng = random.Random(seed)
    vocabulary = ["cat", "dog", " ", "  ", "\n", "<", "&", "猫", "犬", ",", "x"]
    old = "".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 80)))
    tokens = list(old)
    for _ in range(rng.randint(0, 6)):
        at = rng.randint(0, len(tokens))
        tokens[at : at + rng.randint(0, 3)] = rng.choice(vocabulary)
    new = "".join(tokens)
    for context in (None, 0, 2):
        out = inline_diff(old, new, context=context)
        assert "<" not in re.sub(r"</?(del|ins|span[^>]*)>", "", out)
        if context is None:
            assert old_side(out) == old and new_side(out) == new


# --- side_by_side --------------------------------------------------------------------


def test_side_by_side_gives_line_numbers_and_kinds():
    old = "one\ntwo\nthree\nfour\n"
    new = "one\n2 <b>\nthree\nthree and a half\nfour\n"
    rows = side_by_side(old, new, context=None)
    assert [(r["kind"], r["old_no"], r["new_no"]) for r in rows] == [
        ("equal", 1, 1),
        ("change", 2, 2),
        ("equal", 3, 3),
        ("insert", None, 4),
        ("equal", 4, 5),
    ]
    change = rows[1]
    assert change["old_html"] == "<del>two</del>"
    assert change["new_html"] == "<ins>2 &lt;b&gt;</ins>"
    assert rows[3]["old_html"] == "" and rows[3]["new_html"] == "three and a half"
    assert rows[0]["old_html"] == rows[0]["new_html"] == "one"


def test_side_by_side_change_rows_mark_only_the_changed_words():
    rows = side_by_side("keep this word\n", "keep that word\n")
    assert rows == [
        {
            "kind": "change",
            "old_no": 1,
            "new_no": 1,
            "old_html": "keep <del>this</del> word",
            "new_html": "keep <ins>that</ins> word",
        }
    ]


def test_side_by_side_shows_deleted_lines_and_uneven_replacements():
    rows = side_by_side("a\nb\nc\nd\n", "a\nB\nd\n", context=None)
    assert [(r["kind"], r["old_no"], r["new_no"]) for r in rows] == [
        ("equal", 1, 1),
        ("change", 2, 2),
        ("delete", 3, None),
        ("equal", 4, 3),
    ]
    assert rows[2]["old_html"] == "c" and rows[2]["new_html"] == ""


def test_side_by_side_does_not_show_a_missing_final_newline_as_a_change():
    rows = side_by_side("a\nb", "a\nb\nc\n", context=None)
    assert [(r["kind"], r["old_no"], r["new_no"]) for r in rows] == [
        ("equal", 1, 1),
        ("equal", 2, 2),
        ("insert", None, 3),
    ]


def test_side_by_side_collapses_long_unchanged_runs_into_skip_rows():
    old = numbered(20)
    new = old.replace("line 10\n", "line ten\n")
    rows = side_by_side(old, new)
    kinds = [r["kind"] for r in rows]
    assert kinds == ["skip", "equal", "equal", "change", "equal", "equal", "skip"]
    assert rows[0] == {
        "kind": "skip",
        "old_no": None,
        "new_no": None,
        "old_html": "… 7 unchanged lines …",
        "new_html": "",
    }
    assert (rows[1]["old_no"], rows[1]["new_no"]) == (8, 8)
    assert rows[-1]["old_html"] == "… 8 unchanged lines …"
    assert len(side_by_side(old, new, context=None)) == 20


def test_side_by_side_line_numbers_follow_insertions():
    old = numbered(12)
    new = "new first line\n" + old
    rows = side_by_side(old, new)
    assert rows[0] == {
        "kind": "insert",
        "old_no": None,
        "new_no": 1,
        "old_html": "",
        "new_html": "new first line",
    }
    assert (rows[1]["old_no"], rows[1]["new_no"]) == (1, 2)
    assert rows[-1]["kind"] == "skip"


# --- field_changes and size_delta_display ---------------------------------------------


def test_field_changes_reports_changed_strings():
    changes = field_changes(
        {"title": "Stan", "reading": "", "body": "x"},
        {"title": "Stan (verb)", "reading": "", "body": "y"},
        labels={"title": "Title"},
    )
    assert changes == [
        {
            "field": "title",
            "label": "Title",
            "old": "Stan",
            "new": "Stan (verb)",
            "added": [],
            "removed": [],
        }
    ]


def test_field_changes_lists_added_and_removed_items_of_lists():
    changes = field_changes({"tags": ["slang", "music"]}, {"tags": ("music", "kpop", "fandom")})
    assert changes == [
        {
            "field": "tags",
            "label": "tags",
            "old": "slang, music",
            "new": "music, kpop, fandom",
            "added": ["kpop", "fandom"],
            "removed": ["slang"],
        }
    ]


def test_reordering_a_list_is_not_a_change():
    assert field_changes({"aliases": ["a", "b"]}, {"aliases": ["b", "a"]}) == []


def test_field_changes_skips_the_body_and_keeps_the_key_order_of_new():
    old = {"body": "old", "tone": "ironic", "title": "A", "gone": "x"}
    new = {"title": "B", "body": "new", "tone": "sincere", "added": ["t"]}
    assert [c["field"] for c in field_changes(old, new)] == ["title", "tone", "added", "gone"]


def test_missing_or_empty_values_count_as_empty():
    assert field_changes({"reading": None}, {"reading": ""}) == []
    assert field_changes({}, {"tags": []}) == []
    [change] = field_changes({}, {"tags": ["new"]})
    assert change["old"] == "" and change["added"] == ["new"]


def test_size_delta_display_uses_a_plus_or_a_true_minus_sign():
    assert size_delta_display(12) == "+12"
    assert size_delta_display(-5) == "\u22125"
    assert size_delta_display(0) == "0"


# --- merge_text ----------------------------------------------------------------------

BASE = "Intro line.\n\nFirst paragraph.\n\nSecond paragraph.\n\nThird paragraph.\n"


def test_edits_to_different_paragraphs_merge_cleanly():
    mine = BASE.replace("First paragraph.", "First paragraph, improved.")
    theirs = BASE.replace("Third paragraph.", "Third paragraph, fixed.")
    result = merge_text(BASE, mine, theirs)
    assert result.clean and result.conflicts == []
    assert result.text == (
        "Intro line.\n\nFirst paragraph, improved.\n\nSecond paragraph.\n\n"
        "Third paragraph, fixed.\n"
    )


def test_identical_edits_on_both_sides_are_taken_once():
    mine = BASE.replace("Second", "2nd") + "Shared addition.\n"
    theirs = BASE.replace("Second", "2nd").replace("Intro", "Preface") + "Shared addition.\n"
    result = merge_text(BASE, mine, theirs)
    assert result.clean
    assert result.text == theirs


def test_overlapping_different_edits_conflict_with_the_right_lines():
    mine = BASE.replace("Second paragraph.", "Second paragraph, my way.")
    theirs = BASE.replace("Second paragraph.", "Second paragraph, their way.")
    result = merge_text(BASE, mine, theirs)
    assert not result.clean and result.text is None
    assert result.conflicts == [
        Conflict(
            base=["Second paragraph."],
            mine=["Second paragraph, my way."],
            theirs=["Second paragraph, their way."],
            start_line=5,
        )
    ]


def test_overlapping_ranges_of_different_sizes_form_one_conflict():
    base = "a\nb\nc\nd\ne\n"
    mine = "a\nB\nC\nd\ne\n"  # lines 2-3
    theirs = "a\nb\nX\nY\nZ\ne\n"  # lines 3-4
    [conflict] = merge_text(base, mine, theirs).conflicts
    assert conflict.base == ["b", "c", "d"]
    assert conflict.mine == ["B", "C", "d"]
    assert conflict.theirs == ["b", "X", "Y", "Z"]
    assert conflict.start_line == 2


def test_insertions_at_the_same_place_conflict_instead_of_picking_an_order():
    base = "top\nbottom\n"
    result = merge_text(base, "top\nmine\nbottom\n", "top\ntheirs\nbottom\n")
    assert result.conflicts == [Conflict(base=[], mine=["mine"], theirs=["theirs"], start_line=2)]


def test_deleting_a_paragraph_the_other_side_left_alone_merges_cleanly():
    mine = BASE.replace("Second paragraph.\n\n", "")
    theirs = BASE.replace("Intro line.", "Intro line, edited.")
    result = merge_text(BASE, mine, theirs)
    assert result.clean
    assert result.text == "Intro line, edited.\n\nFirst paragraph.\n\nThird paragraph.\n"


def test_deleting_a_line_the_other_side_edited_conflicts():
    mine = BASE.replace("Second paragraph.\n", "")
    theirs = BASE.replace("Second paragraph.", "Second paragraph, edited.")
    [conflict] = merge_text(BASE, mine, theirs).conflicts
    assert conflict.base == ["Second paragraph."]
    assert conflict.mine == []
    assert conflict.theirs == ["Second paragraph, edited."]
    assert conflict.start_line == 5


def test_edits_to_adjacent_lines_merge_cleanly():
    base = "1\n2\n3\n4\n5\n6\n7\n"
    result = merge_text(base, "1\n2\n3\n4\nfive\n6\n7\n", "1\n2\n3\n4\n5\nsix\n7\n")
    assert result.clean and result.text == "1\n2\n3\n4\nfive\nsix\n7\n"


def test_an_insertion_just_before_or_after_the_other_sides_edit_is_placed_beside_it():
    base = "a\nb\nc\n"
    before = merge_text(base, "a\nnew\nb\nc\n", "a\nB\nc\n")
    assert before.clean and before.text == "a\nnew\nB\nc\n"
    after = merge_text(base, "a\nb\nnew\nc\n", "a\nB\nc\n")
    assert after.clean and after.text == "a\nB\nnew\nc\n"


def test_an_insertion_inside_a_range_the_other_side_replaced_conflicts():
    base = "a\nb\nc\nd\n"
    [conflict] = merge_text(base, "a\nb\nnew\nc\nd\n", "a\nX\nd\n").conflicts
    assert conflict.base == ["b", "c"]
    assert conflict.mine == ["b", "new", "c"]
    assert conflict.theirs == ["X"]


def test_several_conflicts_are_all_reported_in_order():
    base = numbered(10)
    mine = base.replace("line 2\n", "mine 2\n").replace("line 8\n", "mine 8\n")
    theirs = base.replace("line 2\n", "theirs 2\n").replace("line 8\n", "theirs 8\n")
    conflicts = merge_text(base, mine, theirs).conflicts
    assert [(c.mine, c.theirs, c.start_line) for c in conflicts] == [
        (["mine 2"], ["theirs 2"], 2),
        (["mine 8"], ["theirs 8"], 8),
    ]


def test_conflict_start_line_counts_lines_in_my_text():
    base = numbered(10)
    mine = "my new intro\nmore intro\n" + base.replace("line 8\n", "mine 8\n")
    theirs = base.replace("line 8\n", "theirs 8\n")
    [conflict] = merge_text(base, mine, theirs).conflicts
    assert conflict.start_line == 10
    assert mine.splitlines()[conflict.start_line - 1] == "mine 8"


def test_windows_line_endings_are_normalised_before_merging():
    base = "a\r\nb\r\nc\r\n"
    mine = "A\r\nb\r\nc\r\n"
    theirs = "a\nb\nC\n"
    result = merge_text(base, mine, theirs)
    assert result.clean and result.text == "A\nb\nC\n"


def test_trivial_merges():
    assert merge_text("base", "same", "same") == MergeResult("same", [])
    assert merge_text("base", "base", "theirs").text == "theirs"
    assert merge_text("base", "mine", "base").text == "mine"
    assert merge_text("x\r\n", "x\r\n", "x\n").text == "x\n"
    assert merge_text("", "", "").clean


def test_trailing_newline_is_kept_when_both_sides_have_it():
    base = "a\nb\n"
    assert merge_text(base, "A\nb\n", "a\nB\n").text == "A\nB\n"
    assert merge_text("a\nb", "A\nb", "a\nB").text == "A\nB"


def test_removing_or_adding_the_final_newline_on_one_side_is_kept():
    assert merge_text("a\nb\n", "A\nb", "a\nB\n").text == "A\nB"
    assert merge_text("a\nb", "a\nb\n", "A\nb").text == "A\nb\n"


def test_both_sides_appending_different_text_at_the_end_conflicts():
    result = merge_text("a\n", "a\nmine\n", "a\ntheirs\n")
    assert result.conflicts == [Conflict(base=[], mine=["mine"], theirs=["theirs"], start_line=2)]


def test_deleting_everything_does_not_drop_the_other_sides_final_newline():
    result = merge_text("a\nb\n", "", "a\nb\nc\n")
    assert result.clean and result.text == "c\n"


def test_a_blank_line_left_at_the_end_of_the_merge_keeps_its_newline():
    result = merge_text("old\n", "new\n\nold", "")  # theirs deleted the line mine kept last
    assert result.clean and result.text == "new\n\n"


def test_merging_into_an_empty_base_with_different_texts_conflicts():
    assert not merge_text("", "mine\n", "theirs\n").clean


def test_blank_lines_are_merged_like_any_other_line():
    base = "a\n\nb\n\nc\n"
    result = merge_text(base, "a\n\n\nb\n\nc\n", "a\n\nb\n\nC\n")
    assert result.clean and result.text == "a\n\n\nb\n\nC\n"


def test_a_200_kb_merge_with_far_apart_edits_is_clean():
    rng = random.Random(11)
    words = FEW_WORDS.split()
    lines = [" ".join(rng.choice(words) for _ in range(25)) for _ in range(1500)]
    blank_separated = [x for line in lines for x in (line, "")]
    base = "\n".join(blank_separated) + "\n"
    mine_lines, their_lines = list(blank_separated), list(blank_separated)
    mine_lines[10] = "MINE"
    their_lines[2900] = "THEIRS"
    their_lines.insert(1500, "ALSO THEIRS")
    result = merge_text(base, "\n".join(mine_lines) + "\n", "\n".join(their_lines) + "\n")
    expected = list(their_lines)
    expected[10] = "MINE"
    assert result.clean and result.text == "\n".join(expected) + "\n"


def _random_edit(rng: random.Random, start: int, end: int, tag: str) -> list[str]:
    """New lines for an edit of base[start:end] (empty for a deletion)."""
    if start < end and rng.random() < 0.3:
        return []
    return [f"{tag} {rng.random():.6f}" for _ in range(rng.randint(1, 3))]


@pytest.mark.parametrize("seed", range(200))
def test_random_edits_to_disjoint_line_ranges_merge_cleanly_and_keep_both(seed):
    rng = random.Random(seed)
    base = [f"base line {n}" for n in range(rng.randint(2, 25))]
    # Two disjoint ranges [a1, b1) <= [a2, b2); empty ranges are insertions.
    cuts = sorted(rng.randint(0, len(base)) for _ in range(4))
    a1, b1, a2, b2 = cuts
    if a1 == b1 == a2 == b2:  # two insertions at one point would be a conflict
        if b2 < len(base):
            b2 += 1
        else:
            a1 -= 1
    first = (a1, b1, _random_edit(rng, a1, b1, "first"))
    second = (a2, b2, _random_edit(rng, a2, b2, "second"))

    def apply(lines, *edits):
        lines = list(lines)
        for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            lines[start:end] = new
        return lines

    mine_edit, their_edit = (first, second) if rng.random() < 0.5 else (second, first)
    mine, theirs = apply(base, mine_edit), apply(base, their_edit)

    def text(lines):
        return "".join(f"{line}\n" for line in lines)

    result = merge_text(text(base), text(mine), text(theirs))
    assert result.clean, result.conflicts
    assert result.text == text(apply(base, first, second))


@pytest.mark.parametrize("seed", range(30))
def test_several_disjoint_edits_to_a_long_text_merge_cleanly(seed):
    rng = random.Random(500 + seed)
    size = rng.randint(150, 600)
    base = [f"paragraph {n} {rng.random():.8f}" for n in range(size + 4)]
    cuts = sorted(rng.randint(0, size) for _ in range(8))
    # Four ranges with at least one untouched line between neighbours.
    edits = [
        (cuts[2 * k] + k, cuts[2 * k + 1] + k, _random_edit(rng, 0, 0, f"edit{k}"))
        for k in range(4)
    ]
    sides = [rng.choice("mt") for _ in edits]

    def apply(lines, edits):
        lines = list(lines)
        for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            lines[start:end] = new
        return lines

    mine = apply(base, [e for e, side in zip(edits, sides) if side == "m"])
    theirs = apply(base, [e for e, side in zip(edits, sides) if side == "t"])
    result = merge_text("\n".join(base), "\n".join(mine), "\n".join(theirs))
    assert result.clean, result.conflicts
    assert result.text == "\n".join(apply(base, edits))


@pytest.mark.parametrize("seed", range(40))
def test_merging_never_loses_text_from_either_side(seed):
    rng = random.Random(1000 + seed)
    base = [rng.choice(["a", "b", "c", "", "d e"]) for _ in range(rng.randint(0, 15))]

    def mutate(lines):
        lines = list(lines)
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(lines))
            lines[at : at + rng.randint(0, 2)] = [rng.choice(["x", "y", "a", ""])]
        return lines

    mine, theirs = mutate(base), mutate(base)
    result = merge_text("\n".join(base), "\n".join(mine), "\n".join(theirs))
    if result.clean:
        merged = result.text.split("\n")
        for line in (set(mine) | set(theirs)) - set(base) - {""}:
            assert line in merged
    else:
        assert result.text is None and all(c.mine != c.theirs for c in result.conflicts)


# --- merge_fields --------------------------------------------------------------------


def test_merge_fields_takes_whichever_side_changed_a_field():
    base = {"title": "A", "tone": "dry", "reading": "r"}
    mine = {"title": "A (mine)", "tone": "dry", "reading": "r"}
    theirs = {"title": "A", "tone": "wry", "reading": "r"}
    assert merge_fields(base, mine, theirs) == (
        {"title": "A (mine)", "tone": "wry", "reading": "r"},
        [],
    )


def test_merge_fields_accepts_the_same_change_on_both_sides():
    assert merge_fields({"title": "A"}, {"title": "B"}, {"title": "B"}) == ({"title": "B"}, [])


def test_merge_fields_keeps_mine_and_reports_a_clash():
    merged, conflicts = merge_fields(
        {"title": "A", "tone": "dry"}, {"title": "Mine", "tone": "dry"}, {"title": "Theirs"}
    )
    assert merged == {"title": "Mine"}  # theirs removed "tone" and I left it alone
    assert conflicts == ["title"]


def test_merge_fields_compares_lists_ignoring_order_but_returns_them_as_given():
    base = {"tags": ["a", "b"], "aliases": ["x"]}
    mine = {"tags": ["b", "a"], "aliases": ["x", "y"]}
    theirs = {"tags": ["a", "b", "c"], "aliases": ("x",)}
    merged, conflicts = merge_fields(base, mine, theirs)
    assert conflicts == []
    assert merged == {"tags": ["a", "b", "c"], "aliases": ["x", "y"]}

    mine = {"tags": ["b", "a", "d"], "aliases": ["x"]}
    theirs = {"tags": ("c", "a", "b"), "aliases": ["x"]}
    merged, conflicts = merge_fields(base, mine, theirs)
    assert conflicts == ["tags"]
    assert merged == {"tags": ["b", "a", "d"], "aliases": ["x"]}


def test_merge_fields_treats_the_same_items_in_another_order_as_agreement():
    merged, conflicts = merge_fields({"tags": []}, {"tags": ["a", "b"]}, {"tags": ["b", "a"]})
    assert conflicts == [] and merged == {"tags": ["a", "b"]}


# --- conflict_html -------------------------------------------------------------------


def test_conflict_html_escapes_and_shows_both_versions_in_place():
    base = "intro\n<b>clash</b>\noutro\n"
    mine = "intro\n<script>mine</script>\noutro\n"
    theirs = "intro\n<i>theirs</i> & co\noutro\n"
    result = merge_text(base, mine, theirs)
    out = conflict_html(result, mine)
    assert "<script>" not in out and "<i>" not in out
    assert out.count('<div class="conflict">') == 1
    assert "<h3>Your version (line 2)</h3>" in out and "<h3>Their version</h3>" in out
    assert '<pre class="conflict-mine">&lt;script&gt;mine&lt;/script&gt;</pre>' in out
    assert '<pre class="conflict-theirs">&lt;i&gt;theirs&lt;/i&gt; &amp; co</pre>' in out
    assert out.index("intro") < out.index('class="conflict"') < out.index("outro")
    assert out.count("&lt;script&gt;") == 1  # the clashing lines are not repeated


def test_conflict_html_marks_every_region_and_notes_removed_text():
    base = numbered(8)
    mine = base.replace("line 2\n", "").replace("line 7\n", "mine 7\n")
    theirs = base.replace("line 2\n", "theirs 2\n").replace("line 7\n", "theirs 7\n")
    result = merge_text(base, mine, theirs)
    out = conflict_html(result, mine.replace("\n", "\r\n"))
    assert out.count('<div class="conflict">') == 2
    assert '<p class="conflict-mine"><em>(removed)</em></p>' in out
    assert "theirs 2" in out and "mine 7" in out and "theirs 7" in out
    assert "line 1" in out and "line 8" in out and "\r" not in out
