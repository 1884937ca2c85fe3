"""Querysets compiled to SQL once per shape, then run with each request's values.

Building a queryset and compiling it costs Django ~0.5-1 ms of CPU for a query with a few
joins or subqueries: more than PostgreSQL takes to run it, and on the pages read most (an
article's related terms, a diff) the larger part of their cost with the caches off. Yet the
SQL only changes with the query's shape (which filters apply), never with the ids in it.

`build(*shape)` returns the queryset, using `stand_in(n)` wherever a request's own value goes
(an article's id, a revision number): ids no row has (negative), which reach the SQL as
parameters and are swapped for the real values at each run. `shape` must be hashable and
must hold everything else the SQL depends on (the reader's hidden tags, say); the compiled
statements are kept per process, at most `KEPT` of them.

Search keeps its own statement for the ranked query (wiki/search.py `_ranked_statement`),
which runs through a cursor: its stand-ins are the query's words.
"""

import functools

KEPT = 512


def stand_in(n: int) -> int:
    """The `n`th stand-in (from 0): a negative id."""
    return -1 - n


@functools.lru_cache(maxsize=KEPT)
def compiled(build, shape: tuple) -> tuple[str, tuple]:
    """The SQL and parameters of `build(*shape)`, compiled once."""
    return build(*shape).query.sql_with_params()


def raw(model, build, shape: tuple, values) -> list:
    """The rows of `build(*shape)` as `model` instances (annotations as attributes, columns the
    queryset leaves out deferred), with `values[n]` in place of `stand_in(n)`."""
    sql, params = compiled(build, shape)
    real = {stand_in(n): value for n, value in enumerate(values)}
    return list(model.objects.raw(sql, [_swapped(param, real) for param in params]))


def _swapped(param, real: dict):
    """`param`, or the value its stand-in stands for, of the same type: PostgreSQL's backend
    passes some integers wrapped (psycopg's `Int4(-2)`, an int subclass that says which SQL
    type it is). A bool equals 0 or 1, never a stand-in."""
    if isinstance(param, int) and param in real:
        return type(param)(real[param])
    return param
