import os

import pytest
from django.core.cache import cache
from django.db import connection, transaction

# Playwright runs an event loop in the test thread; the ORM calls in browser tests are
# synchronous set-up code, which Django would otherwise refuse there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "module_transaction"}


@pytest.fixture(autouse=True)
def _tag_counts_stay_true(request):
    """After every test that used the database, each tag's stored `article_count` is what
    counting the articles gives: whatever path a test took (publish, review, delete,
    restore, merge, import, the admin), no count was left behind. (Not after a test that
    pointed the connection at another database: its monkeypatch is undone only after this.)"""
    uses_database = request.node.get_closest_marker("django_db") or (
        _DATABASE_FIXTURES & set(request.fixturenames)
    )
    if not uses_database:
        yield
        return
    request.getfixturevalue("_django_db_helper")  # torn down after this check
    database = connection.settings_dict["NAME"]
    yield
    if connection.settings_dict["NAME"] != database:
        return
    from wiki.tagcounts import stale_counts

    assert stale_counts() == [], "tag counts out of step: (name, stored, true)"


class _FixedClock:
    """Rate limits count in fixed windows (a minute, an hour): a test that runs across a
    window's edge would see its count reset. Tests run inside one window of a fixed clock."""

    @staticmethod
    def time():
        return 1_800_000_000.0


@pytest.fixture(autouse=True)
def _rate_limit_clock(monkeypatch):
    monkeypatch.setattr("accounts.ratelimit.time", _FixedClock)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits are counted in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def moderator(db):
    from tests.factories import make_user

    return make_user("mod", trust="moderator")


@pytest.fixture
def autoconfirmed(db):
    from tests.factories import make_user

    return make_user("trusted", trust="autoconfirmed")


@pytest.fixture
def newbie(db):
    from tests.factories import make_user

    return make_user("newbie", trust="new")


@pytest.fixture
def unconfirmed(db):
    from tests.factories import make_user

    return make_user("unconfirmed", trust="unconfirmed")


@pytest.fixture
def blocked(db, moderator):
    from tests.factories import make_user
    from wiki.moderation import block_user

    user = make_user("blocked", trust="autoconfirmed")
    block_user(user=user, moderator=moderator, reason="Vandalism")
    return user


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """A transaction around a whole test module, as Django's TestCase.setUpTestData keeps one
    around a class: what module-scoped fixtures make inside it is seen by every test of the
    module, each test's own changes still roll back (its transaction becomes a savepoint), and
    the module's data rolls back at its end. Build inside `django_db_blocker.unblock()`, and
    hand tests fresh copies (primary keys, not model instances that a test could change).
    Not for transaction=True tests."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
