"""Watchlists: watching articles and tags, the watchlist page, and the notices watchers get
when, and only when, a change becomes visible."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import edit, make_article, make_tag, make_user
from wiki import moderation, watching
from wiki.models import Watch

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs, at its end, what production runs after the transaction
    commits (the watchers' task)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def told(user) -> list[str]:
    return [notice.message for notice in user.notices.order_by("created_at", "pk")]


# --- watching over HTTP --------------------------------------------------------------------


def test_the_watch_button_adds_and_removes_an_article(client, autoconfirmed, moderator):
    article = make_article("Moe", author=moderator)
    client.force_login(autoconfirmed)
    url = reverse("watch_article", args=["moe"])

    page = client.get(reverse("article", args=["moe"])).content.decode()
    assert f'action="{url}"' in page and "Watch</button>" in page
    response = client.post(url, {"watch": "1", "next": "/wiki/moe/history/"})
    assert response["Location"] == "/wiki/moe/history/"
    assert watching.is_watching(autoconfirmed, article=article)
    page = client.get(reverse("history", args=["moe"])).content.decode()
    assert "Unwatch</button>" in page

    client.post(url, {"watch": "0"})
    assert not watching.is_watching(autoconfirmed, article=article)


def test_watching_twice_keeps_one_watch(client, autoconfirmed, moderator):
    make_article("Moe", author=moderator)
    client.force_login(autoconfirmed)

    for _ in range(2):
        client.post(reverse("watch_article", args=["moe"]), {"watch": "1"})

    assert Watch.objects.filter(user=autoconfirmed).count() == 1


def test_a_reader_is_asked_to_sign_in_to_watch(client, moderator):
    make_article("Moe", author=moderator)

    page = client.get(reverse("article", args=["moe"])).content.decode()
    response = client.post(reverse("watch_article", args=["moe"]), {"watch": "1"})

    assert 'href="/accounts/login/?next=/wiki/moe/"' in page
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert list(Watch.objects.values_list("user", flat=True)) == [moderator.pk]  # the author


def test_watch_only_answers_post_and_never_follows_an_outside_next(
    client, autoconfirmed, moderator
):
    make_article("Moe", author=moderator)
    client.force_login(autoconfirmed)
    url = reverse("watch_article", args=["moe"])

    assert client.get(url).status_code == 405
    response = client.post(url, {"watch": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/wiki/moe/"


def test_a_tag_can_be_watched_from_its_page(client, autoconfirmed):
    tag = make_tag("Romance")
    client.force_login(autoconfirmed)

    page = client.get(reverse("tag", args=["romance"])).content.decode()
    client.post(reverse("watch_tag", args=["romance"]), {"watch": "1"})

    assert f'action="{reverse("watch_tag", args=["romance"])}"' in page
    assert watching.is_watching(autoconfirmed, tag=tag)


def test_the_button_on_a_cached_article_is_each_readers_own(client, autoconfirmed, moderator):
    make_article("Moe", author=moderator)
    other = make_user("other", trust="autoconfirmed")
    client.force_login(autoconfirmed)
    client.post(reverse("watch_article", args=["moe"]), {"watch": "1"})
    assert "Unwatch</button>" in client.get("/wiki/moe/").content.decode()

    client.force_login(other)  # the same preferences: the same cached text
    assert "Unwatch" not in client.get("/wiki/moe/").content.decode()


# --- watching what one edits ---------------------------------------------------------------


def test_creating_or_editing_an_article_watches_it(client, autoconfirmed, moderator):
    article = make_article("Moe", author=moderator)
    assert watching.is_watching(moderator, article=article)

    edit(article, autoconfirmed, body="Changed.")
    assert watching.is_watching(autoconfirmed, article=article)


def test_the_preference_turns_watching_ones_edits_off(client, autoconfirmed, moderator):
    article = make_article("Moe", author=moderator)
    client.force_login(autoconfirmed)

    client.post(reverse("watch_settings"), {})  # the box unticked
    autoconfirmed.refresh_from_db()
    edit(article, autoconfirmed, body="Changed.")

    assert autoconfirmed.watch_own_edits is False
    assert not watching.is_watching(autoconfirmed, article=article)
    settings_page = client.get(reverse("account_settings")).content.decode()
    assert "Watch the articles I edit" in settings_page


# --- what watchers are told ----------------------------------------------------------------


def test_a_watcher_is_told_of_a_visible_edit_with_a_link_to_its_diff(
    autoconfirmed, moderator, committed
):
    article = make_article("Moe", author=moderator)
    watcher = make_user("watcher")
    watching.watch(watcher, article=article)

    with committed():
        edit(article, autoconfirmed, body="Changed.", edit_summary="Tighter wording")

    assert told(watcher) == ["“Moe” was changed by trusted: Tighter wording"]
    assert watcher.notices.get().url == reverse("diff", args=["moe", 1, 2])
    assert told(autoconfirmed) == []  # not about one's own edit
    watcher.refresh_from_db()
    assert watcher.unread_notice_count == 1


def test_a_pending_edit_is_told_only_once_it_is_accepted(newbie, moderator, committed):
    article = make_article("Moe", author=moderator)
    watcher = make_user("watcher")
    watching.watch(watcher, article=article)

    with committed():
        pending = edit(article, newbie, body="Newcomer's text.", edit_summary="Fix").revision
    assert told(watcher) == []

    with committed():
        moderation.accept_chain(pending, moderator=moderator)
    assert told(watcher) == ["“Moe” was changed by newbie: Fix"]
    assert told(moderator) == []  # the moderator who accepted it knows


def test_a_rejected_edit_is_never_told(newbie, moderator, committed):
    article = make_article("Moe", author=moderator)
    watcher = make_user("watcher")
    watching.watch(watcher, article=article)

    with committed():
        pending = edit(article, newbie, body="Spam.").revision
        moderation.reject(pending, moderator=moderator, reason="Spam")

    assert told(watcher) == []


def test_a_tags_watchers_hear_of_its_new_articles_once_they_are_visible(
    newbie, moderator, committed
):
    romance, drama = make_tag("Romance"), make_tag("Drama")
    watcher = make_user("watcher")
    watching.watch(watcher, tag=romance)
    watching.watch(watcher, tag=drama)

    with committed():
        article = make_article("Kuudere", author=newbie, tags=[romance.pk, drama.pk])
    assert told(watcher) == []
    with committed():
        moderation.accept_chain(article.revisions.get(), moderator=moderator)
    with committed():
        edit(article, moderator, body="Later change.")  # not new: tag watchers not told

    assert told(watcher) == ["New article “Kuudere” tagged Drama, Romance."]


def test_someone_watching_an_article_and_its_tag_is_told_once(moderator, committed):
    romance = make_tag("Romance")
    article = make_article("Moe", author=moderator, tags=[romance.pk])
    watcher = make_user("watcher")
    watching.watch(watcher, tag=romance)
    watching.watch(watcher, article=article)

    with committed():
        edit(article, make_user("third", trust="autoconfirmed"), body="Changed.")

    assert len(told(watcher)) == 1


def test_nothing_is_told_before_the_transaction_commits(autoconfirmed, moderator):
    article = make_article("Moe", author=moderator)
    watcher = make_user("watcher")
    watching.watch(watcher, article=article)

    edit(article, autoconfirmed, body="Changed.")  # in a test transaction: never committed

    assert told(watcher) == []


# --- the watchlist page ----------------------------------------------------------------------


def test_the_watchlist_shows_changes_to_watched_articles_and_tags_only(client, moderator):
    romance = make_tag("Romance")
    watched = make_article("Moe", author=moderator)
    tagged = make_article("Kuudere", author=moderator, tags=[romance.pk])
    make_article("Otaku", author=moderator)
    reader = make_user("reader")
    watching.watch(reader, article=watched)
    watching.watch(reader, tag=romance)
    client.force_login(reader)

    page = client.get(reverse("watchlist")).content.decode()
    changes = page.split('<ul class="recent-list">')[1].split("</ul>")[0]

    assert ">Moe</a>" in changes and ">Kuudere</a>" in changes
    assert "Otaku" not in changes
    assert tagged.title in page and "You watch 1 article and 1 tag" in page


def test_an_empty_watchlist_says_how_to_fill_it(client, autoconfirmed):
    client.force_login(autoconfirmed)

    page = client.get(reverse("watchlist")).content.decode()

    assert "You watch nothing yet" in page


def test_the_watchlist_runs_the_same_queries_for_few_and_many_changes(client, moderator):
    reader = make_user("reader")
    client.force_login(reader)
    client.get(reverse("watchlist"))  # warm up

    def queries_for(count):
        for i in range(count):
            watching.watch(
                reader, article=make_article(f"Term {Watch.objects.count():03d}", author=moderator)
            )

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("watchlist")).status_code == 200
        return len(ctx)

    assert queries_for(3) == queries_for(30)


def test_a_task_queue_that_is_down_loses_the_notices_not_the_edit(
    autoconfirmed, moderator, committed, monkeypatch, caplog
):
    article = make_article("Moe", author=moderator)
    watching.watch(make_user("watcher"), article=article)

    def down(**kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(watching, "tell_watchers", SimpleNamespace(enqueue=down))
    with committed():
        outcome = edit(article, autoconfirmed, body="Changed anyway.")

    assert outcome.published
    assert "Could not queue the watchers' notices" in caplog.text
