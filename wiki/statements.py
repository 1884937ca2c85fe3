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
and getting its SQL from `as_sql`: tests/test_statements.py compares every shape used here
with the plain queryset, so a Django upgrade that changes this fails there first.

Search keeps its own statement for the ranked query (wiki/search.py `_ranked_statement`),
which runs through a cursor: its stand-ins are the query's words.
"""

import copy
import functools
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections

KEPT = 512


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
