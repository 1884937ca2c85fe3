"""Inserting many rows of one model at once, for the importer.

``insert(Model, rows)`` takes rows as {field attname: value} and writes them in one go:
``bulk_create`` in general; on PostgreSQL a ``COPY``, which skips building a model instance
and an SQL literal per value (the importer's writing was mostly that). Fields a row leaves
out get the field's default, as a model instance would. With ``ids=True`` it returns the new
primary keys in order (on PostgreSQL drawn from the table's sequence first).

``update(Model, {pk: {field: value}})`` sets a value per row in one statement, without the
Python-side expression building of ``bulk_update``.
"""

from __future__ import annotations

from django.db import connection


def insert(model, rows: list[dict], *, ids: bool = False) -> list[int]:
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, rows, ids)
    objects = [model(**row) for row in rows]
    model.objects.bulk_create(objects)
    return [obj.pk for obj in objects] if ids else []


def _copy(model, rows: list[dict], ids: bool) -> list[int]:
    meta = model._meta
    pk = meta.pk
    given = rows[0].keys()
    numbered = pk.attname not in given  # the table numbers its rows (an identity column)
    fields = [f for f in meta.concrete_fields if f is not pk or not numbered]
    keys = _next_ids(meta.db_table, pk.column, len(rows)) if numbered and ids else []
    if keys:
        fields.insert(0, pk)
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in given}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for number, row in enumerate(rows):
            values = {**defaults, **row, **({pk.attname: keys[number]} if keys else {})}
            copy.write_row([f.get_db_prep_save(values[f.attname], connection) for f in fields])
    if not ids:
        return []
    return keys or [row[pk.attname] for row in rows]


def _next_ids(table: str, column: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def update(model, changes: dict[int, dict]) -> None:
    """Set fields of many rows, each to its own value, by primary key: {pk: {attname:
    value}}, the same fields for every row. One UPDATE per 500 rows (a CASE per field)."""
    meta, quote = model._meta, connection.ops.quote_name
    names = list(next(iter(changes.values()), {}))
    keys = list(changes)
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        settings, params = [], []
        for name in names:
            field = meta.get_field(name)
            cases = " ".join(["WHEN %s THEN %s"] * len(part))
            for key in part:
                params += [key, field.get_db_prep_save(changes[key][name], connection)]
            cast = field.db_type(connection)
            settings.append(
                f"{quote(field.column)} = CAST(CASE {quote(meta.pk.column)} {cases} END AS {cast})"
            )
        params += part
        marks = ", ".join(["%s"] * len(part))
        # Only the model's own (quoted) table and column names are put in the text; every
        # value is a parameter.
        statement = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(settings)} "  # noqa: S608
            f"WHERE {quote(meta.pk.column)} IN ({marks})"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
