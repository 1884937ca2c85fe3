"""Read replicas: a request that writes nothing reads from a standby, everything else from the
primary, and people see their own changes at once while the standby lags.

The first part runs everywhere: the settings, the router and the middleware by themselves.
The tests marked `replica` need DATABASE_REPLICA_URLS pointing at a hot standby of the
server in DATABASE_URL (`scripts/replica start`, then `make test-replica`); they skip
otherwise. The test database is created on the primary and streams to the standby by itself;
to make the standby lag on purpose, they pause its replay (`pg_wal_replay_pause()`).
"""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, OperationalError, connections, router, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import routers
from config.middleware import ReadYourWritesMiddleware
from tests.factories import PASSWORD, edit, edit_form_data, make_article, make_user
from wiki.editing import revision_values, save_edit
from wiki.models import Article, Revision, RevisionStatus

BASE_DIR = Path(__file__).resolve().parent.parent
COOKIE = ReadYourWritesMiddleware.cookie_name


@pytest.fixture
def one_replica(settings):
    """A replica named in the settings (the router and middleware need no connection to it)."""
    settings.KOTOBA_READ_REPLICAS = ["replica1"]
    settings.DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]


# Settings ----------------------------------------------------------------------------------

PRINT_DATABASES = (
    "import json, config.settings as s; "
    "print(json.dumps([s.DATABASES, s.DATABASE_ROUTERS, s.KOTOBA_READ_REPLICAS]))"
)


