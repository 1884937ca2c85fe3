"""Tests for wiki.rendering: pure functions, no database, no Django settings needed."""

import re
from urllib.parse import unquote

import pytest

from wiki.rendering import (
    external_links,
    faq_items,
    plain_text,
    render_markdown,
    wikilink_targets,
)
from wiki.rendering import render as render_once

ARTICLES = {"Tokyo": "tokyo", "Kyoto": "kyoto", "寝取られ": "寝取られ"}


class FakeResolver:
    """Dict-backed resolver that records its calls."""

    def __init__(self, articles=ARTICLES):
        self.articles = articles
        self.calls = []

    def __call__(self, titles):
        self.calls.append(set(titles))
        return {title: self.articles.get(title) for title in titles}


def render(text, resolver=None):
    return render_markdown(text, resolver or FakeResolver())


def hrefs(html):
    return re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html)


# --- basics -------------------------------------------------------------------------------


def test_empty_or_blank_input_gives_empty_string():
    assert render("") == ""
    assert render("   \n\n  ") == ""


def test_same_input_gives_same_output():
    text = (
        "# T\n\n## 見出し\n\nA [[Tokyo]] [[Nowhere]] note[^1] `x`\n\n[^1]: n\n\n## FAQ\n\n### Q?\nA"
    )
    assert render(text) == render(text) == render(text)


def test_paragraphs_and_emphasis_render():
    assert render("Hello *world* and **bold**") == (
        "<p>Hello <em>world</em> and <strong>bold</strong></p>"
    )


def test_headings_get_unicode_ids():
    html = render("## 日本語の見出し\n\n### Café au lait")
    assert '<h2 id="日本語の見出し">日本語の見出し</h2>' in html
    assert '<h3 id="café-au-lait">' in html


def test_h1_in_user_text_is_demoted_to_h2_and_other_levels_are_kept():
    html = render("# Top\n\nSetext\n======\n\n## Two\n\n### Three")
    assert "<h1" not in html
    assert '<h2 id="top">Top</h2>' in html
    assert '<h2 id="setext">Setext</h2>' in html
    assert '<h2 id="two">Two</h2>' in html
    assert '<h3 id="three">Three</h3>' in html


def test_tables_use_align_attributes_and_no_style():
    html = render("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |")
    assert '<th align="left">a</th>' in html
    assert '<th align="center">b</th>' in html
    assert '<td align="right">3</td>' in html
    assert "style" not in html


def test_fenced_code_keeps_its_language_class_and_escapes_content():
    html = render('```python\nprint("<b>hi</b>")\n```')
    assert '<pre><code class="language-python">' in html
    assert "&lt;b&gt;hi&lt;/b&gt;" in html


def test_footnotes_make_a_references_section_with_numbered_refs():
    html = render("First[^a] and second[^b].\n\n[^a]: Note A.\n[^b]: Note B.")
    assert '<section class="references">' in html
    assert '<h2 id="references">References</h2>' in html
    assert '<sup id="fnref:a"><a class="footnote-ref" href="#fn:a"' in html
    assert re.search(r'href="#fn:a"[^>]*>1</a>', html)
    assert re.search(r'href="#fn:b"[^>]*>2</a>', html)
    assert '<li id="fn:a">' in html and '<li id="fn:b">' in html
    assert 'class="footnote-backref"' in html
    assert "<hr" not in html
    assert html.index("References") < html.index("Note A.")


def test_footnotes_nobody_cites_are_still_listed_without_a_way_back():
    html = render("Cited[^a].\n\n[^a]: Used.\n[^b]: Never cited.")
    assert '<li id="fn:b"><p>Never cited.</p>' in html
    assert 'href="#fnref:b"' not in html


def test_duplicate_headings_get_numbered_ids():
    html = render("## Notes\n\n## Notes\n\n## Notes_1\n\n## Notes")
    ids = re.findall(r'<h2 id="([^"]+)"', html)
    assert ids == ["notes", "notes_1", "notes_2", "notes_3"]


def test_duplicate_headings_ending_in_a_huge_number_get_ids_too():
    heading = "## a_" + "9" * 5000
    html = render(f"{heading}\n\n{heading}")
    assert html.count('<h2 id="a_') == 2


def test_references_heading_id_does_not_clash_with_a_user_heading_named_references():
    html = render("## References\n\nx[^1]\n\n[^1]: n")
    assert html.count('id="references"') == 1
    assert '<h2 id="references_1">References</h2>' in html


# --- raw HTML and XSS ---------------------------------------------------------------------


