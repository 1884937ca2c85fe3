"""Queueing a task once the current transaction commits, the one way the site does it: a
change that rolls back queues nothing, and a task queue that is down is logged, never turned
into an error for the request that asked (the change stands; only its side effect is lost)."""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, what: str, **kwargs) -> None:
    """Enqueue `task(**kwargs)` after commit (at once outside a transaction); `what` names
    it in the log if the queue cannot take it."""
    transaction.on_commit(partial(_enqueue, task, what, kwargs), robust=True)


def _enqueue(task, what: str, kwargs: dict) -> None:
    try:
        task.enqueue(**kwargs)
    except Exception:  # the task queue itself is down: say so, the request carries on
        logger.exception("Could not queue %s", what)
