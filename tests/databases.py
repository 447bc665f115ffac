"""Test databases, migrated once per session and copied for each test.

Alembic runs once per test session on a template: a SQLite file, and (for the PostgreSQL
leg) a database of its own. Each test then gets a copy: SQLite's backup API copies the file
(whatever its journal mode), PostgreSQL makes `CREATE DATABASE … TEMPLATE` (a file-level
copy, no migration replayed). Tests of the migrations themselves use `fresh_*`, which
migrate an empty database for real.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from storage.db import upgrade

POSTGRES_ENV = "MICROSPACE_TEST_POSTGRES_URL"
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


def migrated_postgres_template(base_url: str) -> str:
    """A database Alembic brought to head (once per session); returns its name.

    Nothing may stay connected to it: `CREATE DATABASE … TEMPLATE` refuses a template in use.
    """
    url, name = create_postgres_database(base_url)
    upgrade(url)  # disposes its engine when done
    return name


def drop_postgres_database(base_url: str, name: str) -> None:
    """Drop it, ending any session still connected (a killed bot's, say)."""
    _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
