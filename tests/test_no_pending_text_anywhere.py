"""Pending (and rejected) text is never shown to anyone but its author and moderators.

The key safety test of the Moderation issue. A published article gets an accepted edit, a
rejected edit and a pending edit; a new user starts an article that is never published. Each
unpublished text carries a marker in every field it has. Then every public page and feed of
the project is fetched, as an anonymous reader and as another signed-in new user, and no
marker may appear in a body or a redirect.

`public_urls()` lists the pages; `PUBLIC_URL_NAMES` and `EXCLUDED_URL_NAMES` must together
cover every URL pattern the project has, so a page added later (the Discovery issue's, say)
makes this module fail until it is listed here: add it to `public_urls()`, or exclude it with
a reason.
"""

import io
import re
from itertools import combinations
from urllib.parse import quote, unquote

import pytest
from django.core.files.storage import default_storage
from django.urls import URLResolver, get_resolver, reverse
from PIL import Image

from files import services as files
from files.models import File
from talk import services as talk
from talk.models import Thread
from tests.factories import edit, make_article, make_tag, make_user
from wiki import moderation, watching
from wiki.models import RevisionStatus

pytestmark = pytest.mark.django_db

PENDING_MARKER = "Pendingmarker"
REJECTED_MARKER = "Rejectedmarker"
NEVER_MARKER = "Neverpublishedmarker"
MARKERS = (PENDING_MARKER, REJECTED_MARKER, NEVER_MARKER)
# A marker followed by the name of the field it was written in ("Pendingmarker summary",
# "neverpublishedmarker-term"): what a leak looks like. A marker alone is not a leak, since
# the search page repeats the query it was asked.
LEAK = re.compile(
    "(" + "|".join(MARKERS) + r")(?:\s|-|\+|_|%20|</?mark>)*"
    "(title|summary|body|alias|second|script|reading|language|edit|link|term)",
    re.IGNORECASE,
)
PUBLISHED_TITLE = "Published term"

# Every URL name public_urls() fetches. Unnamed patterns are listed by their route.
PUBLIC_URL_NAMES = {
    "favicon.ico",
    "home",
    "robots_txt",
    "sitemap",
    "django.contrib.sitemaps.views.sitemap",
    "browse",
    "search",
    "search_suggest",
    "tag_suggest",
    "tags",
    "tag",
    "tag_feed",
    "recent",
    "recent_feed",
    "new_articles_feed",
    "random_article",
    "reader_settings",
    "article",
    "history",
    "article_history_feed",
    "compare",
    "revision",
    "diff",
    "what_links_here",
    "talk",
    "talk_feed",
    "talk_thread",
    "revert",
    "report",
    "profile",
    "signup",
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
    "account_settings",
    "watchlist",
    "password_change",
    "password_change_done",
    "notices",
    "files",
    "file_upload",
    "file",
}

# URL names deliberately not fetched, each with the reason.
EXCLUDED_URL_NAMES = {
    "article_edit": (
        "by design an editor builds on the newest pending revision (issue 4, 'What readers "
        "see'), so signed-in editors see pending text there; anonymous readers are sent to "
        "sign in (see test_the_edit_page_*)"
    ),
    "article_create": "signed-in only; shows the user's own input, no stored text",
    "markdown_preview": "POST only; renders the text the caller sends",
    "rollback": "POST only, moderators only",
    "watch_article": "POST only; adds or removes a watch, shows no text",
    "talk_report": "POST only; files a report, shows no text",
    "mail_settings": "POST only; an account setting",
    "unsubscribe": "needs a signed token; an account's mail setting, no article text",
    "watch_tag": "POST only; adds or removes a watch, shows no text",
    "watch_settings": "POST only; an account setting",
    "resend_confirmation": "POST only; account mail, no article text",
    "logout": "POST only",
    "confirm_email": "needs a signed token; shows the account, no article text",
    "password_reset_confirm": "needs a signed token; no article text",
    "file_new_version": "POST only; uploads a picture",
    "file_revert": "POST only; shows no text",
    "media": (
        "pictures, not text: a pending picture answering 404 to readers is "
        "test_pending_pictures_are_never_served below (and tests/test_files.py)"
    ),
}
# Whole namespaces not fetched.
EXCLUDED_NAMESPACES = {
    "admin": "staff only: moderators see pending text by design (the review desk)",
}


