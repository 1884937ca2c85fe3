"""Links between articles ("what links here", related terms, comparison tables) and what
search engines and link previews read (canonical link, meta description, OpenGraph, JSON-LD)."""

import html as htmllib
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import delete, edit, make_article, make_tag
from wiki import selectors, statements
from wiki.moderation import accept_chain
from wiki.preferences import ReaderPrefs

pytestmark = pytest.mark.django_db

MARKER = "Quokkapending"


def links_here(client, article):
    response = client.get(reverse("what_links_here", args=[article.slug]))
    assert response.status_code == 200
    return [a.title for a in response.context["page"]]


def json_ld(html):
    """The parsed JSON-LD documents of a page."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def graph_types(html):
    (document,) = json_ld(html)
    assert document["@context"] == "https://schema.org"
    return {node["@type"]: node for node in document["@graph"]}


def head(html):
    return html[: html.index("</head>")]


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)
    return htmllib.unescape(match.group(1)) if match else None


# --- what links here -------------------------------------------------------------------------


def test_what_links_here_lists_articles_linking_to_it(client, moderator):
    target = make_article("Tsundere", author=moderator)
    make_article("Dere types", author=moderator, body="See [[Tsundere]] and [[tsundere|them]].")
    make_article("Kuudere", author=moderator, body="Unlike a [[Tsundere|tsun]], calm.")
    make_article("Unrelated", author=moderator, body="No links.")

    assert links_here(client, target) == ["Dere types", "Kuudere"]


def test_what_links_here_follows_aliases(client, moderator):
    target = make_article("Netorare", author=moderator, aliases="NTR")
    make_article("Genres", author=moderator, body="Also [[NTR]].")

    assert links_here(client, target) == ["Genres"]


def test_what_links_here_updates_when_a_revision_is_published(client, moderator):
    target = make_article("Tsundere", author=moderator)
    source = make_article("Dere types", author=moderator, body="No link yet.")
    assert links_here(client, target) == []

    edit(source, moderator, body="Now [[Tsundere]].")
    assert links_here(client, target) == ["Dere types"]

    edit(source, moderator, body="Link removed.")
    assert links_here(client, target) == []


def test_pending_link_is_not_listed_until_accepted(client, moderator, newbie):
    target = make_article("Tsundere", author=moderator)
    source = make_article("Dere types", author=moderator, body="No link yet.")

    outcome = edit(source, newbie, body="Now [[Tsundere]].")
    assert links_here(client, target) == []
    make_article("Waiting", author=newbie, body="[[Tsundere]]")
    assert links_here(client, target) == []

    accept_chain(outcome.revision, moderator=moderator)
    assert links_here(client, target) == ["Dere types"]


def test_link_written_before_the_target_existed_counts_once_it_is_published(client, moderator):
    make_article("Dere types", author=moderator, body="See [[Yandere]].")
    target = make_article("Yandere", author=moderator)

    assert links_here(client, target) == ["Dere types"]
    page = client.get(reverse("article", args=["dere-types"])).content.decode()
    assert 'href="/wiki/yandere/"' in page


def test_deleted_articles_are_not_listed(client, moderator):
    target = make_article("Tsundere", author=moderator)
    source = make_article(f"Gone {MARKER}", author=moderator, body="[[Tsundere]]")
    delete(source)

    assert links_here(client, target) == []


def test_what_links_here_shows_badges_in_a_fixed_number_of_queries(client, moderator):
    warning = make_tag("Violence", category="warning")
    target = make_article("Tsundere", author=moderator)
    url = reverse("what_links_here", args=[target.slug])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url).content.decode()
        return len(ctx.captured_queries), html.count("badge-warning")

    for n in range(3):
        make_article(f"Source {n}", author=moderator, body="[[Tsundere]]", tags=[warning])
    few = count()
    for n in range(3, 10):
        make_article(f"Source {n}", author=moderator, body="[[Tsundere]]", tags=[warning])
    many = count()

    assert (few[1], many[1]) == (3, 10)
    assert few[0] == many[0]


# --- related terms and comparison tables ---------------------------------------------------


def test_related_terms_share_the_most_tags(client, moderator):
    a, b, c = make_tag("A"), make_tag("B"), make_tag("C")
    term = make_article("Tsundere", author=moderator, tags=[a, b, c])
    make_article("One shared", author=moderator, tags=[a], summary="One.")
    make_article("Three shared", author=moderator, tags=[a, b, c])
    make_article("Two shared", author=moderator, tags=[b, c])
    make_article("Genre shares all", author=moderator, kind="genre", tags=[a, b, c])
    make_article("Nothing shared", author=moderator)

    response = client.get(term.get_absolute_url())

    related = [(t.title, t.shared) for t in response.context["related"]]
    assert related == [("Three shared", 3), ("Two shared", 2), ("One shared", 1)]
    html = response.content.decode()
    assert "Related terms" in html
    assert "One shared</a> — One." in html


def test_related_terms_leave_out_tags_too_common_to_tell(client, moderator, monkeypatch):
    monkeypatch.setattr("wiki.selectors.RELATED_TAG_MAX_ARTICLES", 3)
    common, rare = make_tag("Anime"), make_tag("Tsundere archetype")
    term = make_article("Tsundere", author=moderator, tags=[common, rare])
    make_article("Rare match", author=moderator, tags=[rare])
    for n in range(4):  # "Anime" is on five articles: too common to relate them
        make_article(f"Also anime {n}", author=moderator, tags=[common])

    response = client.get(term.get_absolute_url())

    assert [t.title for t in response.context["related"]] == ["Rare match"]


def test_with_only_common_tags_related_terms_come_from_the_newest_with_the_rarest(
    client, moderator, monkeypatch
):
    """Every tag common: the terms sharing the most of them, among the newest articles with
    the rarest tag only (a bounded count, however many articles carry it)."""
    monkeypatch.setattr("wiki.selectors.RELATED_TAG_MAX_ARTICLES", 1)
    monkeypatch.setattr("wiki.selectors.RELATED_CANDIDATES", 3)
    anime, school = make_tag("Anime"), make_tag("School")
    make_article("Oldest, school", author=moderator, tags=[school])  # not among the newest 3
    make_article("Old, both tags", author=moderator, tags=[anime, school])
    make_article("Only school", author=moderator, tags=[school])
    make_article("Newer, anime", author=moderator, tags=[anime])  # not with the rarest tag
    make_article("Newer, both tags", author=moderator, tags=[anime, school])
    for n in range(3):
        make_article(f"Newest, anime {n}", author=moderator, tags=[anime])
    term = make_article("Moe", author=moderator, tags=[anime, school])
    counts = {t.name: t.article_count for t in term.published_revision.tags.all()}
    assert counts == {"Anime": 7, "School": 5}  # both common; School the rarer

    response = client.get(term.get_absolute_url())

    related = [(t.title, t.shared) for t in response.context["related"]]
    assert related == [("Newer, both tags", 2), ("Old, both tags", 2), ("Only school", 1)]


def test_related_terms_use_published_tags_only(client, moderator, newbie):
    a = make_tag("A")
    term = make_article("Tsundere", author=moderator, tags=[a])
    other = make_article("Other", author=moderator)
    edit(other, newbie, tags=[a])  # pending
    make_article("Waiting", author=newbie, tags=[a])

    response = client.get(term.get_absolute_url())

    assert list(response.context["related"]) == []
    assert "Related terms" not in response.content.decode()


def test_related_terms_are_at_most_six(client, moderator):
    a = make_tag("A")
    term = make_article("Tsundere", author=moderator, tags=[a])
    for n in range(8):
        make_article(f"Other {n}", author=moderator, tags=[a])

    assert len(client.get(term.get_absolute_url()).context["related"]) == 6


def test_related_terms_of_the_same_shape_share_one_compiled_statement(moderator):
    """The SQL is compiled once per shape (how many tags, hidden tags, adult opt-in); each
    article's own id and tags go into it as parameters."""
    x, y, hidden = make_tag("X"), make_tag("Y"), make_tag("Hidden")
    first = make_article("First", author=moderator, tags=[x])
    second = make_article("Second", author=moderator, tags=[y])
    make_article("Shares X", author=moderator, tags=[x])
    make_article("Shares Y", author=moderator, tags=[y])
    make_article("Shares Y, hidden", author=moderator, tags=[y, hidden])
    statements.clear()

    def related(article, prefs=ReaderPrefs()):
        tags = list(article.published_revision.tags.all())
        return [term.title for term in selectors.related_terms(article, tags, prefs)]

    assert related(first) == ["Shares X"]
    assert related(second) == ["Shares Y", "Shares Y, hidden"]
    assert statements.prepared.cache_info().misses == 1
    assert related(second, ReaderPrefs(hidden_tag_ids=frozenset({hidden.pk}))) == ["Shares Y"]
    assert statements.prepared.cache_info().misses == 2


