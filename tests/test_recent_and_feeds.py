"""Recent changes, the Atom feeds, the sitemap and robots.txt: accepted text only, and
nothing pending or deleted on any of them (nor on tag pages, search and suggestions)."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import delete, edit, make_article, make_tag, make_user
from wiki.models import Article, Revision
from wiki.moderation import accept_chain

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
MARKER = "Quokkapending"
DELETED = "Wombatdeleted"


def recent_titles(client, **params):
    """(article title, revision number) of each line of /recent/, top to bottom."""
    response = client.get(reverse("recent"), params)
    assert response.status_code == 200
    return [(rev.article.title, rev.number) for rev in response.context["page"]]


def atom(client, url):
    """The parsed feed at `url`, checked to be Atom, and its raw text."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root, response.content.decode()


def entry_titles(root):
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def age(article, days):
    """Move an article's revisions `days` into the past, to make the order unambiguous."""
    Revision.objects.filter(article=article).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    Article.objects.filter(pk=article.pk).update(created_at=timezone.now() - timedelta(days=days))


# --- /recent/ --------------------------------------------------------------------------------


def test_recent_lists_accepted_changes_newest_first(client, moderator, newbie):
    old = make_article("Old", author=moderator)
    age(old, 3)
    middle = make_article("Middle", author=moderator)
    age(middle, 2)
    edit(old, moderator, body="Second version.")
    make_article("Waiting", author=newbie)
    edit(middle, newbie, body="Pending change.")

    assert recent_titles(client) == [("Old", 2), ("Middle", 1), ("Old", 1)]


def test_recent_filters_by_kind(client, moderator):
    make_article("Tsundere", author=moderator)
    make_article("Harem", author=moderator, kind="genre")

    assert recent_titles(client, kind="genre") == [("Harem", 1)]
    assert recent_titles(client, kind="term") == [("Tsundere", 1)]


def test_recent_filters_by_tag(client, moderator):
    romance = make_tag("Romance")
    make_article("Tsundere", author=moderator, tags=[romance])
    make_article("Mecha", author=moderator)

    assert recent_titles(client, tag="romance") == [("Tsundere", 1)]
    assert len(recent_titles(client, tag="no-such-tag")) == 2


def test_recent_filters_by_user(client, moderator, autoconfirmed):
    article = make_article("Tsundere", author=moderator)
    edit(article, autoconfirmed, body="Better.")

    assert recent_titles(client, user="TRUSTED") == [("Tsundere", 2)]
    assert recent_titles(client, user="mod") == [("Tsundere", 1)]
    assert recent_titles(client, user="nobody") == []


def test_recent_shows_new_articles_only(client, moderator):
    article = make_article("Tsundere", author=moderator)
    edit(article, moderator, body="Better.")

    assert recent_titles(client, new="1") == [("Tsundere", 1)]


def test_recent_hides_minor_edits(client, moderator):
    article = make_article("Tsundere", author=moderator)
    edit(article, moderator, body="Typo fixed.", is_minor=True)
    edit(article, moderator, body="A real change.", edit_summary="Rewrote")

    assert recent_titles(client, hide_minor="1") == [("Tsundere", 3), ("Tsundere", 1)]
    assert [n for _, n in recent_titles(client)] == [3, 2, 1]


def recent_lines(html):
    """The text of each line of the recent changes list."""
    listing = re.search(r'<ul class="recent-list">(.*?)</ul>', html, re.S).group(1)
    return [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in listing.split("<li>")[1:]]


def test_recent_shows_who_accepted_a_reviewed_change(client, moderator, newbie):
    article = make_article("Tsundere", author=moderator)
    outcome = edit(article, newbie, body="Better.", edit_summary="Clarified")
    accept_chain(outcome.revision, moderator=moderator)

    lines = recent_lines(client.get(reverse("recent")).content.decode())

    assert len(lines) == 2
    assert "rev. 2" in lines[0]
    assert "by newbie — Clarified accepted by mod" in lines[0]
    assert "rev. 1" in lines[1]
    assert "accepted by" not in lines[1]  # published at once: nobody else reviewed it


