"""A long article's table of contents, and a link on each heading to share its section.

Both are read off the stored HTML (sanitized when the revision was saved), so every
revision gets them, however old its HTML: headings come out of the renderer as
`<h2 id="...">...</h2>` and `<h3 id="...">...</h3>`, and nothing else in that HTML looks
like one. The scan is one linear pass; what it puts back into the HTML is escaped again.
"""

import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote

TOC_MIN_HEADINGS = 3  # fewer sections than this need no table of contents
_HEADING = re.compile(r'<h([23]) id="([^"<>]{1,1000})">(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^<>]*>")
_REFERENCES_START = '<section class="references">\n'  # what the renderer puts before its heading


@dataclass
class Section:
    level: int  # 2 or 3
    anchor: str  # the heading's id, as plain text
    title: str  # the heading's text, as plain text
    subsections: list["Section"] = field(default_factory=list)  # filled by table_of_contents


def outline(body_html: str, *, edit_url: str = "") -> tuple[str, list[Section]]:
    """`body_html` with a "#" link in each h2/h3 (to its own id) and, given the article's
    `edit_url`, an "edit" link that opens the editor on that section alone (not on the
    References the renderer adds: that heading is not in the text); and the sections in
    document order."""
    sections = []
    nesting = _Nesting(body_html)

    def linked(match: re.Match) -> str:
        level, anchor, inner = match.groups()
        title = " ".join(html.unescape(_TAG.sub("", inner)).split())
        sections.append(Section(int(level), html.unescape(anchor), title))
        label = html.escape(f"Link to the section “{title}”", quote=True)
        link = f'<a class="heading-anchor" href="#{anchor}" aria-label="{label}">#</a>'
        # Not a section of the text: the References the renderer adds, and a heading written
        # inside a quote or a list (the editor would not find it).
        generated = match.string.endswith(_REFERENCES_START, 0, match.start())
        if edit_url and not generated and not nesting.nested_at(match.start()):
            href = html.escape(f"{edit_url}?section={quote(html.unescape(anchor))}", quote=True)
            label = html.escape(f"Edit the section “{title}”", quote=True)
            link += f' <a class="section-edit" href="{href}" aria-label="{label}">edit</a>'
        return f'<h{level} id="{anchor}">{inner} {link}</h{level}>'

    return _HEADING.sub(linked, body_html), sections


_CONTAINER = re.compile(r"<(/?)(blockquote|li)\b")


class _Nesting:
    """Whether a place in the HTML is inside a quote or a list item: one forward scan, shared
    by successive questions about later places."""

    def __init__(self, text: str):
        self.text, self.position, self.depth = text, 0, 0

    def nested_at(self, position: int) -> bool:
        for tag in _CONTAINER.finditer(self.text, self.position, position):
            self.depth += -1 if tag.group(1) else 1
        self.position = max(self.position, position)
        return self.depth > 0


def table_of_contents(sections: list[Section]) -> list[Section]:
    """The sections a table of contents lists, when there are enough: the h2s, each with the
    h3s under it as `subsections` (an h3 before any h2 is listed on its own)."""
    if len(sections) < TOC_MIN_HEADINGS:
        return []
    entries: list[Section] = []
    for section in sections:
        entry = Section(section.level, section.anchor, section.title)
        if section.level == 3 and entries and entries[-1].level == 2:
            entries[-1].subsections.append(entry)
        else:
            entries.append(entry)
    return entries
