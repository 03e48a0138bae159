"""One module per kind of work: what is timed, its floor, and how the data is put back
between runs so that every run does the same work."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from ..dataset import Dataset


@dataclass(frozen=True)
class Context:
    dataset: Dataset
    runs: int
    work_dir: Path
    database_url: str
    broker_url: str
    settings_module: str


def sql(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> int:
    """Run one statement; how many rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def vacuum(*tables: str) -> None:
    """Clear what earlier runs' updates left behind, so each run meets the same tables."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
