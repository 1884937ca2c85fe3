"""Querysets compiled to SQL once per shape, then run with each request's values.

Building a queryset and compiling it costs Django ~0.5-1 ms of CPU for a query with a few
joins or subqueries: more than PostgreSQL takes to run it, and on the pages read most (an
article, its related terms, a diff) the larger part of their cost with the caches off. Yet the
SQL only changes with the query's shape (which filters apply), never with the values in it.

`build(*shape)` returns the queryset, using a stand-in wherever a request's own value goes:
`stand_in(n)` for an id or a number (negative: no row has it), `text_stand_in(n)` for a text
(it holds a NUL, which no URL, form or row here lets through). They reach the SQL as
parameters and are swapped for `values[n]` at each run. `shape` must be hashable and must hold
everything else the SQL depends on (the reader's hidden tags, say); the compiled statements are
kept per process and database alias, at most `KEPT` of them.

`fetch` gives what `list(queryset)` would: model instances with their `select_related`
objects, annotations, deferred fields and `prefetch_related` lookups. It reuses the compiler
of the first run (its SQL, and the column map that turns rows into objects), so it leans on
Django's compiler keeping those as attributes (`select`, `klass_info`, `annotation_col_map`)
and getting its SQL from `as_sql`: tests/test_statements.py compares the article look-up's
shapes with the plain queryset (tests/test_search.py does the same for the ranked search), so
a Django upgrade that changes this fails there first.

PostgreSQL can go one step further and plan a statement once per connection: within
`plans_reused()` psycopg prepares a statement on its fifth run. Only look-ups by a unique key
run there (the reader's session and account and the article, in `access.with_article`):
everywhere else each run is planned for its own values, because one plan for every value
cannot tell a common search word, tag or long history from a rare or short one.
"""

import copy
import functools
from contextlib import ExitStack, contextmanager
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections

KEPT = 512
PREPARE_AFTER = 5  # runs of one statement on one connection before psycopg prepares it


def stand_in(n: int) -> int:
    """The `n`th stand-in (from 0) for an id or a number: a negative one."""
    return -1 - n


def text_stand_in(n: int) -> str:
    """The `n`th stand-in (from 0) for a text."""
    return f"\x00stand-in-{n}\x00"


class Prepared(NamedTuple):
    queryset: object
    compiler: object  # after as_sql(): knows the columns and how rows become objects
    sql: str | None  # None: the shape matches nothing (Django found an empty IN list, say)
    params: tuple


@functools.lru_cache(maxsize=KEPT)
def _built(build, shape: tuple):
    return build(*shape)


@functools.lru_cache(maxsize=KEPT)
def prepared(build, shape: tuple, alias: str) -> Prepared:
    """`build(*shape)` compiled once for the database `alias`."""
    queryset = _built(build, shape)
    compiler = queryset.query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        sql, params = None, ()
    return Prepared(queryset, compiler, sql, tuple(params))


def fetch(build, shape: tuple, values) -> list:
    """The objects of `build(*shape)` with `values[n]` in place of stand-in `n`, from the
    database the routers pick for it now."""
    alias = _built(build, shape).db
    queryset, compiler, sql, params = prepared(build, shape, alias)
    if sql is None:
        return []
    real = {}
    for n, value in enumerate(values):
        real[stand_in(n)] = value
        real[text_stand_in(n)] = value
    run_params = tuple(_swapped(param, real) for param in params)
    ready = copy.copy(compiler)  # each run its own: nothing it sets reaches the next one
    ready.connection = connections[alias]  # this thread's connection (they are per thread)
    ready.as_sql = lambda *args, **kwargs: (sql, run_params)
    run = queryset._chain()
    run.query.get_compiler = lambda *args, **kwargs: ready
    return list(run)


def clear() -> None:
    """Forget every compiled statement (tests that count compilations start from here)."""
    _built.cache_clear()
    prepared.cache_clear()


def _swapped(param, real: dict):
    """`param`, or the value its stand-in stands for. PostgreSQL's backend passes some
    integers wrapped (psycopg's `Int4(-2)`, an int subclass that says which SQL type it is):
    the value keeps that type. A bool equals 0 or 1, never a stand-in."""
    if isinstance(param, bool) or not isinstance(param, (int, str)) or param not in real:
        return param
    if isinstance(param, int):
        return type(param)(real[param])
    return real[param]


# --- plans kept for look-ups by unique key ------------------------------------------------


@contextmanager
def plans_reused():
    """Within: on PostgreSQL (with the server-side binding config.settings turns on), each
    statement is prepared on its fifth run on a connection, and PostgreSQL may keep one plan
    for it whatever the values. Only for look-ups by a unique key, where one plan suits every
    value; everywhere else each run is planned for its own values (a history's page of
    revisions, kept in a plan made without the article, took 29 ms instead of 1 for an
    article with 10,000 revisions)."""
    with ExitStack() as stack:
        for alias in connections:
            connection = connections[alias]
            if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
                stack.enter_context(connection.execute_wrapper(_preparing))
        yield


def _preparing(execute, sql, params, many, context):
    driver = context["connection"].connection  # psycopg's connection, open by now
    driver.prepare_threshold = PREPARE_AFTER
    try:
        return execute(sql, params, many, context)
    finally:
        driver.prepare_threshold = None