def _pattern_ids(resolver=None, namespace=""):
    """Every URL pattern as "name" (or "ns:name"; an unnamed one by its route)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _pattern_ids(pattern, inner)
        else:
            yield namespace + (pattern.name or str(pattern.pattern))


def public_urls(article, tags, *, search_terms=()):
    """(url name, URL) for every public page about `article`, the `tags` and the wiki.

    Revisions and diffs cover every revision number the article has (pending and rejected
    ones answer 404 to readers who may not see them); profiles cover every author.
    `search_terms` are searched for (plain, full text) and suggested (by prefix).
    """
    slug = article.slug
    numbers = sorted(article.revisions.values_list("number", flat=True))
    authors = sorted(
        {rev.author.username for rev in article.revisions.select_related("author") if rev.author}
    )

    def url(name, *args, query=""):
        return (name, reverse(name, args=args) + query)

    urls = [
        ("favicon.ico", "/favicon.ico"),
        url("home"),
        url("robots_txt"),
        url("sitemap"),
        ("django.contrib.sitemaps.views.sitemap", "/sitemap-articles.xml"),
        ("django.contrib.sitemaps.views.sitemap", "/sitemap-tags.xml"),
        url("browse"),
        url("browse", query="?kind=term"),
        url("browse", query="?sort=changed"),
        url("tags"),
        url("recent"),
        url("recent", query="?new=1"),
        url("recent_feed"),
        url("new_articles_feed"),
        url("random_article"),
        url("reader_settings"),
        url("article", slug),
        url("history", slug),
        url("article_history_feed", slug),
        url("what_links_here", slug),
        url("talk", slug),
        url("talk_feed", slug),
        url("report", slug),
        url("compare", slug, query=f"?a={numbers[0]}&b={numbers[-1]}"),
        url("signup"),
        url("login"),
        url("password_reset"),
        url("password_reset_done"),
        url("password_reset_complete"),
        url("account_settings"),
        url("password_change"),
        url("password_change_done"),
        url("notices"),
        url("watchlist"),
        url("files"),
        url("file_upload", query="?name=Published"),
    ]
    for number in numbers:
        urls += [url("revision", slug, number), url("revert", slug, number)]
    for a, b in combinations(numbers, 2):
        urls += [url("diff", slug, a, b), url("diff", slug, a, b, query="?view=side")]
    for tag in tags:
        urls += [url("tag", tag.slug), url("tag_feed", tag.slug)]
    for thread in Thread.objects.filter(article=article):  # every one: 404 where not visible
        urls.append(url("talk_thread", slug, thread.pk))
    for file in File.objects.all():  # every one: 404 where not visible
        urls.append(url("file", file.name))
    for username in authors:
        urls += [url("profile", username), url("recent", query=f"?user={quote(username)}")]
    for term in search_terms:
        q = quote(term)
        urls += [
            url("search", query=f"?q={q}"),
            url("search", query=f"?q={q}&fulltext=1"),
            url("search_suggest", query=f"?q={quote(term[:6])}"),
            url("tag_suggest", query=f"?q={quote(term[:6])}"),
        ]
    return urls


def test_every_url_pattern_is_fetched_or_excluded_with_a_reason():
    ids = set(_pattern_ids())
    excluded = {i for i in ids if i.split(":")[0] in EXCLUDED_NAMESPACES and ":" in i}
    uncovered = ids - excluded - PUBLIC_URL_NAMES - EXCLUDED_URL_NAMES.keys()
    assert not uncovered, (
        f"New URL pattern(s) {sorted(uncovered)}: add them to public_urls() and "
        "PUBLIC_URL_NAMES, or to EXCLUDED_URL_NAMES with the reason."
    )
    stale = (PUBLIC_URL_NAMES | EXCLUDED_URL_NAMES.keys()) - ids
    assert not stale, f"Listed but no longer in the URLconf: {sorted(stale)}"
    assert all(reason.strip() for reason in EXCLUDED_URL_NAMES.values())


# --- the world: a published article with accepted, rejected and pending edits ------------------


def _fields(marker, **extra):
    return {
        "title": f"{marker} title",
        "summary": f"{marker} summary",
        "body": f"Opening words.\n\n{marker} body text, and [[{marker} link]].",
        "aliases": f"{marker} alias\n{marker}-second",
        "original_script": f"{marker} script",
        "reading": f"{marker} reading",
        "origin_language": f"{marker} language",
        **extra,
    }


@pytest.fixture
def world(db, moderator, autoconfirmed, newbie, django_capture_on_commit_callbacks):
    # What runs after commit (the watchers' notices) runs, as it would outside a test.
    with django_capture_on_commit_callbacks(execute=True):
        pending_author = make_user("pending-author", trust="new")
        topic = make_tag("Slang")
        only_pending = make_tag("Onlypending")
        # Watches everything from the start: told (notices) and shown (watchlist) every change.
        watcher = make_user("watcher", trust="new")
        watching.watch(watcher, tag=topic)
        watching.watch(watcher, tag=only_pending)
        article = make_article(
            PUBLISHED_TITLE,
            author=autoconfirmed,
            summary="A published summary.",
            body="Opening words.\n\nPublished body text.",
            aliases="Published alias",
            tags=[topic.pk],
        )
        watching.watch(watcher, article=article)
        edit(article, autoconfirmed, body="Opening words.\n\nPublished body, improved.")
        rejected = edit(
            article,
            newbie,
            edit_summary=f"{REJECTED_MARKER} edit summary",
            **_fields(REJECTED_MARKER),
        ).revision
        moderation.reject(rejected, moderator=moderator, reason="Not sourced")
        pending = edit(
            article,
            pending_author,
            edit_summary=f"{PENDING_MARKER} edit summary",
            tags=[topic.pk, only_pending.pk],
            **_fields(PENDING_MARKER),
        ).revision
        never = make_article(
            f"{NEVER_MARKER} term",
            author=pending_author,
            summary=f"{NEVER_MARKER} summary",
            body=f"{NEVER_MARKER} body",
            aliases=f"{NEVER_MARKER} alias",
            tags=[topic.pk],
        )
        # Talk: a visible thread with a waiting reply, and a thread that waits whole.
        sources = talk.start_thread(
            author=autoconfirmed, article=article, subject="Sources", body="Published talk words."
        ).thread
        talk.reply(author=pending_author, thread=sources, body=f"{PENDING_MARKER} body in talk")
        talk.start_thread(
            author=pending_author,
            article=article,
            subject=f"{PENDING_MARKER} title of a thread",
            body=f"{NEVER_MARKER} body of a thread",
        )
        # Pictures: one accepted, one waiting (its name, alt text and description marked).
        picture = _picture()
        files.upload(
            user=autoconfirmed,
            fileobj=picture,
            details=files.Details(
                name="Published picture", licence="cc0-1.0", alt_text="Published alt", own_work=True
            ),
        )
        pending_picture = files.upload(
            user=pending_author,
            fileobj=_picture((20, 200, 20)),
            details=files.Details(
                name=f"{PENDING_MARKER} title picture",
                licence="cc0-1.0",
                alt_text=f"{PENDING_MARKER} summary alt",
                description=f"{PENDING_MARKER} body description",
                own_work=True,
            ),
        )
    article.refresh_from_db()
    rejected.refresh_from_db()
    assert pending.status == RevisionStatus.PENDING
    assert rejected.status == RevisionStatus.REJECTED
    assert not never.is_published
    return {
        "article": article,
        "pending_picture": pending_picture,
        "watcher": watcher,
        "pending": pending,
        "rejected": rejected,
        "never": never,
        "pending_author": pending_author,
        "tags": [topic, only_pending],
    }


def _picture(colour=(200, 20, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def _urls(world):
    terms = [PUBLISHED_TITLE, "Published", *MARKERS]
    return public_urls(world["article"], world["tags"], search_terms=terms)


def _fetch_and_check(client, urls):
    """Fetch each URL; no marker in the body or a redirect's Location. Returns the statuses."""
    statuses = {}
    for name, url in urls:
        response = client.get(url)
        assert response.status_code in (200, 301, 302, 404), (url, response.status_code)
        text = response.content.decode() + " " + response.get("Location", "")
        if response.status_code == 404:  # "There is nothing at <the path asked>": no leak
            path = url.split("?")[0]
            for asked in (unquote(path), path, quote(path, safe="/")):  # and in ?next=
                text = text.replace(asked, "")
        leak = LEAK.search(text)
        assert leak is None, f"{leak.group(0)!r} leaked on {url} ({name})"
        if name != "search":
            at = max(text.lower().find(m.lower()) for m in MARKERS)
            assert at < 0, (url, name, text[max(0, at - 120) : at + 60])
        statuses[url] = response.status_code
    return statuses


