"""User text on the pages: script comes out inert, wikilinks resolve, the preview matches."""

import re
import zlib
from html.parser import HTMLParser

import pytest
from django.test import Client, override_settings

from tests.factories import edit, make_article
from wiki.views.api import preview_stamp

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script>'
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_BODY = f"""Text with {SCRIPT} and {IMG} inline.

<div onclick="alert(2)">raw block</div>

[click me](javascript:alert(3)) and [data link](data:text/html;base64,PHNjcmlwdD4=)
and [spaced](  javascript:alert(4)) and [upper](JaVaScRiPt:alert(5)) and <javascript:alert(6)>

A claim.[^1] Another.[^2]

[^1]: {SCRIPT} [source](javascript:alert(7))
[^2]: <a href="javascript:alert(8)">bad</a> [ok](https://example.com/source)
"""


class _Inspector(HTMLParser):
    """Collects what a browser would run: script bodies, event handlers, dangerous URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.script_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            data_only = dict(attrs).get("type") == "application/ld+json"
            if not data_only and dict(attrs).get("src") is None:
                self.problems.append(f"inline script {attrs}")
            self.script_depth += 0 if data_only else 1
        if tag in ("img", "iframe", "object", "embed", "svg", "math", "base"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self.script_depth = max(0, self.script_depth - 1)

    def handle_data(self, data):
        if self.script_depth and "alert" in data:
            self.problems.append(f"script body {data[:60]}")


def escaped(text: str) -> str:
    """`text` as it appears once escaped (Django escapes quotes, nh3 does not)."""
    return re.escape(text.replace("<", "&lt;").replace(">", "&gt;")).replace('"', '(?:"|&quot;)')


def shows(text: str, html: str) -> bool:
    return re.search(escaped(text), html) is not None


def assert_inert(html: str):
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    assert inspector.problems == []
    assert SCRIPT not in html
    assert "<img" not in html


@pytest.mark.parametrize(
    "live",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVa\tScript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<b onclick="alert(1)">x</b>',
        "<img src=x>",
    ],
)
def test_the_inertness_check_catches_live_script(live):
    with pytest.raises(AssertionError):
        assert_inert(f"<p>{live}</p>")


@pytest.fixture
def hostile(autoconfirmed):
    article = make_article(
        'Moe <script>alert("title")</script>',
        author=autoconfirmed,
        summary='Summary <script>alert("summary")</script> <b onmouseover=alert(1)>x</b>',
        body="Plain first version.",
        aliases='Alias <script>alert("alias")</script>\n<img src=x onerror=alert("alias2")>',
        original_script="<svg onload=alert(1)>",
        reading='"><script>alert("reading")</script>',
        origin_language="<iframe src=javascript:alert(1)>",
    )
    edit(article, autoconfirmed, body=HOSTILE_BODY, edit_summary=f"Summary {SCRIPT}")
    article.refresh_from_db()
    return article


# --- script comes out inert ---------------------------------------------------------------


def test_hostile_text_is_inert_on_the_article_page(client, hostile):
    response = client.get(hostile.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert_inert(html)
    assert shows('<script>alert("title")</script>', html)
    assert shows('<script>alert("summary")</script>', html)
    assert shows('Alias <script>alert("alias")</script>', html)
    assert shows('"><script>alert("reading")</script>', html)
    # the JSON-LD block cannot be closed early by the title
    ld = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in ld


def test_hostile_body_keeps_the_text_and_drops_the_dangerous_urls(client, hostile):
    stored = hostile.published_revision.body_html

    assert_inert(stored)
    assert shows(SCRIPT, stored)
    assert shows(IMG, stored)
    assert shows('<div onclick="alert(2)">raw block</div>', stored)
    assert "[click me](javascript:alert(3))" in stored  # not a link: shown as typed
    assert "[data link](data:text/html;base64,PHNjcmlwdD4=)" in stored
    assert 'href="https://example.com/source"' in stored
    assert 'rel="nofollow ugc noopener"' in stored
    assert '<section class="references">' in stored
    assert "javascript:" not in re.sub(r">[^<]*<", "><", stored)  # never inside a tag


def test_hostile_text_is_inert_in_the_history(client, hostile):
    html = client.get(f"/wiki/{hostile.slug}/history/").content.decode()
    assert_inert(html)
    assert shows(f"Summary {SCRIPT}", html)


@pytest.mark.parametrize("view", ["inline", "side"])
def test_hostile_text_is_inert_in_the_diff(client, hostile, view):
    html = client.get(f"/wiki/{hostile.slug}/diff/1/2/?view={view}").content.decode()
    assert_inert(html)
    assert shows(SCRIPT, html)
    assert shows("[click me](javascript:alert(3))", html)


def test_hostile_fields_are_inert_in_the_field_diff(client, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    edit(
        article,
        autoconfirmed,
        summary=f"New {SCRIPT}",
        aliases=f"{IMG}\nOther",
        reading=SCRIPT,
    )

    html = client.get("/wiki/moe/diff/1/2/").content.decode()
    assert_inert(html)
    assert shows(f"New {SCRIPT}", html)
    assert "<ins>&lt;img src=x onerror=alert(1)&gt;</ins>" in html


def test_hostile_text_is_inert_on_the_old_revision_page(client, hostile):
    html = client.get(f"/wiki/{hostile.slug}/revisions/2/").content.decode()
    assert_inert(html)


def test_hostile_text_is_inert_in_the_preview(client, autoconfirmed):
    client.force_login(autoconfirmed)
    response = client.post("/markdownx/markdownify/", {"content": HOSTILE_BODY})
    html = response.content.decode()

    assert response.status_code == 200
    assert_inert(html)
    assert shows(SCRIPT, html)


def test_hostile_text_is_inert_in_the_edit_form(client, hostile, autoconfirmed):
    client.force_login(autoconfirmed)
    html = client.get(f"/wiki/{hostile.slug}/edit/").content.decode()
    assert_inert(html)


def test_raw_html_is_shown_as_text(autoconfirmed):
    article = make_article(
        "Moe",
        author=autoconfirmed,
        body="<b>bold</b> and <i>it</i>\n\n<table><tr><td>x</td></tr></table>",
    )
    html = article.published_revision.body_html

    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;i&gt;it&lt;/i&gt;" in html
    assert "&lt;table&gt;" in html
    assert "<b>" not in html
    assert "<table>" not in html


# --- wikilinks ----------------------------------------------------------------------------


def test_wikilink_to_an_existing_article_links_it(client, autoconfirmed):
    make_article("寝取られ", author=autoconfirmed, aliases="Netorare")
    make_article(
        "Moe",
        author=autoconfirmed,
        body="See [[寝取られ]], [[netorare|the alias]] and [[寝取られ#Usage|a section]].",
    )

    html = client.get("/wiki/moe/").content.decode()
    slug = "/wiki/%E5%AF%9D%E5%8F%96%E3%82%89%E3%82%8C/"
    japanese = '<span lang="ja">寝取られ</span>'  # marked for screen readers on the page
    assert f'<a class="wikilink" href="{slug}" rel="nofollow ugc noopener">{japanese}</a>' in html
    assert f'<a class="wikilink" href="{slug}" rel="nofollow ugc noopener">the alias</a>' in html
    assert f'href="{slug}#usage"' in html
    assert "wikilink new" not in html


def test_wikilink_to_a_missing_article_is_a_red_link_to_create_it(client, autoconfirmed):
    make_article("Moe", author=autoconfirmed, body="See [[Gap moe]] and [[Kawaii|cute]].")

    html = client.get("/wiki/moe/").content.decode()
    assert '<a class="wikilink new" href="/wiki/new/?title=Gap+moe"' in html
    assert '<a class="wikilink new" href="/wiki/new/?title=Kawaii"' in html
    assert ">cute</a>" in html
    create = client.get("/wiki/new/?title=Gap+moe")
    assert create.status_code == 302  # anonymous: sign in first
    client.force_login(autoconfirmed)
    assert 'value="Gap moe"' in client.get("/wiki/new/?title=Gap+moe").content.decode()


def test_red_link_turns_blue_when_the_article_is_created(client, autoconfirmed):
    make_article("Moe", author=autoconfirmed, body="See [[Gap moe]].")
    assert "wikilink new" in client.get("/wiki/moe/").content.decode()

    client.force_login(autoconfirmed)
    client.post(
        "/wiki/new/",
        {"kind": "term", "title": "Gap moe", "summary": "Charm from contrast.", "body": "x"},
    )
    client.logout()

    html = client.get("/wiki/moe/").content.decode()
    assert '<a class="wikilink" href="/wiki/gap-moe/"' in html
    assert "wikilink new" not in html


def test_red_link_turns_blue_when_an_alias_is_added(client, autoconfirmed):
    make_article("Moe", author=autoconfirmed, body="See [[Gyappu moe]].")
    gap = make_article("Gap moe", author=autoconfirmed)
    assert "wikilink new" in client.get("/wiki/moe/").content.decode()

    edit(gap, autoconfirmed, aliases="Gyappu moe")

    html = client.get("/wiki/moe/").content.decode()
    assert '<a class="wikilink" href="/wiki/gap-moe/"' in html


def test_red_link_stays_red_while_the_new_article_waits_for_review(client, autoconfirmed, newbie):
    make_article("Moe", author=autoconfirmed, body="See [[Gap moe]].")
    make_article("Gap moe", author=newbie)

    assert "wikilink new" in client.get("/wiki/moe/").content.decode()


# --- the preview --------------------------------------------------------------------------


def test_preview_needs_login_and_renders_nothing_for_anonymous(client, monkeypatch):
    calls = []
    monkeypatch.setattr("wiki.views.api.render_markdown", lambda text: calls.append(text) or "")
    response = client.post("/markdownx/markdownify/", {"content": "**secret**"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert calls == []
    assert b"secret" not in response.content


def test_preview_needs_a_csrf_token(autoconfirmed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(autoconfirmed)
    assert client.post("/markdownx/markdownify/", {"content": "x"}).status_code == 403


def test_preview_refuses_get(client, autoconfirmed):
    client.force_login(autoconfirmed)
    assert client.get("/markdownx/markdownify/?content=x").status_code == 405


def test_preview_returns_exactly_the_saved_html(client, autoconfirmed):
    make_article("Kawaii", author=autoconfirmed)
    body = (
        "# Moe\n\nSee [[Kawaii]] and [[Gap moe]].[^1]\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n"
        "```python\nprint('<hi>')\n```\n\n## FAQ\n\n### Is it cute?\n\nYes.\n\n[^1]: A source."
    )
    article = make_article("Moe", author=autoconfirmed, body=body)
    client.force_login(autoconfirmed)
    response = client.post("/markdownx/markdownify/", {"content": body})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    stamp = preview_stamp(body)  # which text it shows (see the next test)
    assert response.content.decode() == article.published_revision.body_html + stamp
    assert 'class="wikilink new"' in response.content.decode()


def test_a_preview_is_stamped_with_the_text_it_shows_whatever_its_newlines(client, autoconfirmed):
    client.force_login(autoconfirmed)
    lf = client.post("/markdownx/markdownify/", {"content": "One\n\nTwo *moe*"})
    crlf = client.post("/markdownx/markdownify/", {"content": "One\r\n\r\nTwo *moe*"})
    refused = client.post("/markdownx/markdownify/", {"content": "[" * 20_000})  # too much markup

    checksum = f"{zlib.crc32(b'One\n\nTwo *moe*'):08x}"
    assert lf.content.decode().endswith(f'<template data-preview-of="{checksum}"></template>')
    assert crlf.content == lf.content
    assert refused.status_code == 422
    assert refused.content.decode().endswith(preview_stamp("[" * 20_000))


def test_preview_is_rate_limited(client, autoconfirmed):
    client.force_login(autoconfirmed)
    with override_settings(KOTOBA_PREVIEW_RATE=2):
        first = client.post("/markdownx/markdownify/", {"content": "one"})
        second = client.post("/markdownx/markdownify/", {"content": "two"})
        third = client.post("/markdownx/markdownify/", {"content": "three"})

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert b"three" not in third.content


def test_preview_rate_limit_is_per_user(client, autoconfirmed, newbie):
    with override_settings(KOTOBA_PREVIEW_RATE=1):
        client.force_login(autoconfirmed)
        assert client.post("/markdownx/markdownify/", {"content": "a"}).status_code == 200
        assert client.post("/markdownx/markdownify/", {"content": "a"}).status_code == 429
        client.force_login(newbie)
        assert client.post("/markdownx/markdownify/", {"content": "a"}).status_code == 200


def test_markdownx_upload_view_is_not_mounted(client, autoconfirmed):
    client.force_login(autoconfirmed)
    assert client.post("/markdownx/upload/").status_code == 404


def test_a_link_written_while_its_target_was_pending_turns_blue_when_accepted(
    client, moderator, newbie
):
    from wiki.models import Article
    from wiki.moderation import accept_chain

    source = make_article("Moe", author=moderator, body="Calm at first.")
    target = make_article("Kuudere", author=newbie)
    edit(source, moderator, body="See [[Kuudere]].")
    assert "/wiki/new/?title=Kuudere" in client.get("/wiki/moe/").content.decode()

    accept_chain(target.latest_revision, moderator=moderator)

    html = client.get("/wiki/moe/").content.decode()
    assert 'href="/wiki/kuudere/"' in html
    assert "/wiki/new/?title=Kuudere" not in html
    assert [a.title for a in Article.objects.filter(outgoing_links__target=target)] == ["Moe"]