def test_raw_html_inline_and_block_is_shown_as_escaped_text():
    html = render("Hi <b>there</b>\n\n<div>block</div>\n\n<script>alert(1)</script>")
    assert "&lt;b&gt;there&lt;/b&gt;" in html
    assert "<p>&lt;div&gt;block&lt;/div&gt;</p>" in html
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    assert "<b>" not in html and "<div>" not in html


@pytest.mark.parametrize(
    "text",
    [
        "para <script>alert(1)</script>",
        "<script>alert(1)</script>",
        "## head <script>alert(1)</script>",
        "- item <script>alert(1)</script>",
        "| h |\n|---|\n| <script>alert(1)</script> |",
        "[<script>alert(1)</script>](/x)",
        "note[^1]\n\n[^1]: <script>alert(1)</script>",
        "[[Tokyo|<script>alert(1)</script>]]",
        "[[<script>alert(1)</script>]]",
        "> quote <script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<!-- <script>alert(1)</script> -->",
    ],
)
def test_script_and_raw_tags_are_inert_in_every_position(text):
    html = render(text)
    assert "<script" not in html
    assert "<img" not in html
    assert "onerror" not in html or "&lt;img" in html
    assert "javascript:" not in "".join(hrefs(html))


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "&#106;avascript:alert(1)",
        "javascript&colon;alert(1)",
        "<java\nscript:alert(1)>",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "  javascript:alert(1)",
    ],
)
def test_dangerous_link_schemes_lose_their_href(url):
    html = render(f"[click]({url})")
    assert "click" in html  # the words stay (as text, or as a link without an href)
    assert hrefs(html) == []
    if "\n" not in url:  # the same URL as a reference-style link definition
        assert hrefs(render(f"[ref][r]\n\n[r]: {url.strip()}")) == []


def test_relative_fragment_and_mailto_links_survive():
    html = render("[a](/wiki/x/) [b](#fn:1) [c](../x) [d](mailto:me@example.com) [e](https://e.x/)")
    assert hrefs(html) == ["/wiki/x/", "#fn:1", "../x", "mailto:me@example.com", "https://e.x/"]


def test_every_link_gets_rel_nofollow_ugc_noopener():
    html = render(
        "[a](https://a.example) <https://b.example> [[Tokyo]] [[Nowhere]] n[^1]\n\n[^1]: x"
    )
    anchors = re.findall(r"<a\b[^>]*>", html)
    assert len(anchors) == 6
    assert all('rel="nofollow ugc noopener"' in a for a in anchors)


def test_user_cannot_inject_classes_or_attributes():
    html = render(
        "```{.python .admin-only #evil}\ncode\n```\n\n"
        "Para {: .admin-only }\n\n[x](/y){: .admin-only}\n\n"
        '<span class="wikilink">s</span>\n\n[t](/z "title" class="admin")'
    )
    assert "admin-only" not in html.replace("{: .admin-only }", "").replace("{: .admin-only}", "")
    assert 'id="evil"' not in html
    assert '<code class="language-python">' in html
    assert "<span" not in html
    assert not re.search(r'<a [^>]*class="admin', html)


def test_images_are_left_out():
    assert "<img" not in render("![alt](https://example.com/x.png)")


# --- wikilinks ----------------------------------------------------------------------------


def test_wikilink_to_existing_article_links_to_its_slug():
    html = render("See [[Tokyo]].")
    assert '<a class="wikilink" href="/wiki/tokyo/" rel="nofollow ugc noopener">Tokyo</a>' in html


def test_wikilink_label_replaces_the_link_text():
    html = render("[[Tokyo|the capital]]")
    assert '<a class="wikilink" href="/wiki/tokyo/"' in html
    assert ">the capital</a>" in html


def test_wikilink_title_is_stripped():
    resolver = FakeResolver()
    html = render("[[  Tokyo  | city ]]", resolver)
    assert resolver.calls == [{"Tokyo"}]
    assert 'href="/wiki/tokyo/"' in html and ">city</a>" in html


def test_section_wikilink_adds_the_heading_anchor():
    html = render("[[Kyoto#Famous temples]] and [[Kyoto#歴史 と 文化|history]]")
    assert 'href="/wiki/kyoto/#famous-temples"' in html
    assert ">Kyoto § Famous temples</a>" in html
    (quoted,) = [h for h in hrefs(html) if "%" in h]
    assert unquote(quoted) == "/wiki/kyoto/#歴史-と-文化"
    assert ">history</a>" in html


def test_section_anchor_matches_the_heading_id_on_the_target_page():
    target = render("## Famous Temples & Shrines!")
    link = render("[[Kyoto#Famous Temples & Shrines!]]")
    heading_id = re.search(r'<h2 id="([^"]+)"', target).group(1)
    assert f'href="/wiki/kyoto/#{heading_id}"' in link