def test_recent_does_not_list_deleted_articles(client, moderator):
    make_article("Kept", author=moderator)
    gone = make_article(DELETED, author=moderator)
    delete(gone)

    assert recent_titles(client) == [("Kept", 1)]
    assert DELETED not in client.get(reverse("recent")).content.decode()


def test_recent_paginates(client, moderator):
    article = make_article("Tsundere", author=moderator)
    for n in range(50):
        edit(article, moderator, body=f"Version {n}.")

    first = client.get(reverse("recent"))
    second = client.get(reverse("recent"), {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert [r.number for r in second.context["page"]] == [1]


# --- feeds -----------------------------------------------------------------------------------


def test_recent_changes_feed_is_atom_with_accepted_changes(client, moderator):
    article = make_article("Tsundere", author=moderator)
    edit(article, moderator, body="Better.", edit_summary="Clarified")

    root, _ = atom(client, reverse("recent_feed"))

    assert entry_titles(root) == ["Tsundere (revision 2)", "Tsundere (revision 1)"]
    first = next(root.iter(f"{ATOM}entry"))
    assert first.find(f"{ATOM}link").get("href").endswith("/wiki/tsundere/revisions/2/")
    assert first.findtext(f"{ATOM}summary") == "Clarified"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "mod"


def test_new_articles_feed_is_atom_with_new_articles(client, moderator):
    old = make_article("Old", author=moderator)
    age(old, 2)
    make_article("New", author=moderator, summary="Fresh.")
    edit(old, moderator, body="Changed, but not new.")

    root, _ = atom(client, reverse("new_articles_feed"))

    assert entry_titles(root) == ["New", "Old"]
    assert next(root.iter(f"{ATOM}entry")).findtext(f"{ATOM}summary") == "Fresh."


def test_article_history_feed_is_atom_with_its_revisions(client, moderator):
    article = make_article("Tsundere", author=moderator)
    edit(article, moderator, body="Better.")
    make_article("Other", author=moderator)

    root, _ = atom(client, reverse("article_history_feed", args=[article.slug]))

    assert entry_titles(root) == ["Tsundere (revision 2)", "Tsundere (revision 1)"]
    assert root.findtext(f"{ATOM}title") == "Kotoba: history of Tsundere"


def test_tag_feed_is_atom_with_tagged_articles(client, moderator):
    romance = make_tag("Romance")
    make_article("Tsundere", author=moderator, tags=[romance])
    make_article("Mecha", author=moderator)

    root, _ = atom(client, reverse("tag_feed", args=[romance.slug]))

    assert entry_titles(root) == ["Tsundere"]
    assert root.findtext(f"{ATOM}title") == "Kotoba: articles tagged Romance"


def test_feeds_of_unknown_or_unpublished_objects_are_404(client, newbie):
    waiting = make_article("Waiting", author=newbie)

    assert client.get(reverse("tag_feed", args=["nothing"])).status_code == 404
    assert client.get(reverse("article_history_feed", args=[waiting.slug])).status_code == 404


def test_feeds_contain_no_pending_text(client, moderator, newbie):
    romance = make_tag("Romance")
    article = make_article("Tsundere", author=moderator, tags=[romance])
    edit(
        article,
        newbie,
        title=f"Tsundere {MARKER}",
        summary=f"{MARKER} summary",
        body=f"{MARKER} body",
        edit_summary=f"{MARKER} edit summary",
    )
    make_article(f"{MARKER} article", author=newbie, summary=MARKER, tags=[romance])

    for url in (
        reverse("recent_feed"),
        reverse("new_articles_feed"),
        reverse("article_history_feed", args=[article.slug]),
        reverse("tag_feed", args=[romance.slug]),
    ):
        root, text = atom(client, url)
        assert entry_titles(root), url
        assert MARKER not in text, url


def test_feeds_contain_no_deleted_text(client, moderator):
    romance = make_tag("Romance")
    make_article("Kept", author=moderator, tags=[romance])
    gone = make_article(DELETED, author=moderator, summary=DELETED, tags=[romance])
    delete(gone)

    for url in (
        reverse("recent_feed"),
        reverse("new_articles_feed"),
        reverse("tag_feed", args=[romance.slug]),
    ):
        root, text = atom(client, url)
        assert entry_titles(root), url
        assert DELETED not in text, url
    assert client.get(reverse("article_history_feed", args=[gone.slug])).status_code == 404


# --- sitemap and robots.txt ------------------------------------------------------------------


def sitemap_paths(client) -> list[str]:
    """Every address the sitemap lists: the index, then each of its sections."""
    index = client.get(reverse("sitemap"))
    assert index.status_code == 200
    root = ET.fromstring(index.content)
    assert root.tag == f"{SITEMAP}sitemapindex"
    paths = []
    for section in root.iter(f"{SITEMAP}loc"):
        response = client.get(re.sub(r"^https?://[^/]+", "", section.text))
        assert response.status_code == 200
        urlset = ET.fromstring(response.content)
        assert urlset.tag == f"{SITEMAP}urlset"
        paths += [re.sub(r"^https?://[^/]+", "", loc.text) for loc in urlset.iter(f"{SITEMAP}loc")]
    return paths


def test_sitemap_lists_published_articles_only(client, moderator, newbie):
    published = make_article("Tsundere", author=moderator)
    waiting = make_article("Waiting", author=newbie)
    gone = make_article("Gone", author=moderator)
    delete(gone)
    romance = make_tag("Romance")

    paths = sitemap_paths(client)

    assert published.get_absolute_url() in paths
    assert romance.get_absolute_url() in paths
    assert waiting.get_absolute_url() not in paths
    assert gone.get_absolute_url() not in paths
    assert len(paths) == 2


def test_sitemap_contains_no_pending_text(client, moderator, newbie):
    article = make_article("Tsundere", author=moderator)
    edit(article, newbie, title=f"Tsundere {MARKER}")
    make_article(f"{MARKER} article", author=newbie)

    paths = sitemap_paths(client)

    assert "/wiki/tsundere/" in paths
    assert MARKER.lower() not in " ".join(paths).lower()


def test_a_sitemap_section_lists_at_most_a_page_of_addresses(client, moderator, monkeypatch):
    from wiki.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    for n in range(5):
        make_article(f"Term {n}", author=moderator)
    index = ET.fromstring(client.get(reverse("sitemap")).content)
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc") if "articles" in loc.text]
    assert len(sections) == 3
    assert len(sitemap_paths(client)) == 5


def test_robots_txt_names_the_sitemap(client, db):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode().splitlines()


# --- no pending text on tag pages, search and suggestions -------------------------------------


@pytest.fixture
def pending_everywhere(moderator, newbie):
    """A published tagged article with a pending edit, and a pending new article, both
    carrying MARKER in every field; plus a tag only a pending revision uses."""
    romance = make_tag("Romance")
    secret = make_tag("Secretive")
    article = make_article("Tsundere", author=moderator, body="Cold outside.", tags=[romance])
    edit(
        article,
        newbie,
        title=f"Tsundere {MARKER}",
        summary=f"{MARKER} summary",
        body=f"Cold outside. {MARKER} body",
        aliases=f"{MARKER} alias",
        tags=[romance, secret],
        edit_summary=f"{MARKER} edit summary",
    )
    make_article(
        f"{MARKER} article",
        author=newbie,
        summary=f"{MARKER} summary",
        body=f"Cold outside. {MARKER}",
        tags=[romance],
    )
    return {"romance": romance, "secret": secret, "article": article}


def assert_no_marker(response):
    assert response.status_code == 200
    assert MARKER.lower() not in response.content.decode().lower()


def test_tag_page_never_shows_pending_text(client, pending_everywhere):
    response = client.get(reverse("tag", args=["romance"]))

    assert "Tsundere" in response.content.decode()
    assert_no_marker(response)
    secret_tag_page = client.get(pending_everywhere["secret"].get_absolute_url())
    assert list(secret_tag_page.context["page"]) == []


def test_tag_feed_never_shows_pending_text(client, pending_everywhere):
    response = client.get(reverse("tag_feed", args=["romance"]))

    assert "Tsundere" in response.content.decode()
    assert_no_marker(response)


def test_search_never_shows_pending_text(client, pending_everywhere):
    for q in ("cold", "tsundere", MARKER.lower(), f"{MARKER} alias", f"{MARKER} article"):
        response = client.get(reverse("search"), {"q": q, "fulltext": "1"})
        assert response.status_code == 200
        html = response.content.decode()
        # The page repeats the query itself; what it found is in the results and suggestion.
        found = html[html.index('<ol class="search-results">') :]
        assert MARKER.lower() not in found.lower(), q
        assert MARKER.lower() not in (response.context["results"].suggestion or "").lower()
    cold = client.get(reverse("search"), {"q": "cold", "fulltext": "1"})
    assert [e.article.title for e in cold.context["results"].articles] == ["Tsundere"]


def test_search_go_does_not_follow_a_pending_alias_or_title(client, pending_everywhere):
    for q in (f"{MARKER} alias", f"{MARKER} article", f"Tsundere {MARKER}"):
        response = client.get(reverse("search"), {"q": q})
        assert response.status_code == 200, q


def test_suggest_never_shows_pending_text(client, pending_everywhere):
    for q in ("ts", MARKER[:4], f"{MARKER} a"):
        response = client.get(reverse("search_suggest"), {"q": q})
        assert_no_marker(response)
    assert client.get(reverse("search_suggest"), {"q": "ts"}).json()["results"][0] == {
        "title": "Tsundere",
        "url": "/wiki/tsundere/",
        "summary": "About Tsundere.",
    }


def test_recent_and_tags_index_never_show_pending_text(client, pending_everywhere):
    for url in (reverse("recent"), reverse("tags"), reverse("home"), reverse("browse")):
        assert_no_marker(client.get(url))


def test_pending_text_is_shown_to_nobody_but_on_the_pages_that_say_so(
    client, pending_everywhere, newbie
):
    """The author of the pending edit still sees only the published text in lists."""
    client.force_login(newbie)

    for url in (reverse("tag", args=["romance"]), reverse("recent"), reverse("home")):
        assert_no_marker(client.get(url))
    assert_no_marker(client.get(reverse("search"), {"q": "cold", "fulltext": "1"}))


def test_user_filter_does_not_reveal_pending_edits(client, pending_everywhere):
    other = make_user("other")
    assert recent_titles(client, user="newbie") == []
    assert recent_titles(client, user=other.username) == []


def test_an_edit_that_will_wait_for_review_cannot_create_tags(client, moderator, autoconfirmed):
    from wiki.editing import head_revision, revision_values, save_edit
    from wiki.errors import EditRefused
    from wiki.models import Tag
    from wiki.moderation import set_protection

    article = make_article("Tsundere", author=moderator)
    set_protection(article=article, level="moderators", moderator=moderator)
    article.refresh_from_db()
    with pytest.raises(EditRefused, match="wait for review") as refused:
        save_edit(
            author=autoconfirmed,
            article=article,
            values=revision_values(head_revision(article)),
            new_tag_names=[MARKER],
            check_rate=False,
        )

    assert refused.value.field == "tags"
    assert not Tag.objects.filter(name=MARKER).exists()
    for url in (reverse("tags"), reverse("recent"), reverse("sitemap")):
        assert_no_marker(client.get(url))


def test_recent_changes_show_moderation_log_entries(client, moderator, newbie):
    from wiki.rollback import rollback

    article = make_article("Kuudere", author=moderator)
    pending = edit(article, newbie, body="Calm, then warm.").revision
    accept_chain(pending, moderator=moderator)
    edit(article, newbie, body="Vandalised.")
    rollback(article=article, user=newbie, moderator=moderator)

    html = client.get(reverse("recent")).content.decode()

    assert re.search(r"mod\s+accepted\s+<a[^>]*>revision 2</a>", html)
    assert re.search(r"mod\s+rolled back", html)
    assert "edits by newbie" in html


def test_moderation_log_entries_respect_the_kind_filter(client, moderator, newbie):
    article = make_article("Kuudere", author=moderator)
    accept_chain(edit(article, newbie, body="Calm.").revision, moderator=moderator)

    html = client.get(reverse("recent"), {"kind": "genre"}).content.decode()

    assert "accepted" not in html