def settings_with(**env):
    """config.settings in a fresh interpreter with a clean Kotoba environment plus `env`."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "KOTOBA_", "DATABASE_")) and key != "REDIS_URL"
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT_DATABASES],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def test_without_replica_urls_there_is_one_database_and_no_router():
    result = settings_with(DATABASE_URL="postgres://kotoba@db.example/kotoba")
    assert result.returncode == 0, result.stderr
    databases, routers_, replicas = json.loads(result.stdout)
    assert list(databases) == ["default"]
    assert routers_ == []
    assert replicas == []


def test_each_replica_url_becomes_a_read_only_database_that_mirrors_the_primary_under_test():
    result = settings_with(
        DATABASE_URL="postgres://kotoba@db.example/kotoba",
        DATABASE_REPLICA_URLS="postgres://kotoba@r1.example:5433/kotoba,"
        "postgres://kotoba@r2.example/kotoba?sslmode=require",
    )
    assert result.returncode == 0, result.stderr
    databases, routers_, replicas = json.loads(result.stdout)
    assert replicas == ["replica1", "replica2"]
    assert routers_ == ["config.routers.ReplicaRouter"]
    assert (databases["replica1"]["HOST"], databases["replica1"]["PORT"]) == ("r1.example", 5433)
    assert databases["replica1"]["TEST"] == {"MIRROR": "default"}
    assert databases["replica1"]["OPTIONS"] == {
        "options": "-c default_transaction_read_only=on",
        "server_side_binding": True,
    }
    assert databases["replica2"]["OPTIONS"]["sslmode"] == "require"
    assert databases["replica2"]["CONN_MAX_AGE"] == databases["default"]["CONN_MAX_AGE"]


@pytest.mark.parametrize(("setting", "binding"), [("", True), ("0", False)])
def test_server_side_binding_is_on_unless_turned_off_for_a_pooler(setting, binding):
    """On PostgreSQL, the primary and every replica bind parameters on the server, which lets
    look-ups by unique key keep prepared statements (wiki.statements.plans_reused);
    KOTOBA_DB_PREPARED_STATEMENTS=0 turns that off, for a pooler in transaction mode."""
    env = {"KOTOBA_DB_PREPARED_STATEMENTS": setting} if setting else {}
    result = settings_with(
        DATABASE_URL="postgres://kotoba@db.example/kotoba",
        DATABASE_REPLICA_URLS="postgres://kotoba@r1.example/kotoba",
        **env,
    )
    assert result.returncode == 0, result.stderr
    databases, _, _ = json.loads(result.stdout)
    for alias in ("default", "replica1"):
        assert databases[alias]["OPTIONS"]["server_side_binding"] is binding
    sqlite = settings_with(DATABASE_URL="sqlite:////tmp/kotoba.sqlite3")
    assert "server_side_binding" not in json.loads(sqlite.stdout)[0]["default"]["OPTIONS"]


@pytest.mark.parametrize(
    ("primary", "replica"),
    [
        ("sqlite:////tmp/kotoba.sqlite3", "postgres://kotoba@r1.example/kotoba"),
        ("postgres://kotoba@db.example/kotoba", "sqlite:////tmp/copy.sqlite3"),
    ],
)
def test_replicas_need_postgresql_on_both_sides(primary, replica):
    result = settings_with(DATABASE_URL=primary, DATABASE_REPLICA_URLS=replica)
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS needs PostgreSQL" in result.stderr


# The router --------------------------------------------------------------------------------


def test_outside_a_request_reads_go_to_the_primary(one_replica):
    assert router.db_for_read(Article) == "default"


def test_reads_go_to_the_replica_chosen_for_the_request(one_replica):
    with routers.replica_reads("replica1"):
        assert router.db_for_read(Article) == "replica1"
        assert Article.objects.all().db == "replica1"


def test_sessions_and_accounts_are_read_from_the_primary(one_replica):
    with routers.replica_reads("replica1"):
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(get_user_model()) == "default"


def test_writes_go_to_the_primary_and_so_does_every_read_after_them(one_replica):
    with routers.replica_reads("replica1") as reads:
        assert router.db_for_write(Article) == "default"
        assert reads.wrote
        assert router.db_for_read(Article) == "default"


def test_querysets_that_lock_or_may_create_rows_are_routed_as_writes(one_replica):
    with routers.replica_reads("replica1"):
        assert Article.objects.select_for_update().db == "default"
    with routers.replica_reads("replica1"):
        # get_or_create reads through the write database as well (Django marks it _for_write).
        queryset = Article.objects.all()
        queryset._for_write = True
        assert queryset.db == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary(one_replica):
    with routers.replica_reads("replica1"):
        with transaction.atomic():
            assert router.db_for_read(Article) == "default"
        assert router.db_for_read(Article) == "replica1"


def test_migrations_run_on_the_primary_only(one_replica):
    assert router.allow_migrate("default", "wiki")
    assert not router.allow_migrate("replica1", "wiki")


def test_objects_read_from_a_replica_may_be_related_to_objects_of_the_primary(one_replica):
    article, revision = Article(), Revision()
    article._state.db, revision._state.db = "replica1", "default"
    assert router.allow_relation(article, revision)


# The middleware ----------------------------------------------------------------------------


def where_it_reads(request):
    """A view that answers where its reads went: the replica's alias or "primary"."""
    return HttpResponse(routers.replica_in_use() or "primary")


def writing(view):
    def wrapper(request):
        router.db_for_write(Article)
        return view(request)

    return wrapper


def answer(request, view=where_it_reads):
    return ReadYourWritesMiddleware(view)(request)


def signed_cookie(*, age: int = 0, salt: str = ReadYourWritesMiddleware.salt) -> str:
    """The cookie's value signed as the middleware signs it, `age` seconds ago."""
    response = HttpResponse()
    then = signing.b62_encode(int(time.time()) - age)
    with mock.patch.object(signing.TimestampSigner, "timestamp", lambda self: then):
        response.set_signed_cookie(COOKIE, "1", salt=salt)
    return response.cookies[COOKIE].value


def test_without_replicas_the_middleware_is_left_out(settings):
    settings.KOTOBA_READ_REPLICAS = []
    with pytest.raises(MiddlewareNotUsed):
        ReadYourWritesMiddleware(where_it_reads)


def test_a_safe_request_reads_from_a_replica(rf, one_replica):
    for method in ("get", "head", "options"):
        response = answer(getattr(rf, method)("/wiki/ntr/"))
        assert response.content in (b"replica1", b"")  # HEAD has no body
        assert COOKIE not in response.cookies