def test_missing_article_becomes_a_red_link_to_the_create_page():
    html = render("[[Osaka & Kobe]]")
    assert (
        '<a class="wikilink new" href="/wiki/new/?title=Osaka+%26+Kobe" '
        'title="Create this article (it does not exist yet)"'
    ) in html
    assert ">Osaka &amp; Kobe</a>" in html


def test_red_link_title_with_non_latin_text_is_urlencoded():
    html = render("[[大阪]]")
    assert 'href="/wiki/new/?title=%E5%A4%A7%E9%98%AA"' in html


def test_non_latin_slug_is_percent_encoded_in_the_href():
    html = render("[[寝取られ]]")
    href = "/wiki/%E5%AF%9D%E5%8F%96%E3%82%89%E3%82%8C/"
    assert f'<a class="wikilink" href="{href}"' in html
    assert ">寝取られ</a>" in html


def test_wikilink_markup_cannot_inject_html():
    html = render('[[Tokyo|<b onclick="x">bold</b>]] [["><script>x</script>]]')
    assert "<b" not in html and "<script" not in html
    assert "&lt;b onclick=" in html
    assert 'title=%22%3E%3Cscript%3Ex%3C%2Fscript%3E"' in html


def test_empty_or_escaped_wikilinks_stay_as_text():
    html = render("[[ ]] [[#Section]] \\[[Tokyo]]")
    assert "<a" not in html
    assert "[[ ]]" in html and "[[#Section]]" in html and "[[Tokyo]]" in html


def test_resolver_is_called_once_per_render_with_all_targets():
    resolver = FakeResolver()
    render(
        "[[Tokyo]] [[Kyoto|k]] [[Tokyo#A]]\n\n- [[Nara]]\n\n| [[Osaka]] |\n|---|\n| x |", resolver
    )
    assert resolver.calls == [{"Tokyo", "Kyoto", "Nara", "Osaka"}]


def test_resolver_is_not_called_when_there_are_no_wikilinks():
    resolver = FakeResolver()
    render("No links here, just `[[code]]`.", resolver)
    assert resolver.calls == []


def test_wikilinks_in_code_are_not_links():
    html = render("Inline `[[Tokyo]]` here.\n\n```\n[[Kyoto]]\n```\n\n~~~\n[[Nara]]\n~~~")
    assert "<a" not in html
    assert "<code>[[Tokyo]]</code>" in html
    assert "[[Kyoto]]" in html and "[[Nara]]" in html


def test_wikilink_targets_lists_stripped_titles_without_sections_or_code():
    text = (
        "[[ Tokyo ]] [[Kyoto#Temples|k]] [[Nara|n]] [[Tokyo]]\n\n"
        "`[[InlineCode]]` ``a [[Double]] b``\n\n"
        "```\n[[Fenced]]\n```\n\n~~~~ python\n[[Tilde]]\n~~~~\n\n[[ ]] \\[[Escaped]]"
    )
    assert wikilink_targets(text) == {"Tokyo", "Kyoto", "Nara"}
    assert wikilink_targets("") == set()


def test_wikilinks_in_indented_code_and_image_text_are_not_targets():
    text = "Text.\n\n    [[IndentedCode]]\n\n![[[InImage]]](x.png) [[Tokyo]]"
    assert wikilink_targets(text) == {"Tokyo"}


def test_wikilink_typed_longer_than_twice_a_title_is_plain_text():
    title = "a" * 401
    html = render(f"[[{title}]]")
    assert "<a" not in html and f"[[{title}]]" in html
    assert wikilink_targets(f"[[{title}]]") == set()


def test_wikilink_whose_title_is_only_invisible_characters_is_plain_text():
    assert "<a" not in render("[[\u200b\u200b]]")
    assert wikilink_targets("[[\u200b]]") == set()


# --- one parse gives everything a save needs ----------------------------------------------


def test_render_gives_html_faq_links_and_targets_from_one_resolver_call():
    resolver = FakeResolver()
    result = render_once(
        "See [[Tokyo]] and [[Nara|n]] at https://a.example/x.\n\n## FAQ\n\n### Why?\n\nSo.",
        resolver,
    )
    assert resolver.calls == [{"Tokyo", "Nara"}]
    assert result.wikilink_targets == {"Tokyo", "Nara"}
    assert result.faq == [("Why?", "So.")]
    assert result.external_links == ["https://a.example/x"]
    assert 'href="/wiki/tokyo/"' in result.html
    assert result.problem is None


def test_render_of_blank_text_is_empty():
    result = render_once("  \n ")
    assert (result.html, result.faq, result.external_links) == ("", [], [])


