"""Whole pages for anonymous readers come from the cache, and are never stale, never
personal: every change a reader can see bumps the generation, and a page is stored only
for readers with no session, no preferences and no message waiting."""

import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.clients import CommittingClient
from tests.factories import edit, edit_form_data, make_article, make_tag, make_user
from tests.test_no_pending_text_anywhere import world  # noqa: F401 (a fixture)
from wiki import deletion, moderation, pagecache, rollback, tags
from wiki.editing import revert
from wiki.models import Protection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]


@pytest.fixture
def page_cache():
    with override_settings(KOTOBA_PAGE_CACHE=True):
        yield


@pytest.fixture
def reader():
    return CommittingClient()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service's after-commit work (the generation bump), as a committed one would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def article(moderator, committed):
    return committed(make_article, "Moe", author=moderator, body="Moe, the first words.")


def text(response) -> str:
    return response.content.decode()


# --- serving -------------------------------------------------------------------------------


def test_a_second_anonymous_read_is_served_without_a_query(
    reader, article, django_assert_num_queries
):
    url = reverse("article", args=[article.slug])
    first = reader.get(url)
    with django_assert_num_queries(0):
        second = reader.get(url)
    assert second.status_code == 200
    assert text(second) == text(first)
    assert "Moe, the first words." in text(second)


@pytest.mark.parametrize(
    "name", ["home", "browse", "tags", "recent", "recent_feed", "sitemap", "robots_txt"]
)
def test_site_pages_are_served_from_the_cache(reader, article, name, django_assert_num_queries):
    url = reverse(name)
    reader.get(url)
    with django_assert_num_queries(0):
        assert reader.get(url).status_code == 200


def test_public_pages_say_so_and_vary_on_cookies(reader, article):
    response = reader.get(reverse("article", args=[article.slug]))
    assert "public" in response["Cache-Control"]
    assert "s-maxage=0" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert response["ETag"] and response["Last-Modified"]


def test_a_conditional_request_is_answered_304(reader, article):
    url = reverse("article", args=[article.slug])
    etag = reader.get(url)["ETag"]
    assert reader.get(url, headers={"if-none-match": etag}).status_code == 304  # from the cache
    assert reader.get(url, headers={"if-none-match": '"other"'}).status_code == 200


def test_signed_in_pages_are_private(client, article, autoconfirmed):
    """Private, with an ETag; a signed-in page carries a fresh CSRF token in its sign-out
    form each time, so it is rebuilt rather than answered 304."""
    client.force_login(autoconfirmed)
    response = client.get(reverse("article", args=[article.slug]))
    assert "private" in response["Cache-Control"]
    assert response["ETag"]


# --- never personal --------------------------------------------------------------------------


def test_a_signed_in_reader_never_gets_the_anonymous_page_nor_stores_theirs(
    client, reader, article, autoconfirmed
):
    url = reverse("article", args=[article.slug])
    reader.get(url)  # stored
    client.force_login(autoconfirmed)
    assert autoconfirmed.username in text(client.get(url))
    assert autoconfirmed.username not in text(reader.get(url))
    assert "Sign out" not in text(reader.get(url))


def test_pending_text_is_never_in_a_stored_page(reader, article, newbie, client):
    pending = edit(article, newbie, body="Pendingtext that waits for review.").revision
    client.force_login(newbie)
    url = reverse("article", args=[article.slug])
    assert "changes waiting for review" in text(client.get(url))  # the author's own page
    assert "Pendingtext" not in text(reader.get(url))
    assert "Pendingtext" not in text(reader.get(url))  # the stored copy
    revision_url = reverse("revision", args=[article.slug, pending.number])
    assert reader.get(revision_url).status_code == 404


def test_a_reader_with_preferences_gets_their_own_page(reader, article, committed):
    drama = committed(make_tag, "Drama")
    other = committed(make_article, "Kawaii", author=article.created_by, tags=[drama.pk])
    url = reverse("tag", args=[drama.slug])
    assert "Kawaii" in text(reader.get(url))
    reader.post(reverse("reader_settings"), {"hidden_tags": [drama.pk]})
    assert "Kawaii" not in text(reader.get(url))
    assert "private" in reader.get(url)["Cache-Control"]
    assert other.title in text(CommittingClient().get(url))