def _assert_published_text_is_there(client, world):
    """The check is not vacuous: the same pages do show the published text."""
    article = world["article"]
    page = client.get(reverse("article", args=[article.slug])).content.decode()
    assert "Published body, improved." in page
    assert "A published summary." in page
    history = client.get(reverse("history", args=[article.slug])).content.decode()
    assert "<td><a href=" in history
    search = client.get(reverse("search"), {"q": "improved", "fulltext": "1"}).content.decode()
    assert PUBLISHED_TITLE in search
    talk_page = client.get(reverse("talk", args=[article.slug])).content.decode()
    assert ">Sources</a>" in talk_page
    files = client.get(reverse("files")).content.decode()
    assert "Published picture.png" in files
    picture = client.get(reverse("file", args=["Published picture.png"])).content.decode()
    assert "Published alt" in picture
    suggest = client.get(reverse("search_suggest"), {"q": "Publis"}).json()
    assert [r["title"] for r in suggest["results"]] == [PUBLISHED_TITLE]


def test_anonymous_reader_never_sees_pending_or_rejected_text(client, world):
    statuses = _fetch_and_check(client, _urls(world))
    assert list(statuses.values()).count(200) >= 30
    _assert_published_text_is_there(client, world)


def test_another_signed_in_new_user_never_sees_pending_or_rejected_text(client, world):
    other = make_user("someone-else", trust="new")
    client.force_login(other)
    statuses = _fetch_and_check(client, _urls(world))
    assert list(statuses.values()).count(200) >= 30
    _assert_published_text_is_there(client, world)