def test_a_post_reads_from_the_primary_from_start_to_end(rf, one_replica):
    assert answer(rf.post("/wiki/ntr/edit/")).content == b"primary"


def test_admin_pages_read_from_the_primary(rf, one_replica):
    assert answer(rf.get(reverse("admin:wiki_revision_changelist"))).content == b"primary"


@pytest.mark.parametrize(
    "shared_cache",
    [{"KOTOBA_PAGE_CACHE": True}, {"KOTOBA_SHARED_MAX_AGE": 60}],
    ids=["ours", "cdn"],
)
def test_a_page_a_shared_cache_may_keep_is_built_from_the_primary(
    rf, settings, one_replica, shared_cache
):
    pytest.importorskip("wiki.pagecache")
    for name, value in shared_cache.items():
        setattr(settings, name, value)
    assert answer(rf.get("/wiki/ntr/")).content == b"primary"
    signed_in = rf.get("/wiki/ntr/")
    signed_in.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session-key"
    assert answer(signed_in).content == b"replica1"  # never stored: the replica may build it


def test_a_request_that_wrote_marks_its_client_with_a_short_signed_cookie(rf, one_replica):
    response = answer(rf.post("/wiki/ntr/edit/"), writing(where_it_reads))
    cookie = response.cookies[COOKIE]
    assert cookie["max-age"] == settings.KOTOBA_READ_YOUR_WRITES_SECONDS == 10
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_a_get_that_wrote_marks_its_client_too_and_reads_from_the_primary_afterwards(
    rf, one_replica
):
    response = answer(rf.get("/accounts/confirm/x/"), writing(where_it_reads))
    assert response.content == b"primary"
    assert COOKIE in response.cookies


def test_a_post_that_wrote_nothing_sets_no_cookie(rf, one_replica):
    assert COOKIE not in answer(rf.post("/markdownx/markdownify/")).cookies


def test_the_cookie_sends_the_clients_next_pages_to_the_primary(rf, one_replica):
    cookie = answer(rf.post("/wiki/ntr/edit/"), writing(where_it_reads)).cookies[COOKIE].value
    request = rf.get("/wiki/ntr/")
    request.COOKIES[COOKIE] = cookie
    assert answer(request).content == b"primary"


@pytest.mark.parametrize(
    ("make_cookie", "reads_from"),
    [
        (lambda: signed_cookie(age=8), b"primary"),
        (lambda: signed_cookie(age=11), b"replica1"),  # expired, however long a browser keeps it
        (lambda: signed_cookie(salt="another-purpose"), b"replica1"),
        (lambda: "1", b"replica1"),
    ],
    ids=["eight-seconds-old", "eleven-seconds-old", "signed-for-something-else", "unsigned"],
)
def test_only_a_genuine_cookie_younger_than_the_limit_pins_the_client(
    rf, one_replica, make_cookie, reads_from
):
    request = rf.get("/wiki/ntr/")
    request.COOKIES[COOKIE] = make_cookie()
    assert answer(request).content == reads_from


def test_requests_in_threads_keep_their_own_choice(rf, one_replica):
    """Threads of one process (runserver, gunicorn's threaded workers) never see each other's
    choice: a write in one does not move the other, and neither leaks out."""
    both_inside = threading.Barrier(2, timeout=10)
    seen = {}

    def view(request):
        if request.method == "POST":
            router.db_for_write(Article)
        both_inside.wait()
        return HttpResponse(routers.replica_in_use() or "primary")

    def run(method):
        seen[method] = answer(getattr(rf, method)("/wiki/ntr/"), view).content

    threads = [threading.Thread(target=run, args=(method,)) for method in ("get", "post")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"get": b"replica1", "post": b"primary"}
    assert routers.replica_in_use() is None


