"""The bench's own database: created on first use, never one the product runs on."""

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit("BENCH_DATABASE_URL must name a database")
    server = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(server, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        raise SystemExit(
            f"The bench needs PostgreSQL and could not reach it at {parts.hostname}:"
            f"{parts.port or 5432} ({error}). Start it, or set BENCH_DATABASE_URL."
        ) from None


def drop_database(url: str) -> None:
    parts = urlsplit(url)
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(parts.path.lstrip("/"))
            )
        )
