"""Properties of the renderer for any text: it never raises, its output is already clean (the
sanitizer leaves it as it is), nothing in it can run script, and the wikilink titles it reports
fit the link table. About 250 examples in all, so the module stays CI-sized."""

import re
from datetime import timedelta
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiki.models import normalize_title
from wiki.rendering import limits, render, sanitize, wikilink_targets

CI = settings(
    max_examples=60,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)

FRAGMENTS = [
    # delimiters and brackets
    "*", "**", "_", "__", "~~", "`", "``", "```", "[", "]", "![", "(", ")", "<", ">", "|", "\\",
    "#", "## ", "### ", "- ", "1. ", "> ", "    ", "\t", "\n", "\n\n", " ", "&", "&amp;",
    "&#106;", "&colon;", "\u00a0", "ß", "ﬃ", "寝取られ", "\u200b", "\u202e",
    # wikilinks, whole and broken
    "[[", "]]", "[[Tokyo]]", "[[Tokyo|the city]]", "[[Kyoto#Temples]]", "[[a#b|c]]", "\\[[x]]",
    "[[" + "ß" * 120 + "]]", "[[" + "x" * 250 + "]]", "[[ ]]",
    # links and dangerous URLs
    "[a](", "[a](b)", "[a](javascript:alert(1))", "[a](JaVaScRiPt:alert(1))",
    "[a](jav&#x09;ascript:alert(1))", "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](vbscript:x)", "<javascript:alert(1)>", "<https://example.com>", "[r]: javascript:x\n",
    "[r]", "[a][r]", "https://example.com/x", "//evil.example", "![i](x.png)",
    # HTML
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:x">',
    "<b onclick=x>", "<!-- c -->", "</p>", "<svg onload=x>", "<style>", "<iframe>",
    # blocks
    "```python\n", "```{.python .evil #x}\n", "~~~\n", "| a | b |\n|---|:-:|\n| 1 | 2 |\n",
    "x[^1]", "[^1]: note\n", "[^a]: ", "## FAQ\n\n", "### Why?\n\n", "# Title\n", "===\n",
    # control characters
    "\x00", "\x01", "\x0b", "\x0c", "\r", "\r\n", "\x7f", "\ud7ff", "\ud800", "\ufffd",
]  # fmt: skip

markdownish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40).map(
    "".join
)
any_text = st.text(st.characters(exclude_categories=()), max_size=400)  # surrogates too


def resolver(titles):
    """Some titles are articles (one of them under an awkward slug), the rest are red."""
    slugs = {"Tokyo": "tokyo", "Kyoto": 'kyoto-"<x>', "寝取られ": "寝取られ"}
    return {title: slugs.get(title) for title in titles}


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "img", "iframe", "svg", "object", "embed", "h1"):
            self.problems.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag} {name}")
            scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name == "href" and scheme.startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"{tag} href={value}")


def assert_safe(html: str):
    assert sanitize.clean(html) == html  # already clean: a fixed point of the sanitizer
    assert "<script" not in html.lower()
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    assert inspector.problems == []


def assert_everything_holds(text: str):
    calls = []
    result = render(text, lambda titles: calls.append(set(titles)) or resolver(titles))
    assert_safe(result.html)
    targets = wikilink_targets(text)
    assert targets == set(result.wikilink_targets)
    assert calls == ([targets] if targets else [])
    assert all(0 < len(normalize_title(t)) <= 200 for t in targets)
    for question, answer in result.faq:
        assert isinstance(question, str) and isinstance(answer, str)
    assert all(u.lower().startswith(("http://", "https://")) for u in result.external_links)


@CI
@given(any_text)
def test_any_text_renders_safely(text):
    assert_everything_holds(text)


@CI
@given(markdownish)
def test_markdown_like_text_renders_safely(text):
    assert_everything_holds(text)


@settings(CI, max_examples=40)
@given(st.lists(markdownish, min_size=1, max_size=6).map("\n\n".join))
def test_several_markdown_like_blocks_render_safely(text):
    assert_everything_holds(text)


@settings(CI, max_examples=40)
@given(markdownish)
def test_text_over_the_limits_is_shown_safely_as_plain_text(text):
    original = limits.BUDGET_US
    limits.BUDGET_US = -1  # every text is over
    try:
        result = render(text + "x", resolver)
    finally:
        limits.BUDGET_US = original
    assert result.problem is not None
    assert_safe(result.html)
    assert "<a " not in result.html
    assert result.wikilink_targets == frozenset()