def test_under_asgi_each_request_keeps_its_own_choice_in_async_and_sync_code(one_replica):
    """Two requests interleaved on one event loop; each also reads and writes from sync code
    run by sync_to_async, as Django runs the ORM, in another thread."""
    factory = RequestFactory()

    async def view(request):
        await asyncio.sleep(0.01)
        if request.method == "POST":
            await sync_to_async(router.db_for_write)(Article)
        in_async = routers.replica_in_use() or "primary"
        await asyncio.sleep(0.01)
        in_sync = await sync_to_async(routers.replica_in_use)() or "primary"
        return HttpResponse(f"{in_async} {in_sync}")

    async def both():
        middleware = ReadYourWritesMiddleware(view)
        return await asyncio.gather(
            middleware(factory.get("/wiki/ntr/")), middleware(factory.post("/wiki/ntr/"))
        )

    # In a thread of its own: a browser test's Playwright session may own this one's loop.
    with ThreadPoolExecutor(1) as thread:
        read, wrote = thread.submit(asyncio.run, both()).result()
    assert read.content == b"replica1 replica1"
    assert COOKIE not in read.cookies
    assert wrote.content == b"primary primary"
    assert COOKIE in wrote.cookies


# Against a real standby --------------------------------------------------------------------

REPLICA = settings.KOTOBA_READ_REPLICAS[0] if settings.KOTOBA_READ_REPLICAS else None


def _standby_problem() -> str:
    """Why the configured replica cannot serve these tests ("" when it can)."""
    if REPLICA is None:
        return "DATABASE_REPLICA_URLS is not set"
    params = settings.DATABASES[REPLICA]
    try:
        with psycopg.connect(
            host=params["HOST"],
            port=params["PORT"] or None,
            user=params["USER"],
            password=params["PASSWORD"] or None,
            dbname="postgres",  # the test database is made later, on the primary
            connect_timeout=3,
        ) as conn:
            in_recovery = conn.execute("select pg_is_in_recovery()").fetchone()[0]
    except psycopg.Error as exc:
        return f"the replica does not answer: {exc}".strip()
    return "" if in_recovery else "the replica is not a standby (pg_is_in_recovery() is false)"


_problem = _standby_problem()
if _problem and REPLICA is not None and os.environ.get("CI") == "true":
    pytest.fail(f"DATABASE_REPLICA_URLS is set but {_problem}", pytrace=False)
on_a_standby = [
    pytest.mark.replica,
    pytest.mark.skipif(bool(_problem), reason=_problem or "-"),
    pytest.mark.django_db(transaction=True, databases="__all__"),
]


def _replica_sql(sql: str, *params):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def caught_up(timeout: float = 15.0) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("select pg_current_wal_lsn()::text")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        try:
            if _replica_sql("select pg_last_wal_replay_lsn() >= %s::pg_lsn", target):
                return
        except OperationalError:  # the test database has not reached the standby yet
            connections[REPLICA].close()
        if time.monotonic() > deadline:
            raise AssertionError(f"the standby did not replay up to {target} in {timeout} s")
        time.sleep(0.05)


