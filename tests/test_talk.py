"""Talk pages: threads and posts under the same trust ladder as edits, moderated in the admin,
kept off the article, search and the article feeds, and telling the people concerned."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notice
from talk import services as talk
from talk.models import Post, PostReport, Thread
from tests.factories import make_article, make_user
from wiki import watching
from wiki.models import BlockedURL, RevisionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def moe(moderator):
    return make_article("Moe", author=moderator, body="Moe is a feeling.")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def talk_url(article):
    return reverse("talk", args=[article.slug])


def thread_url(thread):
    return reverse("talk_thread", args=[thread.article.slug, thread.pk])


def new_thread(client, article, subject="Sources?", body="Where is this from?"):
    return client.post(talk_url(article), {"subject": subject, "body": body})


# --- posting -------------------------------------------------------------------------------


def test_an_autoconfirmed_editors_thread_is_shown_at_once(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)

    response = new_thread(client, moe)

    thread = Thread.objects.get()
    assert response["Location"] == thread.posts.get().get_absolute_url()
    assert thread.is_visible
    client.logout()
    page = client.get(thread_url(thread)).content.decode()
    assert "Where is this from?" in page
    assert ">Sources?</a>" in client.get(talk_url(moe)).content.decode()


def test_a_new_users_thread_waits_and_only_they_and_moderators_see_it(
    client, moe, newbie, moderator
):
    client.force_login(newbie)
    new_thread(client, moe, subject="Is this right?", body="I doubt the date.")
    thread = Thread.objects.get()

    own = client.get(thread_url(thread)).content.decode()
    assert "waits for a moderator's review" in own and "I doubt the date." in own

    client.force_login(make_user("someone"))
    assert client.get(thread_url(thread)).status_code == 404
    assert "Is this right?" not in client.get(talk_url(moe)).content.decode()
    client.logout()
    assert client.get(thread_url(thread)).status_code == 404

    client.force_login(moderator)
    assert "I doubt the date." in client.get(thread_url(thread)).content.decode()


def test_a_reply_joins_the_thread_and_moves_it_to_the_top(client, moe, autoconfirmed):
    old = talk.start_thread(author=autoconfirmed, article=moe, subject="Old", body="One.")
    talk.start_thread(author=autoconfirmed, article=moe, subject="Newer", body="Two.")
    client.force_login(autoconfirmed)

    client.post(thread_url(old.thread), {"body": "A reply."})

    page = client.get(talk_url(moe)).content.decode()
    assert page.index(">Old</a>") < page.index(">Newer</a>")
    assert old.thread.posts.count() == 2


def test_quoting_a_post_fills_the_reply(client, moe, autoconfirmed):
    first = talk.start_thread(
        author=autoconfirmed, article=moe, subject="Q", body="Line one.\nLine two."
    )
    client.force_login(autoconfirmed)

    form = client.get(thread_url(first.thread), {"quote": first.pk}).context["form"]

    assert form.initial["body"] == "> Line one.\n> Line two.\n> — @trusted\n\n"


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("unconfirmed", "Confirm your email address"),
        ("blocked", "You are blocked"),
    ],
)
def test_those_who_may_not_edit_may_not_post(client, moe, request, who, message):
    user = request.getfixturevalue(who)
    client.force_login(user)

    page = client.get(talk_url(moe)).content.decode()
    response = new_thread(client, moe, body="My careful question.")

    assert message in page and "<textarea" not in page
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Your text was not posted" in response.content.decode()
    assert "My careful question." in response.content.decode()  # nothing typed is lost
    assert not Thread.objects.exists()


def test_a_reader_is_asked_to_sign_in(client, moe):
    page = client.get(talk_url(moe)).content.decode()
    response = new_thread(client, moe)

    assert "to take part in the discussion" in page
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_link_limit_and_blocklist_apply_and_the_text_is_kept(client, moe, newbie):
    client.force_login(newbie)
    links = " ".join(f"[l{i}](https://example{i}.com/)" for i in range(5))

    response = new_thread(client, moe, body=links)
    assert response.status_code == 400
    assert "at most 3 external links" in response.content.decode()
    assert response.context["form"]["body"].value() == links

    BlockedURL.objects.create(pattern="spam.example")
    response = new_thread(client, moe, body="Cheap [pills](https://spam.example/x)")
    assert "does not accept" in response.content.decode()
    assert not Post.objects.exists()


def test_posting_too_fast_is_refused(client, moe, newbie, settings):
    settings.KOTOBA_TALK_RATE_NEW = 1
    client.force_login(newbie)
    new_thread(client, moe)

    response = new_thread(client, moe, subject="Again")

    assert response.status_code == 429
    assert Thread.objects.count() == 1


def test_a_locked_thread_takes_no_more_posts_except_a_moderators(
    client, moe, autoconfirmed, moderator
):
    post = talk.start_thread(author=autoconfirmed, article=moe, subject="Heated", body="Hm.")
    talk.lock(post.thread, moderator=moderator, reason="Going in circles.")
    client.force_login(autoconfirmed)

    response = client.post(thread_url(post.thread), {"body": "One more thing."})
    assert response.status_code == 400
    assert "locked by a moderator. Going in circles." in response.content.decode()

    client.force_login(moderator)
    client.post(thread_url(post.thread), {"body": "Closing note."})
    assert post.thread.posts.count() == 2


# --- moderation ----------------------------------------------------------------------------


def test_a_moderator_accepts_a_waiting_post_and_its_author_is_told(
    client, moe, newbie, moderator, committed
):
    post = talk.start_thread(author=newbie, article=moe, subject="Typo", body="Fix the typo.")
    client.force_login(moderator)

    with committed():
        client.post(
            reverse("admin:talk_post_changelist"),
            {"action": "accept_selected", "_selected_action": [post.pk]},
        )

    post.refresh_from_db()
    assert post.status == RevisionStatus.ACCEPTED and post.thread.is_visible
    assert "was accepted" in Notice.objects.get(user=newbie).message


def test_a_rejected_post_tells_its_author_why(client, moe, newbie, moderator):
    post = talk.start_thread(author=newbie, article=moe, subject="Ad", body="Visit my shop.")
    client.force_login(moderator)

    client.post(
        reverse("admin:talk_post_changelist"),
        {
            "action": "reject_selected",
            "_selected_action": [post.pk],
            "apply": "1",
            "reason": "Advertising.",
        },
    )

    post.refresh_from_db()
    assert post.status == RevisionStatus.REJECTED
    assert Notice.objects.get(user=newbie).message.endswith("Reason: Advertising.")
    client.force_login(newbie)
    assert client.get(thread_url(post.thread)).status_code == 404


def test_a_hidden_post_leaves_a_line_and_moderators_keep_its_text(
    client, moe, autoconfirmed, moderator
):
    post = talk.start_thread(author=autoconfirmed, article=moe, subject="Rude", body="Insults.")
    talk.hide(post, moderator=moderator, reason="Personal attack")

    page = client.get(thread_url(post.thread)).content.decode()
    assert "Post hidden by a moderator." in page and "Insults." not in page

    client.force_login(moderator)
    page = client.get(thread_url(post.thread)).content.decode()
    assert "Insults." in page and "hidden: Personal attack" in page


def test_the_admin_index_counts_waiting_posts(client, moe, newbie, moderator):
    talk.start_thread(author=newbie, article=moe, subject="Q", body="A question.")
    client.force_login(moderator)

    page = client.get(reverse("admin:index")).content.decode()

    assert "<strong>1</strong> pending talk post" in page


def test_a_reader_reports_a_post(client, moe, autoconfirmed):
    post = talk.start_thread(author=autoconfirmed, article=moe, subject="Q", body="Hm.")
    reader = make_user("reader")
    client.force_login(reader)

    response = client.post(reverse("talk_report", args=[moe.slug, post.pk]), {"text": "Off topic"})

    assert response["Location"] == post.get_absolute_url()
    assert PostReport.objects.get().text == "Off topic"


# --- kept apart from the article -----------------------------------------------------------


def test_talk_text_is_not_on_the_article_in_search_or_the_article_feeds(client, moe, autoconfirmed):
    talk.start_thread(author=autoconfirmed, article=moe, subject="Zebra", body="Quixotic words.")

    for url in (
        reverse("article", args=[moe.slug]),
        reverse("search") + "?q=quixotic&fulltext=1",
        reverse("article_history_feed", args=[moe.slug]),
        reverse("recent_feed"),
    ):
        assert "Quixotic" not in client.get(url).content.decode(), url
    feed = client.get(reverse("talk_feed", args=[moe.slug])).content.decode()
    assert "Quixotic words." in feed


# --- telling people ------------------------------------------------------------------------


def test_a_visible_reply_tells_the_thread_and_the_watchers_and_the_mentioned(
    moe, autoconfirmed, committed
):
    starter = make_user("starter", trust="autoconfirmed")
    watcher = make_user("watcher")
    make_user("Hana")  # mentioned below as @hana
    watching.watch(watcher, article=moe)
    with committed():
        post = talk.start_thread(author=starter, article=moe, subject="Dates", body="When?")
    Notice.objects.all().delete()

    with committed():
        talk.reply(author=autoconfirmed, thread=post.thread, body="In 2004, says @hana.")

    told = dict(Notice.objects.values_list("user__username", "message"))
    assert told == {
        "starter": "trusted wrote in “Dates” (talk: Moe).",
        "watcher": "trusted wrote in “Dates” (talk: Moe).",
        "Hana": "trusted mentioned you in “Dates” (talk: Moe).",
        "mod": "trusted wrote in “Dates” (talk: Moe).",  # the article's author watches it
    }


def test_a_waiting_post_tells_nobody_until_it_is_accepted(moe, newbie, moderator, committed):
    watcher = make_user("watcher")
    watching.watch(watcher, article=moe)

    with committed():
        post = talk.start_thread(author=newbie, article=moe, subject="Q", body="@watcher look")
    assert not Notice.objects.filter(user=watcher).exists()

    with committed():
        talk.accept(post, moderator=moderator)
    assert Notice.objects.filter(user=watcher).count() == 1  # mentioned and watching: once


def test_mentions_are_read_whole_and_bounded():
    text = "Ask @hana. Or @ken_1, not me@example.com; @a.b+c-d and @" + "x" * 200
    assert talk.mentioned(text) == ["hana", "ken_1", "a.b+c-d", "x" * 150]


# --- query budgets -------------------------------------------------------------------------


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_talk_page_and_a_thread_cost_the_same_for_few_and_many(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)
    first = talk.start_thread(author=autoconfirmed, article=moe, subject="T0", body="x")
    few = (_queries(client, talk_url(moe)), _queries(client, thread_url(first.thread)))

    for i in range(1, 15):
        talk.start_thread(
            author=make_user(f"u{i}", trust="autoconfirmed"), article=moe, subject=f"T{i}", body="y"
        )
        talk.reply(author=make_user(f"r{i}", trust="autoconfirmed"), thread=first.thread, body="z")
    many = (_queries(client, talk_url(moe)), _queries(client, thread_url(first.thread)))

    assert few == many


def test_a_post_can_be_declined_or_hidden_for_a_named_guideline(client, moe, newbie, moderator):
    make_article("Guidelines", author=moderator, kind="guide", body="## No promotion\n\nNo ads.")
    post = talk.start_thread(author=newbie, article=moe, subject="Ad", body="Buy it.")
    client.force_login(moderator)

    client.post(
        reverse("admin:talk_post_changelist"),
        {
            "action": "reject_selected",
            "_selected_action": [post.pk],
            "apply": "1",
            "guideline": "no-promotion",
            "reason": "",
        },
    )

    post.refresh_from_db()
    assert post.review_reason == (
        "Against the guideline “No promotion” (/wiki/guidelines/#no-promotion)."
    )
