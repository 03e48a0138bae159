"""Set-based writes the ORM cannot express: INSERT ... SELECT (optionally ON CONFLICT).

Bulk work ("every booking in this strike") must be one statement in the database, not a
Python loop over rows. These helpers take a queryset as the SELECT, so the filtering
stays in the ORM and scoping rules apply, and produce SQL that PostgreSQL and SQLite
both accept.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models


def insert_select(
    *,
    into: type[models.Model],
    select: models.QuerySet,
    columns: Mapping[str, str],
    constants: Mapping[str, Any] | None = None,
    ignore_conflicts: bool = False,
) -> int:
    """Insert one row into ``into`` per row of ``select``; return how many were inserted.

    ``select`` is a ``values()`` queryset; ``columns`` maps each target field name to one
    of its keys. ``constants`` gives the same value to every row (converted by the
    target field, so UUIDs, JSON and datetimes are stored as the ORM would store them).
    With ``ignore_conflicts`` rows that would break a unique constraint are skipped,
    which is what makes re-running a bulk step change nothing.
    """
    constants = dict(constants or {})
    meta = into._meta
    try:
        select_sql, select_params = select.query.sql_with_params()
    except EmptyResultSet:  # the ORM knows without asking the database: nothing to insert
        return 0
    target_columns: list[str] = []
    select_list: list[str] = []
    params: list[Any] = []
    quote = connection.ops.quote_name
    for field_name, source_key in columns.items():
        _, column = _insertable(meta, field_name)
        target_columns.append(quote(column))
        select_list.append(f"source.{quote(source_key)}")
    for field_name, value in constants.items():
        field, column = _insertable(meta, field_name)
        target_columns.append(quote(column))
        select_list.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(target_columns)}) "
        f"SELECT {', '.join(select_list)} FROM ({select_sql}) AS source"
    )
    if ignore_conflicts:
        # SQLite needs a WHERE before ON CONFLICT to tell it from a join's ON.
        sql += " WHERE 1 = 1 ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *select_params])
        return cursor.rowcount


def _insertable(meta: Any, name: str) -> tuple[models.Field, str]:
    """The field called ``name`` and its column, refusing relations that have no column."""
    field = meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{meta.label}.{name} is not a column and cannot be inserted into.")
    return field, field.column


def lock_rows(queryset: models.QuerySet) -> None:
    """Lock the rows of ``queryset`` until the transaction ends, without fetching them.

    PostgreSQL takes row locks (FOR UPDATE) so concurrent writers queue behind us.
    SQLite needs nothing: its transactions begin IMMEDIATE and hold the database's single
    write lock already.
    """
    if connection.vendor != "postgresql":
        return
    try:
        sql, params = queryset.values("pk").query.sql_with_params()
    except EmptyResultSet:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql} FOR UPDATE) AS locked", params)


def refresh_planner_statistics(*models_: type[models.Model]) -> None:
    """ANALYZE these tables on PostgreSQL (a no-op elsewhere).

    After a bulk load inside one transaction, autovacuum has not yet seen the new rows,
    and the planner may still think a table nearly empty: it then picks nested loops
    that turn a one-second UPDATE over a strike into many minutes. ANALYZE counts the
    transaction's own new rows, so calling it right after the load fixes the plan.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models_)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


@contextmanager
def commits_not_waiting_for_disk() -> Iterator[None]:
    """For the block, PostgreSQL acknowledges a commit before its WAL reaches the disk
    (``synchronous_commit = off``); a no-op elsewhere.

    Only for work that is safe to repeat: a commit still survives the client dying, and
    only a crash of the database server itself within a fraction of a second can lose
    it, which then looks as if the work had not been done. In exchange a small commit
    costs a round trip instead of a disk flush, which is most of its cost.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        _reset_synchronous_commit()


def _reset_synchronous_commit() -> None:
    """Put the session's setting back; a connection that cannot take it is closed, so it
    never returns to the pool still not waiting for the disk."""
    if connection.connection is None:
        return
    try:
        if connection.in_atomic_block and connection.needs_rollback:
            raise RuntimeError("the transaction is failing")
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
    except Exception:  # any failure here must not hide the block's own exception
        connection.close()
