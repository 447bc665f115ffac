"""Test databases, migrated once per session.

Alembic runs once per test session. SQLite: on a template file, which each test gets a copy
of (SQLite's backup API, whatever the journal mode). PostgreSQL: on a database of the
session's own (a unique name, so parallel runs never meet), which is emptied before each
test: every row deleted, children first, and every sequence restarted, in one transaction
(about 10 ms; `CREATE DATABASE … TEMPLATE` per test measured 160-330 ms and TRUNCATE
100-200 ms on this machine, both for their fsyncs). Tests of the migrations themselves use
`fresh_database_url`, which migrates an empty database for real.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on the metadata)
from storage.db import upgrade

POSTGRES_ENV = "MICROSPACE_TEST_POSTGRES_URL"
#: a test that left a transaction open makes the next one fail, not hang
LOCK_TIMEOUT = "10s"
_TABLES = (
    "SELECT tablename FROM pg_tables "
    "WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
)
_SEQUENCES = (
    "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = current_schema()"
)
#: every database a test run makes starts with this, so a crashed run's leftovers are known
DATABASE_PREFIX = "microspace_test_"


def postgres_base_url() -> str | None:
    """The PostgreSQL server for the second leg, when `.ci/check` found one."""
    return os.environ.get(POSTGRES_ENV) or None


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def migrated_sqlite_template(directory: Path) -> Path:
    """A SQLite file Alembic brought to head (once per session)."""
    path = directory / "template.sqlite3"
    upgrade(sqlite_url(path))
    return path


def copy_sqlite(template: Path, directory: Path) -> str:
    """A copy of the template for one test; returns its URL."""
    path = directory / "test.sqlite3"
    source, target = sqlite3.connect(template), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return sqlite_url(path)


def _server(base_url: str) -> URL:
    return make_url(base_url).set(drivername="postgresql+psycopg")


def _admin(base_url: str, statement: str) -> None:
    """CREATE/DROP DATABASE, which cannot run inside a transaction."""
    engine = create_engine(_server(base_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def create_postgres_database(base_url: str, *, template: str | None = None) -> tuple[str, str]:
    """A new database (empty, or a copy of `template`); returns (its URL, its name)."""
    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    _admin(base_url, f'CREATE DATABASE "{name}"{copy}')
    url = _server(base_url).set(database=name)
    return url.render_as_string(hide_password=False), name


def migrated_postgres_database(base_url: str) -> tuple[str, str]:
    """A new database Alembic brought to head; returns (its URL, its name)."""
    url, name = create_postgres_database(base_url)
    upgrade(url)
    return url, name


def _children_first() -> list[str]:
    return [table.name for table in reversed(SQLModel.metadata.sorted_tables)]


def check_postgres_tables(url: str) -> None:
    """The tables to empty are the ones the migrations made (else emptying would miss one)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = set(connection.execute(text(_TABLES)).scalars())
    finally:
        engine.dispose()
    assert found == set(_children_first()), f"tables differ from the models: {found}"


def empty_postgres_database(url: str) -> None:
    """Delete every row (children first) and restart every sequence, in one transaction."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            for table in _children_first():
                connection.execute(text(f'DELETE FROM "{table}"'))
            for sequence in connection.execute(text(_SEQUENCES)).scalars():
                connection.execute(text("SELECT setval(:seq, 1, false)"), {"seq": sequence})
    finally:
        engine.dispose()


def drop_postgres_database(base_url: str, name: str) -> None:
    """Drop it, ending any session still connected (a killed bot's, say)."""
    _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
