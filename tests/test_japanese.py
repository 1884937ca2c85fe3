"""`lang="ja"` on Japanese runs in English pages: in the stored HTML between tags (never in
code, never inside a tag), in plain text after escaping, and on the article page."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_article
from tests.test_rendering_properties import CI, FRAGMENTS, resolver
from wiki.japanese import mark_html, mark_text
from wiki.rendering import render

SPAN = re.compile(r'<span lang="ja">|</span>')


def test_runs_of_kana_and_kanji_are_marked_and_punctuation_stays_with_them():
    html = "<p>NTR (寝取られ) is a <em>ジャンル。</em> Also 「萌え」.</p>"

    assert mark_html(html) == (
        '<p>NTR (<span lang="ja">寝取られ</span>) is a <em><span lang="ja">ジャンル。</span></em>'
        ' Also 「<span lang="ja">萌え」</span>.</p>'
    )


def test_code_and_attributes_are_left_alone():
    html = (
        '<p><code>寝る</code> <a href="/wiki/x/" title="寝>取">x</a></p>'
        "<pre><code>日本</code></pre>"
    )

    assert mark_html(html) == html


def test_plain_text_is_escaped_before_it_is_marked():
    assert mark_text("<b>寝取られ</b> & co") == (
        '&lt;b&gt;<span lang="ja">寝取られ</span>&lt;/b&gt; &amp; co'
    )


class Structure(HTMLParser):
    """Tags and attributes, spans left out; and whether a span opened inside code."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.tags, self.in_code, self.span_in_code = [], 0, False

    def handle_starttag(self, tag, attrs):
        if tag == "span" and ("lang", "ja") in attrs:
            self.span_in_code |= self.in_code > 0
            return
        self.in_code += tag == "code"
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self.in_code -= tag == "code"


japanese = st.lists(
    st.one_of(
        st.sampled_from([*FRAGMENTS, "寝取られ", "「萌え」", "`寝る`", "```\n日本\n```\n"]),
        st.text(max_size=6),
    ),
    max_size=30,
).map("".join)


@settings(CI, max_examples=60)
@given(japanese)
def test_for_any_text_only_spans_are_added_and_never_in_code(text):
    html = render(text, resolver).html

    marked = mark_html(html)

    assert SPAN.sub("", marked) == html
    before, after = Structure(), Structure()
    before.feed(html)
    after.feed(marked)
    assert after.tags == before.tags
    assert not after.span_in_code


@pytest.mark.django_db
def test_the_article_page_marks_japanese_in_title_summary_aliases_and_text(client, moderator):
    make_article(
        "寝取られ",
        author=moderator,
        summary="Netorare (寝取られ): a genre.",
        aliases="NTR\nネトラレ",
        body="The word 寝取られ means *taken*.\n\n`寝る` is code.",
    )

    html = client.get("/wiki/寝取られ/").content.decode()

    assert '<h1><span lang="ja">寝取られ</span></h1>' in html
    assert (
        '<p class="article-lede">Netorare (<span lang="ja">寝取られ</span>): a genre.</p>' in html
    )
    assert '<dd>NTR, <span lang="ja">ネトラレ</span></dd>' in html
    assert 'The word <span lang="ja">寝取られ</span> means' in html
    assert "<code>寝る</code>" in html
    assert "<title>寝取られ" in html  # no markup in the title element