@contextmanager
def replica_lagging():
    """The standby stops replaying (everything written before is on it): what the primary
    writes inside the block is on the primary only, as under replication lag."""
    caught_up()
    _replica_sql("select pg_wal_replay_pause()")
    try:
        deadline = time.monotonic() + 10
        while _replica_sql("select pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "the standby did not pause its replay"
            time.sleep(0.02)
        yield
    finally:
        _replica_sql("select pg_wal_replay_resume()")
        caught_up()


def count_queries(client_call):
    """Run `client_call`; return its result and how many queries reached each server."""
    result, on_primary, on_replica = capture_queries(client_call)
    return result, len(on_primary), len(on_replica)


def capture_queries(client_call):
    """Run `client_call`; return its result and the SQL that reached each server."""
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        result = client_call()
    return result, [q["sql"] for q in on_primary], [q["sql"] for q in on_replica]


def replica_test(test):
    for mark in on_a_standby:
        test = mark(test)
    return test


@replica_test
def test_an_anonymous_page_is_read_from_the_standby_only(client):
    article = make_article("Standby reading", body="Served by the standby.")
    caught_up()
    response, on_primary, on_replica = count_queries(lambda: client.get(article.get_absolute_url()))
    assert response.status_code == 200
    assert "Served by the standby." in response.content.decode()
    assert (on_primary, on_replica > 0) == (0, True)


@replica_test
def test_what_the_standby_has_not_replayed_yet_is_not_on_anonymous_pages(client):
    with replica_lagging():
        article = make_article("Only on the primary")
        assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(article.get_absolute_url()).status_code == 200


@replica_test
def test_a_signed_in_reader_is_read_from_the_standby_too(client):
    reader = make_user(trust="new")
    article = make_article("Signed-in reading")
    client.force_login(reader)
    caught_up()
    response, on_primary, on_replica = capture_queries(
        lambda: client.get(article.get_absolute_url())
    )
    assert response.status_code == 200
    assert reader.username in response.content.decode()
    # Who the reader is comes from the primary (two lookups by key), the page from the standby.
    assert [sql.split(" FROM ")[1].split()[0] for sql in on_primary] == [
        '"django_session"',
        '"accounts_user"',
    ]
    assert any('"wiki_article"' in sql for sql in on_replica)


@replica_test
def test_a_save_writes_to_the_primary_and_reads_nothing_from_the_standby(client):
    editor = make_user(trust="autoconfirmed")
    article = make_article("Written on the primary", body="Before.")
    client.force_login(editor)
    caught_up()
    edit_url = reverse("article_edit", args=[article.slug])
    response, on_primary, on_replica = count_queries(
        lambda: client.post(edit_url, edit_form_data(article, body="After."))
    )
    assert response.status_code == 302
    assert (on_primary > 0, on_replica) == (True, 0)
    assert Article.objects.get(pk=article.pk).published_revision.body == "After."
    assert COOKIE in response.cookies


@replica_test
def test_an_editor_sees_their_own_edit_at_once_while_the_standby_lags(client):
    editor = make_user(trust="autoconfirmed")
    article = make_article("Read your writes", body="The old wording.")
    client.force_login(editor)
    url = article.get_absolute_url()
    with replica_lagging():
        response = client.post(
            reverse("article_edit", args=[article.slug]),
            edit_form_data(article, body="The freshly saved wording."),
        )
        assert response.status_code == 302
        assert "The freshly saved wording." in client.get(url).content.decode()
        # Meanwhile everyone else reads the standby, which has not replayed the edit...
        assert "The old wording." in Client().get(url).content.decode()
        # ...and so would the editor, but for the cookie.
        del client.cookies[COOKIE]
        assert "The old wording." in client.get(url).content.decode()
    assert "The freshly saved wording." in Client().get(url).content.decode()


@replica_test
def test_the_page_cache_keeps_nothing_built_from_a_lagging_standby(client, settings):
    pytest.importorskip("wiki.pagecache")
    settings.KOTOBA_PAGE_CACHE = True
    editor, reader = make_user(trust="autoconfirmed"), make_user(trust="new")
    article = make_article("Cached while lagging", body="The old wording.")
    client.force_login(editor)
    other = Client()
    other.force_login(reader)
    url = article.get_absolute_url()
    with replica_lagging():
        client.post(
            reverse("article_edit", args=[article.slug]),
            edit_form_data(article, body="The freshly saved wording."),
        )
        # Another signed-in reader reads the standby, which has not replayed the edit; the
        # article text it builds is not kept for others.
        assert "The old wording." in other.get(url).content.decode()
        # A page the page cache may keep (an anonymous reader's) is built from the primary,
        # then served from the cache without the database.
        anonymous = Client()
        assert "The freshly saved wording." in anonymous.get(url).content.decode()
        cached, on_primary, on_replica = count_queries(lambda: anonymous.get(url))
        assert "The freshly saved wording." in cached.content.decode()
        assert (on_primary, on_replica) == (0, 0)
        # The editor, reading from the primary, gets their own text.
        assert "The freshly saved wording." in client.get(url).content.decode()


@replica_test
def test_a_sign_in_holds_on_every_page_while_the_standby_lags(client):
    user = make_user("lagging-login", trust="new")
    article = make_article("Read while signed in")
    caught_up()
    with replica_lagging():
        response = client.post(
            reverse("login"), {"username": "lagging-login", "password": PASSWORD}
        )
        assert response.status_code == 302
        assert COOKIE in response.cookies
        assert client.get(reverse("account_settings")).status_code == 200
        # Even past the cookie, on pages read from the standby, the session (not replayed
        # there yet) is read from the primary: nobody is signed out by a lagging standby.
        del client.cookies[COOKIE]
        page = client.get(article.get_absolute_url())
        assert user.username in page.content.decode()
        assert "sessionid" not in page.cookies  # not deleted
    assert user.username in client.get(article.get_absolute_url()).content.decode()


@replica_test
def test_a_save_from_a_stale_form_builds_on_what_only_the_primary_has(client):
    author = make_user(trust="autoconfirmed")
    other = make_user(trust="autoconfirmed")
    article = make_article("Stale base", body="one\n\ntwo\n\nthree")
    client.force_login(author)
    form = edit_form_data(article, body="one\n\ntwo\n\nTHREE")  # loaded at revision 1
    with replica_lagging():
        edit(article, other, body="ONE\n\ntwo\n\nthree")  # revision 2, not replayed
        response = client.post(reverse("article_edit", args=[article.slug]), form)
        assert response.status_code == 302
    latest = Article.objects.get(pk=article.pk).published_revision
    assert latest.number == 3
    assert latest.body == "ONE\n\ntwo\n\nTHREE"  # merged with revision 2, nothing lost


@replica_test
def test_a_moderator_reviews_and_accepts_what_only_the_primary_has(client):
    moderator = make_user("desk-mod", trust="moderator")
    newbie = make_user(trust="new")
    article = make_article("Pending on the primary", body="Accepted text.")
    client.force_login(moderator)
    with replica_lagging():
        pending = edit(article, newbie, body="A newcomer's text.").revision
        assert pending.status == RevisionStatus.PENDING
        queue = client.get(reverse("admin:wiki_revision_changelist"))
        assert queue.status_code == 200
        assert f"/admin/wiki/revision/{pending.pk}/review/" in queue.content.decode()
        review_url = reverse("admin:wiki_revision_review", args=[pending.pk])
        review = client.get(review_url)
        assert review.status_code == 200
        assert "newcomer" in review.content.decode()
        decision = client.post(review_url, {"decision": "accept", "reason": ""})
        assert decision.status_code == 302
    pending.refresh_from_db()
    assert pending.status == RevisionStatus.ACCEPTED


@replica_test
def test_admin_pages_read_nothing_from_the_standby(client):
    client.force_login(make_user("admin-reader", trust="moderator"))
    make_article("Admin listing")
    caught_up()
    for name in ("admin:index", "admin:wiki_revision_changelist", "admin:wiki_article_changelist"):
        response, _, on_replica = count_queries(lambda name=name: client.get(reverse(name)))
        assert response.status_code == 200, name
        assert on_replica == 0, name


@replica_test
def test_code_outside_requests_and_inside_transactions_reads_the_primary():
    with replica_lagging():
        article = make_article("Fresh on the primary")
        author, values = article.created_by, revision_values(article.published_revision)
        exists = Article.objects.filter(pk=article.pk).exists
        assert exists()  # a command, the task worker, the shell
        with routers.replica_reads(REPLICA):
            assert not exists()  # a request's read: the standby lags
            with transaction.atomic():
                assert exists()
                assert Article.objects.select_for_update().filter(pk=article.pk).exists()
            # A service called while reads go to the standby locks and reads in its
            # transaction, so it builds on the primary's rows.
            outcome = save_edit(
                author=author,
                article=article,
                values={**values, "body": "Saved while reads went to the standby."},
                base_number=1,
                check_rate=False,
            )
        assert outcome.revision.number == 2
        assert outcome.published


@replica_test
def test_the_standby_refuses_writes():
    with pytest.raises(DatabaseError), connections[REPLICA].cursor() as cursor:
        cursor.execute("create table kotoba_should_not_exist (id int)")
