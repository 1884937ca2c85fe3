"""Reads from PostgreSQL streaming replicas, everything else from the primary.

Active only when DATABASE_REPLICA_URLS names replicas (settings add this router then). The rule,
explained for operators in docs/deployment.md ("Read-your-writes"):

- Reads go to a replica only inside `replica_reads(alias)`, which
  `config.middleware.ReadYourWritesMiddleware` opens for a safe request (GET, HEAD, OPTIONS)
  that is not for the admin and whose client has not written anything in the last few seconds.
  Everything else reads from the primary: other requests, management commands, the task worker,
  the shell, tests. Forgetting to ask for a replica costs speed; it never shows stale data.
- Even there, a read goes to the primary while the primary's connection is inside
  `transaction.atomic` (the services lock rows and re-read them in one), and for the rest of the
  request once the request has written anything.
- Sessions and accounts are always read from the primary: who someone is must never lag. A
  session the replica has not replayed yet looks like no session, and Django then deletes the
  visitor's session cookie (signed out); a session newer than its user row fails Django's
  password-hash check and is flushed. Anonymous readers, most of the traffic, have neither.
- Writes go to the primary, and so do querysets Django marks for writing: `select_for_update`,
  `get_or_create`, `update_or_create`. Migrations run on the primary only.

The state lives in a context variable: each thread and each asyncio task has its own, and
`sync_to_async` hands it to the thread that runs the sync code. One replica serves a whole
request, so a page never mixes two replicas that lag by different amounts.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


@dataclass
class Reads:
    """Where this request's reads go (`replica`: an alias, or None for the primary), and
    whether it has written (then the rest of it reads from the primary)."""

    replica: str | None
    wrote: bool = False


_reads: ContextVar[Reads | None] = ContextVar("kotoba_reads", default=None)


@contextmanager
def replica_reads(replica: str | None) -> Iterator[Reads]:
    """Send reads inside the block to `replica` (None: the primary), within the rules above."""
    state = Reads(replica)
    token = _reads.set(state)
    try:
        yield state
    finally:
        _reads.reset(token)


def primary_only() -> set[str]:
    return {"sessions.session", settings.AUTH_USER_MODEL.lower()}


def replica_in_use() -> str | None:
    """The replica a read made here and now would go to, or None for the primary."""
    state = _reads.get()
    if state is None or state.replica is None:
        return None
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    return state.replica


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.label_lower in primary_only():
            return DEFAULT_DB_ALIAS
        # Always an answer: without one Django would follow the instance hint, which for an
        # object loaded from a replica is that replica, inside a write path too.
        return replica_in_use() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        state = _reads.get()
        if state is not None:
            state.wrote = True
            state.replica = None
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        same_data = {DEFAULT_DB_ALIAS, *settings.KOTOBA_READ_REPLICAS}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
