"""The reader gate holds wherever an article's text appears.

An adult article opens behind a notice for readers who have not opted in; an article with a
tag the reader hides opens behind a "hidden" notice. Every public page of the project (the
same walk as the pending-text safety test, which also fails when a URL pattern is added
without being covered) is fetched by such readers, and no gated text may appear: not on the
article, an old revision, a diff in either view, the history, search snippets, feeds or the
article's metadata. The same pages do show the text once the reader chooses to see it.
"""

import re

import pytest
from django.urls import reverse

from tests.factories import edit, make_article, make_tag, make_user
from tests.test_no_pending_text_anywhere import public_urls
from wiki.preferences import COOKIE, COOKIE_SALT

pytestmark = pytest.mark.django_db

ADULT_MARKER = "Adultgatemarker"
HIDDEN_MARKER = "Hiddengatemarker"
# A marker followed by the word after it in the text: what a leak of the text looks like.
# The marker alone is not a leak (the search page repeats its query).
LEAK = re.compile(
    f"({ADULT_MARKER}|{HIDDEN_MARKER})(?:\\s|</?mark>)*(body|answer|second)", re.IGNORECASE
)


def _body(marker, n):
    return (
        f"Opening words.\n\n{marker} body text, version {n}.\n\n"
        f"## FAQ\n\n### Is it explicit?\n\n{marker} answer: no.\n\n"
        f"[^1]\n\n[^1]: {marker} second mention."
    )


@pytest.fixture
def world(db, moderator):
    adult = make_tag("Adult theme", adult=True)
    drama = make_tag("Drama", category="genre")
    topic = make_tag("Slang")
    gated = make_article(
        "Gated term", author=moderator, body=_body(ADULT_MARKER, 1), tags=[adult.pk, topic.pk]
    )
    edit(gated, moderator, body=_body(ADULT_MARKER, 2))
    edit(gated, moderator, body=_body(ADULT_MARKER, 3))
    hidden = make_article(
        "Dramatic term", author=moderator, body=_body(HIDDEN_MARKER, 1), tags=[drama.pk]
    )
    edit(hidden, moderator, body=_body(HIDDEN_MARKER, 2))
    return {"gated": gated, "hidden": hidden, "adult": adult, "drama": drama, "topic": topic}


def _urls(world):
    terms = ["Gated term", ADULT_MARKER, HIDDEN_MARKER, "Dramatic"]
    tags = [world["adult"], world["drama"], world["topic"]]
    urls = public_urls(world["gated"], tags, search_terms=terms)
    return urls + public_urls(world["hidden"], [], search_terms=())


def _walk(client, urls, markers):
    fetched = 0
    for name, url in urls:
        response = client.get(url)
        assert response.status_code in (200, 301, 302, 404), (url, response.status_code)
        text = response.content.decode()
        leak = LEAK.search(text)
        assert leak is None or leak.group(1) not in markers, f"{leak.group(0)!r} on {url}"
        fetched += response.status_code == 200
    return fetched


def _hide_drama_cookie(client, world):
    from django.core import signing

    client.cookies[COOKIE] = signing.dumps({"h": [world["drama"].pk], "a": False}, salt=COOKIE_SALT)


def test_anonymous_reader_never_sees_adult_text_without_choosing_to(client, world):
    assert _walk(client, _urls(world), {ADULT_MARKER}) >= 30


def test_reader_who_hides_a_tag_never_sees_its_articles_text(client, world):
    _hide_drama_cookie(client, world)
    assert _walk(client, _urls(world), {HIDDEN_MARKER, ADULT_MARKER}) >= 30


def test_signed_in_reader_who_hides_a_tag_never_sees_its_articles_text(client, world):
    reader = make_user("reader", trust="new")
    reader.hidden_tags.add(world["drama"])
    client.force_login(reader)
    assert _walk(client, _urls(world), {HIDDEN_MARKER, ADULT_MARKER}) >= 30


def test_hidden_tag_gate_holds_even_for_a_reader_who_opted_in_to_adult_articles(client, world):
    reader = make_user("reader", trust="new", show_adult=True)
    reader.hidden_tags.add(world["drama"])
    client.force_login(reader)
    assert _walk(client, _urls(world), {HIDDEN_MARKER}) >= 30


# --- the walk is not vacuous: the text is there once the reader asks -----------------------


def _text_pages(article):
    slug = article.slug
    return [
        reverse("article", args=[slug]),
        reverse("revision", args=[slug, 2]),
        reverse("diff", args=[slug, 1, 2]),
        reverse("diff", args=[slug, 1, 2]) + "?view=side",
    ]


def test_each_gated_page_shows_the_notice_and_offers_to_show_the_text(client, world):
    for url in _text_pages(world["gated"]):
        page = client.get(url).content.decode()
        assert "This article is about an adult theme" in page, url
        assert 'name="show" value="1"' in page, url
    side = client.get(_text_pages(world["gated"])[3]).content.decode()
    assert '<input type="hidden" name="view" value="side">' in side


def test_show_once_opens_each_page(client, world):
    for url in _text_pages(world["gated"]):
        joiner = "&" if "?" in url else "?"
        page = client.get(url + joiner + "show=1").content.decode()
        assert f"{ADULT_MARKER} body" in page or f"{ADULT_MARKER}</del>" in page, url
        assert "This article is about an adult theme" not in page, url


def test_the_diff_keeps_show_when_switching_views(client, world):
    url = reverse("diff", args=[world["gated"].slug, 1, 2]) + "?show=1"
    page = client.get(url).content.decode()
    assert "?view=side&amp;show=1" in page


def test_opted_in_reader_reads_adult_text_everywhere_without_a_notice(client, world):
    client.force_login(make_user("grown-up", trust="new", show_adult=True))
    for url in _text_pages(world["gated"]):
        page = client.get(url).content.decode()
        assert "This article is about an adult theme" not in page, url
    search = client.get(reverse("search"), {"q": ADULT_MARKER, "fulltext": "1"})
    assert LEAK.search(search.content.decode()) is not None


def test_search_lists_a_gated_article_with_its_summary_instead_of_an_excerpt(client, world):
    page = client.get(reverse("search"), {"q": ADULT_MARKER, "fulltext": "1"}).content.decode()
    assert "Gated term" in page
    assert "About Gated term." in page


def test_gated_article_metadata_leaves_out_the_faq_answers(client, world):
    page = client.get(reverse("article", args=[world["gated"].slug])).content.decode()
    assert "application/ld+json" in page
    assert "FAQPage" not in page
    opened = client.get(reverse("article", args=[world["gated"].slug]) + "?show=1")
    assert "FAQPage" in opened.content.decode()