def test_a_page_with_a_message_waiting_is_neither_served_nor_stored(reader, article):
    url = reverse("article", args=[article.slug])
    reader.get(url)
    reader.cookies["messages"] = "anything"
    response = reader.get(url)
    assert "private" in response["Cache-Control"]


def test_no_stored_page_holds_a_csrf_token_or_a_username(
    reader, article, autoconfirmed, monkeypatch
):
    from tests.test_no_pending_text_anywhere import public_urls

    stored = []
    real_set = cache.set

    def recording_set(key, value, *args, **kwargs):
        if key.startswith(pagecache._PAGE_PREFIX):
            stored.append(value["content"].decode())
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)
    signed_in = CommittingClient()
    signed_in.force_login(autoconfirmed)
    for _, url in public_urls(article, [], search_terms=["Moe"]):
        signed_in.get(url)  # never stored: it would carry the name and a token
        reader.get(url)
    assert len(stored) >= 15
    for page in stored:
        assert "csrfmiddlewaretoken" not in page
        assert autoconfirmed.username not in page


def test_the_pending_text_walk_holds_with_pages_served_from_the_cache(world):  # noqa: F811
    from tests.test_no_pending_text_anywhere import _fetch_and_check, _urls

    reader = CommittingClient()
    first = _fetch_and_check(reader, _urls(world))  # built and stored
    second = _fetch_and_check(reader, _urls(world))  # served from the cache
    assert first == second


# --- never stale ------------------------------------------------------------------------------


def _warm(reader, *urls):
    for url in urls:
        assert reader.get(url).status_code == 200


def test_an_edit_through_the_site_is_seen_at_once(reader, article, autoconfirmed):
    url = reverse("article", args=[article.slug])
    _warm(reader, url, reverse("home"), reverse("recent"))
    editor = CommittingClient()
    editor.force_login(autoconfirmed)
    data = edit_form_data(
        article, body="Moe, the second words.", summary="Newer summary.", edit_summary="Rewrote"
    )
    assert editor.post(reverse("article_edit", args=[article.slug]), data).status_code == 302
    assert "Moe, the second words." in text(reader.get(url))
    assert "Newer summary." in text(reader.get(reverse("home")))
    assert "Rewrote" in text(reader.get(reverse("recent")))


def test_accepting_a_pending_edit_is_seen_at_once(reader, article, newbie, moderator, committed):
    pending = edit(article, newbie, body="Moe, words from a newcomer.").revision
    url = reverse("article", args=[article.slug])
    _warm(reader, url)
    committed(moderation.accept_chain, pending, moderator=moderator)
    assert "words from a newcomer" in text(reader.get(url))


def test_rejecting_shows_in_the_history_at_once(reader, article, newbie, moderator, committed):
    pending = edit(article, newbie, body="Moe, a bad change.").revision
    url = reverse("history", args=[article.slug])
    _warm(reader, url)
    committed(moderation.reject, pending, moderator=moderator, reason="Unsourced claim")
    assert "Unsourced claim" in text(reader.get(url))


def test_revert_and_rollback_are_seen_at_once(reader, article, moderator, committed):
    vandal = make_user("vandal", trust="autoconfirmed")
    committed(edit, article, vandal, body="Moe, vandalised.")
    url = reverse("article", args=[article.slug])
    _warm(reader, url)
    committed(revert, article=article, number=1, author=moderator)
    assert "Moe, the first words." in text(reader.get(url))
    committed(edit, article, vandal, body="Moe, vandalised again.")
    assert "vandalised again" in text(reader.get(url))
    committed(rollback.rollback, article=article, user=vandal, moderator=moderator)
    assert "vandalised again" not in text(reader.get(url))


