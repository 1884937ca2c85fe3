"""The table of contents and the headings' own links, read off a revision's stored HTML: the
sections in order, escaped again where they go back into the page, for any text."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_article, make_tag
from tests.test_rendering_properties import CI, markdownish, resolver
from wiki.outline import outline, table_of_contents
from wiki.rendering import render

ANCHOR = re.compile(r' <a class="heading-anchor" href="#[^"]*" aria-label="[^"]*">#</a>')


def test_each_heading_links_to_itself_and_is_listed_in_order():
    html = render("## Usage & *more*\n\ntext\n\n### Sub\n\n## Usage & *more*\n", resolver).html

    linked, sections = outline(html)

    assert [(s.level, s.anchor, s.title) for s in sections] == [
        (2, "usage-more", "Usage & more"),
        (3, "sub", "Sub"),
        (2, "usage-more_1", "Usage & more"),
    ]
    assert (
        '<h2 id="usage-more">Usage &amp; <em>more</em> <a class="heading-anchor" '
        'href="#usage-more" aria-label="Link to the section “Usage &amp; more”">#</a></h2>'
    ) in linked


def test_a_heading_cannot_break_out_of_its_links_label():
    text = '## a" onmouseover="alert(1) <b>x</b> &quot;\n'

    linked, sections = outline(render(text, resolver).html)

    found = Attributes()
    found.feed(linked)
    assert found.labels == [f"Link to the section “{sections[0].title}”"]
    assert not [name for name in found.names if name.startswith("on")]


def test_short_articles_get_no_table_of_contents():
    _, two = outline(render("## One\n\n## Two\n", resolver).html)
    _, three = outline(render("## One\n\n## Two\n\n## Three\n", resolver).html)

    assert table_of_contents(two) == []
    assert [s.title for s in table_of_contents(three)] == ["One", "Two", "Three"]


def test_the_contents_list_subsections_under_their_section():
    _, sections = outline(render("### Lead\n\n## A\n\n### A1\n\n### A2\n\n## B\n", resolver).html)

    toc = table_of_contents(sections)

    assert [(s.title, [c.title for c in s.subsections]) for s in toc] == [
        ("Lead", []),
        ("A", ["A1", "A2"]),
        ("B", []),
    ]


class Attributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.names, self.labels = [], []

    def handle_starttag(self, tag, attrs):
        self.names += [name for name, _ in attrs]
        self.labels += [value for name, value in attrs if name == "aria-label"]


@settings(CI, max_examples=50)
@given(st.lists(markdownish, min_size=1, max_size=6).map("\n\n".join))
def test_for_any_text_only_the_links_are_added_one_per_listed_heading(text):
    html = render(text, resolver).html

    linked, sections = outline(html)

    assert ANCHOR.sub("", linked) == html
    assert len(ANCHOR.findall(linked)) == len(sections)
    found = Attributes()
    found.feed(linked)
    assert not [name for name in found.names if name.startswith("on") or name == "style"]


# --- on the article page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_long_article_shows_its_contents_and_a_short_one_does_not(client, moderator):
    make_article(
        "Long", author=moderator, body="## Origin\n\nx\n\n## Usage\n\ny\n\n### In fandom\n\nz"
    )
    make_article("Short", author=moderator, body="## Origin\n\nx")

    long = client.get("/wiki/long/").content.decode()
    short = client.get("/wiki/short/").content.decode()

    toc = re.search(r'<nav class="toc".*?</nav>', long, re.S).group(0)
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc) == [
        ("origin", "Origin"),
        ("usage", "Usage"),
        ("in-fandom", "In fandom"),
    ]
    assert 'class="heading-anchor" href="#usage"' in long
    assert 'class="toc"' not in short
    assert 'class="heading-anchor" href="#origin"' in short


@pytest.mark.django_db
def test_the_automatic_list_is_named_apart_from_a_related_terms_section(client, moderator):
    tag = make_tag("Romance")
    make_article("Junai", author=moderator, tags=[tag])
    make_article("Moe", author=moderator, tags=[tag], body="## Related terms\n\n[[Junai]]")
    make_article("Dere", author=moderator, tags=[tag], body="No sections.")

    with_section = client.get("/wiki/moe/").content.decode()
    without = client.get("/wiki/dere/").content.decode()

    assert '<h2 id="related-heading">More terms with these tags</h2>' in with_section
    assert '<h2 id="related-heading">Related terms</h2>' in without


@pytest.mark.django_db
def test_related_terms_leave_out_adult_articles_unless_the_reader_opens_them(client, moderator):
    romance = make_tag("Romance")
    adult = make_tag("Sexual themes", category="warning", adult=True)
    make_article("Moe", author=moderator, tags=[romance])
    make_article("Junai", author=moderator, tags=[romance])
    make_article("Netorare", author=moderator, tags=[romance, adult])

    default = client.get("/wiki/moe/")
    client.cookies["kotoba_adult_session"] = "1"
    opted_in = client.get("/wiki/moe/")

    assert [a.title for a in default.context["related"]] == ["Junai"]
    assert [a.title for a in opted_in.context["related"]] == ["Junai", "Netorare"]