def test_a_watcher_is_told_and_shown_visible_changes_only(client, world):
    watcher = world["watcher"]
    client.force_login(watcher)
    statuses = _fetch_and_check(client, _urls(world))
    assert list(statuses.values()).count(200) >= 30
    told = [notice.message for notice in watcher.notices.order_by("created_at", "pk")]
    assert told == [
        f"“{PUBLISHED_TITLE}” was changed by {world['article'].created_by}.",
        f"{world['article'].created_by} wrote in “Sources” (talk: {PUBLISHED_TITLE}).",
    ]
    watchlist = client.get(reverse("watchlist")).content.decode()
    changes = watchlist.split('<ul class="recent-list">')[1].split("</ul>")[0]
    assert changes.count(f">{PUBLISHED_TITLE}</a>") == 2  # created, then improved


@pytest.mark.parametrize("as_user", ["anonymous", "other"])
def test_unpublished_article_and_pending_revisions_answer_404(client, world, as_user):
    if as_user == "other":
        client.force_login(make_user("someone-else", trust="new"))
    article, never = world["article"], world["never"]
    published = article.published_revision.number
    for url in [
        reverse("article", args=[never.slug]),
        reverse("history", args=[never.slug]),
        reverse("revision", args=[never.slug, 1]),
        reverse("what_links_here", args=[never.slug]),
        reverse("article_history_feed", args=[never.slug]),
        reverse("revision", args=[article.slug, world["pending"].number]),
        reverse("revision", args=[article.slug, world["rejected"].number]),
        reverse("diff", args=[article.slug, published, world["pending"].number]),
        reverse("diff", args=[article.slug, published, world["rejected"].number]),
    ]:
        assert client.get(url).status_code == 404, url