def test_tag_rename_and_merge_are_seen_at_once(reader, moderator, committed):
    one, two = committed(make_tag, "Tsun"), committed(make_tag, "Dere")
    article = committed(make_article, "Tsundere", author=moderator, tags=[one.pk, two.pk])
    url = reverse("article", args=[article.slug])
    _warm(reader, url, reverse("tags"))
    committed(tags.rename_tag, one, name="Tsuntsun", actor=moderator)
    assert "Tsuntsun" in text(reader.get(url))
    committed(tags.merge_tags, two, into=one, actor=moderator)
    assert "Dere<" not in text(reader.get(reverse("tags")))


def test_deleting_and_restoring_are_seen_at_once(reader, article, moderator, committed):
    url = reverse("article", args=[article.slug])
    _warm(reader, url)
    committed(deletion.delete_article, article, moderator=moderator, reason="Test")
    assert reader.get(url).status_code == 404
    committed(deletion.undelete_article, article, moderator=moderator, reason="Back")
    assert reader.get(url).status_code == 200


def test_protection_is_seen_at_once(reader, article, moderator, committed):
    url = reverse("article", args=[article.slug])
    _warm(reader, url)
    committed(
        moderation.set_protection, article=article, level=Protection.MODERATORS, moderator=moderator
    )
    assert "Protected: moderators only" in text(reader.get(url))


def test_a_red_link_turns_blue_at_once(reader, moderator, committed):
    source = committed(make_article, "Kawaii", author=moderator, body="See [[Moe]].")
    url = reverse("article", args=[source.slug])
    assert 'class="wikilink new"' in text(reader.get(url))
    committed(make_article, "Moe", author=moderator)
    page = text(reader.get(url))
    assert 'class="wikilink new"' not in page
    assert 'href="/wiki/moe/"' in page


def test_admin_changes_are_seen_at_once(reader, article, moderator):
    admin = CommittingClient()
    admin.force_login(moderator)
    adult = make_tag("Adult theme")
    url = reverse("article", args=[article.slug])
    _warm(reader, reverse("home"))
    change = reverse("admin:wiki_article_change", args=[article.pk])
    data = {"protection": "none", "is_featured": "on", "deletion_reason": ""}
    assert admin.post(change, data).status_code == 302
    assert "Featured article" in text(reader.get(reverse("home")))
    committed_tags = [adult.pk]
    edit(article, moderator, tags=committed_tags)  # the tag is on the article, not adult yet
    pagecache._bump_now()
    _warm(reader, url)
    tag_change = reverse("admin:wiki_tag_change", args=[adult.pk])
    tag_data = {
        "name": "Adult theme",
        "slug": adult.slug,
        "category": "topic",
        "is_adult": "on",
        "description": "",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
    }
    assert admin.post(tag_change, tag_data).status_code == 302
    assert "This article is about an adult theme" in text(reader.get(url))


def test_a_page_built_while_a_change_committed_is_not_served_again(reader, article, monkeypatch):
    url = reverse("article", args=[article.slug])
    from wiki.views import articles

    real = articles.render

    def render_while_someone_saves(*args, **kwargs):
        pagecache._bump_now()  # a change commits while this page is being built
        return real(*args, **kwargs)

    monkeypatch.setattr(articles, "render", render_while_someone_saves)
    reader.get(url)
    monkeypatch.setattr(articles, "render", real)
    # The entry was stored under the generation read before the change: never served.
    calls = []
    monkeypatch.setattr(articles, "render", lambda *a, **k: calls.append(1) or real(*a, **k))
    reader.get(url)
    assert calls == [1]


# --- outages and hooks ---------------------------------------------------------------------


def test_a_bump_lost_to_a_cache_outage_is_delivered_on_the_next_request(
    reader, article, monkeypatch
):
    url = reverse("article", args=[article.slug])
    _warm(reader, url)
    before = cache.get(pagecache.GENERATION_KEY)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    with monkeypatch.context() as patch:
        patch.setattr(cache, "incr", down)
        pagecache._bump_now()
    assert pagecache._lost_bump
    reader.get(reverse("home"))
    assert not pagecache._lost_bump
    assert cache.get(pagecache.GENERATION_KEY) == before + 1