def test_genre_explainer_shows_its_contrasts_as_a_comparison_table(client, moderator):
    harem = make_article("Harem", author=moderator, kind="genre", summary="Many suitors.")
    otome = make_article("Otome", author=moderator, kind="genre", summary="A heroine chooses.")
    explainer = make_article(
        "Reverse harem",
        author=moderator,
        kind="genre",
        summary="One heroine, many suitors.",
        tone="Light",
        contrasts_with=[harem, otome],
    )

    response = client.get(explainer.get_absolute_url())

    html = response.content.decode()
    table = re.search(r'<section class="comparison".*?</section>', html, re.S).group(0)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    cells = [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)]
        for r in rows
    ]
    assert cells[0] == ["Article", "Summary", "Tone"]
    assert cells[1:] == [
        ["Reverse harem", "One heroine, many suitors.", "Light"],
        ["Harem", "Many suitors.", "—"],
        ["Otome", "A heroine chooses.", "—"],
    ]
    assert 'href="/wiki/harem/"' in table


def test_terms_show_no_comparison_table(client, moderator):
    term = make_article("Tsundere", author=moderator)

    assert 'class="comparison"' not in client.get(term.get_absolute_url()).content.decode()


def test_comparison_table_shows_the_tone_of_each_contrasted_genre(client, moderator):
    harem = make_article("Harem", author=moderator, kind="genre", tone="Playful")
    explainer = make_article("Otome", author=moderator, kind="genre", contrasts_with=[harem])

    html = client.get(explainer.get_absolute_url()).content.decode()

    table = re.search(r'<section class="comparison".*?</section>', html, re.S).group(0)
    assert "Tone" in table
    assert "Playful" in table