def test_pending_aliases_and_titles_do_not_redirect(client, world):
    for name in (f"{PENDING_MARKER} alias", f"{PENDING_MARKER} title", f"{NEVER_MARKER} alias"):
        slug = name.lower().replace(" ", "-")
        assert client.get(reverse("article", args=[slug])).status_code == 404, name
        response = client.get(reverse("search"), {"q": name})
        assert response.status_code == 200, name  # no redirect to an exact match


def test_a_tag_only_the_pending_revision_carries_lists_no_article(client, world):
    only_pending = world["tags"][1]
    page = client.get(reverse("tag", args=[only_pending.slug])).content.decode()
    assert PUBLISHED_TITLE not in page
    feed = client.get(reverse("tag_feed", args=[only_pending.slug])).content.decode()
    assert PUBLISHED_TITLE not in feed


# --- the author and moderators do see it ------------------------------------------------------


def _sees_everything_unpublished(client, world):
    article, never = world["article"], world["never"]
    revision = client.get(reverse("revision", args=[article.slug, world["pending"].number]))
    assert revision.status_code == 200
    assert f"{PENDING_MARKER} body text" in revision.content.decode()
    diff = client.get(
        reverse(
            "diff", args=[article.slug, article.published_revision.number, world["pending"].number]
        )
    )
    assert f"{PENDING_MARKER} title" in diff.content.decode()
    history = client.get(reverse("history", args=[article.slug])).content.decode()
    assert f"{PENDING_MARKER} edit summary" in history
    page = client.get(reverse("article", args=[article.slug])).content.decode()
    assert "changes waiting for review" in page
    assert f"{PENDING_MARKER} body" not in page  # the article itself shows the published text
    start = client.get(reverse("article", args=[never.slug]))
    assert start.status_code == 200
    assert "Waiting for review" in start.content.decode()
    assert f"{NEVER_MARKER} body" in start.content.decode()


def test_the_author_sees_their_pending_text(client, world):
    client.force_login(world["pending_author"])
    _sees_everything_unpublished(client, world)
    profile = client.get(reverse("profile", args=[world["pending_author"].username]))
    assert f"{PENDING_MARKER} title" in profile.content.decode()


def test_a_moderator_sees_pending_text(client, world, moderator):
    client.force_login(moderator)
    _sees_everything_unpublished(client, world)
    rejected = client.get(reverse("revision", args=[world["article"].slug, 3]))
    assert f"{REJECTED_MARKER} body" in rejected.content.decode()


def test_the_author_of_a_rejected_edit_still_sees_it(client, world, newbie):
    client.force_login(newbie)
    page = client.get(reverse("revision", args=[world["article"].slug, 3]))
    assert page.status_code == 200
    assert f"{REJECTED_MARKER} body" in page.content.decode()


# --- the edit page: excluded above, by design --------------------------------------------------


def test_the_edit_page_sends_anonymous_readers_to_sign_in(client, world):
    response = client.get(reverse("article_edit", args=[world["article"].slug]))
    assert response.status_code == 302
    assert PENDING_MARKER.lower() not in response["Location"].lower()


def test_the_edit_page_builds_on_pending_text_for_editors_and_says_so(client, world):
    """Issue 4: "an editor who opens an article that has pending changes edits on top of the
    newest pending revision and is told so". This is the one place a signed-in editor who is
    not the author sees pending text; it is why article_edit is excluded above."""
    client.force_login(make_user("someone-else", trust="new"))
    page = client.get(reverse("article_edit", args=[world["article"].slug])).content.decode()
    assert "changes waiting for review" in page
    assert f"{PENDING_MARKER} body" in page


def test_pending_pictures_are_never_served(client, world):
    """The pending picture's bytes and thumbnails answer 404 to readers and other users;
    the accepted one's are served (the check is not vacuous)."""
    pending = world["pending_picture"]
    names = [pending.storage_name, *(pending.thumb_name(w) for w in pending.thumb_widths)]
    for name in names:
        assert client.get(default_storage.url(name)).status_code == 404
    client.force_login(make_user("curious", trust="new"))
    assert client.get(default_storage.url(pending.storage_name)).status_code == 404
    shown = File.objects.get(name="Published picture.png").current
    assert client.get(default_storage.url(shown.storage_name)).status_code == 200