# --- FAQ ----------------------------------------------------------------------------------

FAQ_TEXT = """Intro.

## Frequently asked questions:

Some intro for the FAQ.

### What is Kotoba?

A *wiki* about [[Tokyo]] words.

### Background

Not a question, stays plain.

### Is it free？

Yes.

```
no cost
```

## Next section

### Is this a question?

Outside the FAQ.
"""


def test_faq_section_is_wrapped_and_questions_become_items():
    html = render(FAQ_TEXT)
    faq = re.search(r'<section class="faq">(.*?)</section>', html, re.S).group(1)
    assert '<h2 id="frequently-asked-questions">Frequently asked questions:</h2>' in faq
    assert "Some intro for the FAQ." in faq
    items = re.findall(r'<div class="faq-item">(.*?)</div>', faq, re.S)
    assert len(items) == 2
    assert '<h3 id="what-is-kotoba">What is Kotoba?</h3>' in items[0]
    assert "<em>wiki</em>" in items[0]
    assert "Is it free？" in items[1] and "no cost" in items[1]
    assert "Background" in faq and "Background" not in "".join(items)
    assert "Next section" not in faq and "Outside the FAQ" not in faq
    assert html.count('class="faq-item"') == 2


def test_faq_heading_written_as_h1_is_demoted_and_still_opens_the_section():
    html = render("# FAQ\n\n### Why?\n\nBecause.\n\n# Next\n\nAfter.")
    faq = re.search(r'<section class="faq">.*?</section>', html, re.S).group(0)
    assert '<h2 id="faq">FAQ</h2>' in faq and "After." not in faq


def test_faq_heading_may_be_just_faq_in_any_case():
    assert '<section class="faq">' in render("## faq\n\n### Why?\n\nBecause.")


def test_faq_without_question_headings_stays_plain():
    html = render("## FAQ\n\n### Background\n\nText.")
    assert "faq" not in html.replace('id="faq"', "")


def test_question_headings_outside_a_faq_section_are_plain():
    assert "faq-item" not in render("## Questions\n\n### Why?\n\nBecause.")


def test_faq_section_stops_before_the_references():
    html = render("## FAQ\n\n### Why?\n\nBecause[^1].\n\n[^1]: Source.")
    faq = re.search(r'<section class="faq">.*?</section>', html, re.S).group(0)
    assert "References" not in faq
    assert '<section class="references">' in html


def test_faq_items_gives_questions_and_plain_text_answers():
    assert faq_items(FAQ_TEXT) == [
        ("What is Kotoba?", "A wiki about Tokyo words."),
        ("Is it free？", "Yes. no cost"),
    ]


def test_faq_items_answers_are_plain_text_with_entities_decoded():
    items = faq_items("## FAQ\n\n### A & B?\n\nUse `x < y` and **bold** & [[Nowhere|it]].")
    assert items == [("A & B?", "Use x < y and bold & it.")]


def test_faq_items_is_empty_without_a_faq_section():
    assert faq_items("## Intro\n\n### Why?\n\nBecause.") == []
    assert faq_items("") == []


# --- helpers ------------------------------------------------------------------------------


def test_plain_text_strips_tags_decodes_entities_and_collapses_whitespace():
    html = "<h2>Title</h2>\n<p>Tom &amp; Jerry&nbsp;<em>rock</em></p><ul><li>a</li><li>b</li></ul>"
    assert plain_text(html) == "Title Tom & Jerry rock a b"  # &nbsp; collapses too
    assert plain_text("<p>x</p><script>evil()</script><style>p{}</style>") == "x"
    assert plain_text("") == ""


def test_plain_text_of_rendered_markdown_reads_naturally():
    html = render("## 見出し\n\nこれは**テスト**です。\n\n- one\n- two")
    assert plain_text(html) == "見出し これはテストです。 one two"


def test_external_links_finds_links_autolinks_and_bare_urls():
    text = (
        "[a](https://a.example/x) <http://b.example> see https://c.example/path).\n\n"
        "詳しくはhttps://d.example/page を参照 [[Tokyo]] [rel](/wiki/x/) [m](mailto:x@y.z)\n\n"
        "[js](javascript:alert(1)) [ref][r] [a again](https://a.example/x)\n\n"
        "[r]: HTTPS://E.example"
    )
    assert external_links(text) == [
        "https://a.example/x",
        "http://b.example",
        "https://c.example/path",
        "https://d.example/page",
        "HTTPS://E.example",
        "https://a.example/x",
    ]


def test_external_links_of_plain_text_is_empty():
    assert external_links("Just words and [[Tokyo]].") == []
    assert external_links("") == []