def test_comparison_table_leaves_out_deleted_articles(client, moderator):
    gone = make_article(f"Gone {MARKER}", author=moderator, kind="genre")
    explainer = make_article("Harem", author=moderator, kind="genre", contrasts_with=[gone])
    delete(gone)

    assert MARKER not in client.get(explainer.get_absolute_url()).content.decode()


# --- JSON-LD ---------------------------------------------------------------------------------


def test_term_json_ld_is_a_defined_term_in_a_defined_term_set(client, moderator):
    term = make_article(
        "Netorare",
        author=moderator,
        summary="A story where a partner is taken.",
        aliases="NTR\nCuckoo story",
        original_script="寝取られ",
        tags=[make_tag("Romance")],
    )

    nodes = graph_types(client.get(term.get_absolute_url()).content.decode())

    node = nodes["DefinedTerm"]
    assert node["name"] == "Netorare"
    assert node["description"] == "A story where a partner is taken."
    assert node["url"] == "http://testserver/wiki/netorare/"
    assert node["inDefinedTermSet"]["@type"] == "DefinedTermSet"
    assert node["inDefinedTermSet"]["@id"] == "http://testserver/wiki/"
    assert node["alternateName"] == ["NTR", "Cuckoo story", "寝取られ"]
    assert node["keywords"] == "Romance"
    assert "Article" not in nodes and "FAQPage" not in nodes


def test_term_without_aliases_has_no_alternate_name(client, moderator):
    term = make_article("Moe", author=moderator)

    node = graph_types(client.get(term.get_absolute_url()).content.decode())["DefinedTerm"]

    assert "alternateName" not in node


def test_genre_explainer_json_ld_is_an_article(client, moderator):
    genre = make_article("Isekai", author=moderator, kind="genre", summary="Another world.")

    nodes = graph_types(client.get(genre.get_absolute_url()).content.decode())

    assert set(nodes) == {"Article"}
    assert nodes["Article"]["headline"] == "Isekai"
    assert nodes["Article"]["description"] == "Another world."
    assert nodes["Article"]["datePublished"]
    assert nodes["Article"]["dateModified"]


def test_faq_section_adds_a_faq_page(client, moderator):
    body = "Intro.\n\n## FAQ\n\n### Is it a genre?\nYes, a *broad* one.\n\n### Why?\nHistory."
    term = make_article("Isekai", author=moderator, body=body)

    nodes = graph_types(client.get(term.get_absolute_url()).content.decode())

    questions = nodes["FAQPage"]["mainEntity"]
    assert [(q["@type"], q["name"]) for q in questions] == [
        ("Question", "Is it a genre?"),
        ("Question", "Why?"),
    ]
    assert questions[0]["acceptedAnswer"] == {"@type": "Answer", "text": "Yes, a broad one."}
    assert "DefinedTerm" in nodes