@override_settings(KOTOBA_PURGE_HOOK="tests.test_page_cache.record_purge")
def test_the_purge_hook_hears_every_bump(article):
    PURGES.clear()
    pagecache._bump_now()
    generation = cache.get(pagecache.GENERATION_KEY)
    assert [generation] == PURGES


PURGES: list[int] = []


def record_purge(generation):
    PURGES.append(generation)


# --- fragments: what signed-in readers and readers with preferences share -------------------


def test_a_signed_in_readers_article_text_comes_from_the_fragment_cache(
    client, article, autoconfirmed
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # a new cache: no reader has set the generation yet
    client.force_login(autoconfirmed)
    url = reverse("article", args=[article.slug])
    with CaptureQueriesContext(connection) as building:
        client.get(url)
    with CaptureQueriesContext(connection) as reusing:
        second = text(client.get(url))
    assert "Moe, the first words." in second
    # The session, the user (with the hidden tags' copy on its row) and the article (with
    # whether the reader watches it); the tags, related terms and template of the text are
    # not touched again.
    tables = [  # each query's main table (the last FROM: a subquery comes before it)
        re.findall(r'FROM "(\w+)"', query["sql"])[-1] for query in reusing.captured_queries
    ]
    assert tables == ["django_session", "accounts_user", "wiki_article"]
    assert "wiki_watch" in reusing.captured_queries[-1]["sql"]
    assert len(building) > len(reusing)


def test_the_pending_banner_is_the_authors_own(client, article, newbie, autoconfirmed):
    edit(article, newbie, body="Moe, a newcomer's change.")
    url = reverse("article", args=[article.slug])
    client.force_login(newbie)
    assert "changes waiting for review" in text(client.get(url))
    other = CommittingClient()
    other.force_login(autoconfirmed)
    assert "changes waiting for review" not in text(other.get(url))


def test_readers_with_different_preferences_get_different_fragments(article, moderator, committed):
    drama = committed(make_tag, "Drama")
    committed(edit, article, moderator, tags=[drama.pk])
    hider, reader_ = make_user("hider", trust="new"), make_user("plain", trust="new")
    hider.hidden_tags.add(drama)
    url = reverse("article", args=[article.slug])
    plain_client, hiding_client = CommittingClient(), CommittingClient()
    plain_client.force_login(reader_)
    hiding_client.force_login(hider)
    assert "Moe, the first words." in text(plain_client.get(url))
    hidden = text(hiding_client.get(url))
    assert "Hidden by your reading preferences" in hidden
    assert "Moe, the first words." not in hidden
    assert "Moe, the first words." in text(plain_client.get(url))


def test_an_edit_refreshes_the_fragment_at_once(client, article, autoconfirmed, committed):
    client.force_login(autoconfirmed)
    url = reverse("article", args=[article.slug])
    client.get(url)
    committed(edit, article, autoconfirmed, body="Moe, rewritten.")
    assert "Moe, rewritten." in text(client.get(url))


def test_related_tags_are_shared_but_recounted_after_an_edit_and_hidden_per_reader(
    article, moderator, autoconfirmed, committed
):
    """A tag page's "Often used together" is one aggregate over every article with the tag,
    built once per visible change for all readers; each reader's hidden tags are taken out."""
    moe, drama, comedy = (committed(make_tag, name) for name in ("Moe", "Drama", "Comedy"))
    committed(edit, article, moderator, tags=[moe.pk, drama.pk])
    url = reverse("tag", args=[moe.slug])
    signed_in = CommittingClient()
    signed_in.force_login(autoconfirmed)

    def related(client):
        return [t.name for t in client.get(url).context["related"]]

    assert related(signed_in) == ["Drama"]
    committed(edit, article, moderator, tags=[moe.pk, drama.pk, comedy.pk])
    assert related(signed_in) == ["Comedy", "Drama"]
    autoconfirmed.hidden_tags.add(comedy)
    assert related(signed_in) == ["Drama"]
    other = CommittingClient()
    other.force_login(moderator)
    assert related(other) == ["Comedy", "Drama"]
