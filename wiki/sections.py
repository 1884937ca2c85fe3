"""An article's sections, for editing one at a time.

A section starts at a heading of the text (not one inside a quote or a list) and runs to the
next heading of the same or a higher rank, so it holds its subsections, as on Wikipedia. A
section is named by its heading's id, the same id the rendered page gives that heading (the
renderer assigns both), so the page's "edit" link and the editor agree on which lines are
meant. Lines are read off the renderer's own parse: a "#" line in a code block is never a
heading here either.
"""

from dataclasses import dataclass

from .rendering import markup


@dataclass(frozen=True)
class Section:
    anchor: str  # the heading's id on the page
    title: str  # the heading's text
    rank: int  # 2 for "#" and "##" (the renderer shows both as h2), 3 for "###"...
    start: int  # first line (the heading's), 0-based
    end: int  # the line after the section's last


def _lines(body: str) -> list[str]:
    return body.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def sections(body: str) -> list[Section]:
    """Every top-level heading's section, in order."""
    line_count = len(_lines(body))
    headings = []
    tokens = markup.parse(body).tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and token.map:
            title = markup.plain_heading(tokens[i + 1])
            headings.append((token.attrs["id"], title, int(token.tag[1]), token.map[0]))
    # A section ends where the next heading of its rank or higher starts: one pass with the
    # still-open sections on a stack (linear however the ranks are arranged).
    ends = [line_count] * len(headings)
    open_sections: list[int] = []
    for n, (_, _, rank, start) in enumerate(headings):
        while open_sections and headings[open_sections[-1]][2] >= rank:
            ends[open_sections.pop()] = start
        open_sections.append(n)
    return [
        Section(str(anchor), title, rank, start, end)
        for (anchor, title, rank, start), end in zip(headings, ends, strict=True)
    ]


def find(body: str, anchor: str) -> Section | None:
    return next((s for s in sections(body) if s.anchor == anchor), None)


def text_of(body: str, section: Section) -> str:
    """The section's lines: up to the next section without the blank lines between them, or,
    for the last one, to the very end (a code block left open there keeps its last line)."""
    lines = _lines(body)[section.start : section.end]
    if section.end < len(_lines(body)):
        while lines and not lines[-1].strip():
            lines.pop()
    return "\n".join(lines)


def replace(body: str, section: Section, text: str) -> str:
    """`body` with the section's lines replaced by `text`: a blank line is kept before what
    follows, so the next heading stays a heading; an emptied section is removed."""
    lines = _lines(body)
    new = _lines(text) if text.strip() else []
    after = lines[section.end :]
    if after:
        while new and not new[-1].strip():
            new.pop()
        if new:
            new.append("")
    return "\n".join(lines[: section.start] + new + after)