def test_json_ld_cannot_close_its_script_tag(client, moderator):
    summary = "</script><script>alert(1)</script> & more"
    term = make_article("Tricky", author=moderator, summary=summary, aliases="<b>bold</b>")

    html = client.get(term.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in html
    node = graph_types(html)["DefinedTerm"]
    assert node["description"] == summary
    assert node["alternateName"] == ["<b>bold</b>"]


# --- canonical link, description, OpenGraph -------------------------------------------------


def test_article_head_has_canonical_description_and_opengraph(client, moderator):
    term = make_article("Tsundere", author=moderator, summary='Cold, then "warm" & kind.')

    html = client.get(term.get_absolute_url()).content.decode()
    top = head(html)

    assert '<link rel="canonical" href="http://testserver/wiki/tsundere/">' in top
    assert meta(top, "name", "description") == 'Cold, then "warm" & kind.'
    assert meta(top, "property", "og:title") == "Tsundere"
    assert meta(top, "property", "og:description") == 'Cold, then "warm" & kind.'
    assert meta(top, "property", "og:url") == "http://testserver/wiki/tsundere/"
    assert meta(top, "property", "og:type") == "article"


def test_canonical_link_uses_the_current_slug_after_a_rename(client, moderator):
    term = make_article("Tsundere", author=moderator)
    edit(term, moderator, title="Tsundere character")

    response = client.get("/wiki/tsundere/", follow=True)

    assert response.redirect_chain == [("/wiki/tsundere-character/", 301)]
    assert '<link rel="canonical" href="http://testserver/wiki/tsundere-character/">' in (
        response.content.decode()
    )


def test_pending_article_page_has_no_metadata_for_its_author(client, newbie):
    article = make_article(
        f"{MARKER} title", author=newbie, summary=f"{MARKER} summary", aliases=f"{MARKER} alias"
    )
    client.force_login(newbie)

    html = client.get(article.get_absolute_url()).content.decode()
    top = head(html)

    assert "Waiting for review" in html
    assert json_ld(html) == []
    assert "og:" not in top
    assert 'rel="canonical"' not in top
    assert '<meta name="robots" content="noindex">' in top


def test_pending_edit_stays_out_of_the_metadata_for_its_author(client, moderator, newbie):
    term = make_article("Tsundere", author=moderator, summary="Published summary.")
    edit(
        term,
        newbie,
        title=f"Tsundere {MARKER}",
        summary=f"{MARKER} summary",
        aliases=f"{MARKER} alias",
        body=f"## FAQ\n\n### {MARKER}?\n{MARKER}.",
    )
    client.force_login(newbie)

    html = client.get(term.get_absolute_url()).content.decode()

    assert "changes waiting for review" in html
    assert MARKER not in head(html)
    assert MARKER not in json.dumps(json_ld(html))
    assert meta(html, "property", "og:description") == "Published summary."


def test_gated_article_keeps_its_metadata(client, moderator):
    term = make_article("Ecchi", author=moderator, tags=[make_tag("Adult", adult=True)])

    html = client.get(term.get_absolute_url()).content.decode()

    assert "Show the article" in html
    assert "DefinedTerm" in graph_types(html)


def test_cite_this_page_gives_a_permanent_link_and_three_styles(client, moderator):
    article = make_article("Tsundere", author=moderator, body="Cold, then warm.")

    html = client.get(article.get_absolute_url()).content.decode()

    cite = re.search(r'<details class="cite">.*?</details>', html, re.S).group(0)
    permalink = "http://testserver/wiki/tsundere/revisions/1/"
    assert f'<a href="{permalink}" class="permalink">' in cite
    assert f'data-copy="{permalink}"' in cite
    assert "Kotoba contributors. (" in cite and "<cite>Tsundere</cite>" in cite  # APA
    assert "“Tsundere.” <cite>Kotoba</cite>" in cite  # MLA
    assert "@misc{kotoba:tsundere," in cite
    assert "howpublished = {\\url{" + permalink + "}}" in cite
    assert client.get(permalink).status_code == 200
