"""The import's own set-based SQL: a chunk's rows found by key, inserted, updated.

Finding is one index probe a key, whatever the statistics. The obvious
``WHERE key IN (...)`` goes wrong on PostgreSQL exactly when an import is largest: rows
inserted by the import's own transaction are not in the planner's statistics, so a
table loaded from empty looks tiny and the planner reads all of it (or all of the
trust's rows through the trust index) for every chunk: a 300,000-row load slowed as it
went, a million-row one would have been quadratic. ``unnest(keys) CROSS JOIN LATERAL
(... LIMIT 1)`` cannot be flattened into a hash join, so each key is one probe of the
unique index. SQLite has no arrays and needs no help: its planner takes the index that
matches every equality.

Inserting and updating on PostgreSQL pass one array a column to a single statement;
on SQLite one statement is prepared and run a row at a time, in process.

The SQL is built from table and column names the callers give as constants, and
placeholders; values always travel as parameters.
"""

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from django.db import connection, models

# Well under SQLite's limit on parameters in one statement (32,766 since 3.32).
MAX_PARAMS = 2000
# Rows in one bulk_create statement.
BULK_BATCH = 500
M = TypeVar("M", bound=models.Model)


def select_by_keys(
    *,
    table: str,
    keys: Sequence[tuple[str, str]],
    columns: Sequence[str],
    values: Sequence[tuple[Any, ...]],
) -> Iterator[tuple[str, list[Any]]]:
    """Statements ``(sql, params)`` selecting ``columns`` of the rows of ``table`` whose
    ``keys`` (column, PostgreSQL type) equal one of ``values``; each value at most once
    (the keys are unique)."""
    if not values:
        return
    quote = connection.ops.quote_name
    selected = ", ".join(f"{quote(table)}.{quote(column)}" for column in columns)
    names = [quote(column) for column, _ in keys]
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for _, kind in keys)
        match = " AND ".join(f"{quote(table)}.{name} = wanted.{name}" for name in names)
        yield (
            f"SELECT found.* FROM unnest({arrays}) AS wanted({', '.join(names)}) "  # noqa: S608
            f"CROSS JOIN LATERAL (SELECT {selected} FROM {quote(table)} WHERE {match} "
            "LIMIT 1) AS found",
            [list(column) for column in zip(*values, strict=True)],
        )
        return
    *fixed, varying = names
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for value in values:
        groups.setdefault(tuple(value[:-1]), []).append(value[-1])
    for prefix, last in groups.items():
        match = "".join(f"{name} = %s AND " for name in fixed)
        for start in range(0, len(last), MAX_PARAMS):
            batch = last[start : start + MAX_PARAMS]
            marks = ", ".join(["%s"] * len(batch))
            yield (
                f"SELECT {selected} FROM {quote(table)} "  # noqa: S608
                f"WHERE {match}{varying} IN ({marks})",
                [*prefix, *batch],
            )


def models_by_keys(model: type[M], **options: Any) -> list[M]:
    """Instances of ``model`` with only ``columns`` loaded (see ``select_by_keys``)."""
    found: list[M] = []
    for sql, params in select_by_keys(table=model._meta.db_table, **options):
        found.extend(model.objects.raw(sql, params))  # type: ignore[attr-defined]
    return found


def fetch_by_keys(**options: Any) -> list[tuple[Any, ...]]:
    """The rows ``select_by_keys`` describes, as tuples."""
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for sql, params in select_by_keys(**options):
            cursor.execute(sql, params)
            found.extend(cursor.fetchall())
    return found


def insert_rows(
    *,
    insert: str,
    rows: Sequence[tuple[Any, ...]],
    types: Sequence[str],
    conflict: str = "",
) -> None:
    """``insert`` (``INSERT INTO t (columns)``) each of ``rows``, values already in the
    database's form; ``types`` are the columns' PostgreSQL types."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement, an array a column: a statement a row, even pipelined, made
            # inserts the slowest part of a large import.
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            sql = f"{insert} SELECT * FROM unnest({arrays}) {conflict}"  # noqa: S608
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
            return
        # sqlite3 compiles the statement once and runs it a row at a time, in process.
        marks = ", ".join(["%s"] * len(types))
        cursor.executemany(f"{insert} VALUES ({marks}) {conflict}", list(rows))


def _column_fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    fields = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field) or not field.column:
            raise ValueError(f"{model._meta.label}.{name} is not a column.")
        fields.append(field)
    return fields


def _array_element_type(field: models.Field) -> str:
    """The column's type without its length (varchar(12) -> varchar): an explicit cast to
    varchar(12) cuts a longer value short in silence, where storing it into the column
    refuses it, as an ORM save would."""
    return re.sub(r"\(\d+(,\s*\d+)?\)", "", str(field.db_type(connection)))


def insert_per_id(
    *, into: type[models.Model], id_field: str, ids: Sequence[int], constants: dict[str, Any]
) -> None:
    """One row of ``into`` per id (in ``id_field``), the rest ``constants`` (converted by
    each field, as the ORM would store them): a chunk's history events in one go."""
    quote = connection.ops.quote_name
    fields = _column_fields(into, [id_field, *constants])
    columns = [quote(str(field.column)) for field in fields]
    types = [_array_element_type(field) for field in fields]
    prepared = tuple(
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields[1:], constants.values(), strict=True)
    )
    insert_rows(
        insert=f"INSERT INTO {quote(into._meta.db_table)} ({', '.join(columns)})",
        rows=[(pk, *prepared) for pk in ids],
        types=types,
    )


def update_rows(objects: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Save ``fields`` of each of ``objects`` (all of one model) by primary key, in one
    statement on PostgreSQL (``UPDATE ... FROM unnest(...)``) and one prepared statement
    run per row on SQLite. Django's ``bulk_update`` builds a CASE with a branch per row
    for every field, which the database evaluates row by row: quadratic in the batch, it
    took minutes for 100,000 changed bookings."""
    if not objects:
        return
    model = type(objects[0])
    quote = connection.ops.quote_name
    primary = model._meta.pk
    if primary is None:
        raise ValueError(f"{model._meta.label} has no primary key.")
    concrete = _column_fields(model, [primary.name, *fields])
    columns = [quote(str(field.column)) for field in concrete]
    rows = [
        tuple(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in concrete)
        for obj in objects
    ]
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{_array_element_type(field)}[]" for field in concrete)
            assignments = ", ".join(f"{column} = new.{column}" for column in columns[1:])
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest({arrays}) "  # noqa: S608
                f"AS new({', '.join(columns)}) WHERE {table}.{columns[0]} = new.{columns[0]}",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        assignments = ", ".join(f"{column} = %s" for column in columns[1:])
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE {columns[0]} = %s",  # noqa: S608
            [(*row[1:], row[0]) for row in rows],
        )


def insert_new(objects: Sequence[models.Model]) -> None:
    """Insert ``objects`` (new, all of one model) and set their primary keys.

    On PostgreSQL one ``INSERT ... SELECT * FROM unnest(...) RETURNING`` of the values
    as the instances hold them: ``bulk_create`` passes every value of every row through
    its insert compiler, and at 100,000 bookings and their patients that was a fifth of
    an import's time. The row parser has already made each value what its column holds
    (aware datetimes, dates, strings, ids); JSON is encoded here, and ``auto_now`` fields
    are stamped by their own ``pre_save`` as the ORM would. Elsewhere ``bulk_create``.
    """
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BULK_BATCH)  # type: ignore[attr-defined]
        return
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    stamped = [field for field in fields if getattr(field, "auto_now", False)]
    stamped += [field for field in fields if getattr(field, "auto_now_add", False)]
    encoded = {field.attname for field in fields if isinstance(field, models.JSONField)}
    columns: list[list[Any]] = [[] for _ in fields]
    for obj in objects:
        for field in stamped:
            field.pre_save(obj, add=True)
        for index, field in enumerate(fields):
            value = getattr(obj, field.attname)
            columns[index].append(json.dumps(value) if field.attname in encoded else value)
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(field.column)) for field in fields)
    arrays = ", ".join(f"%s::{_array_element_type(field)}[]" for field in fields)
    primary = quote(str(meta.pk.column))  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({names}) "  # noqa: S608
            f"SELECT * FROM unnest({arrays}) RETURNING {primary}",
            columns,
        )
        # In the order of unnest's rows, as Django's own bulk_create relies on.
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
