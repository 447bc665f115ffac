"""Test databases: a fresh SQLite file, or a fresh PostgreSQL schema, upgraded by Alembic."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "MICROSPACE_TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    """The PostgreSQL server for the second leg, when `.ci/check` found one."""
    return os.environ.get(POSTGRES_ENV) or None


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'test.sqlite3'}"


def create_postgres_schema(base_url: str) -> tuple[str, str]:
    """A new empty schema; returns (url whose search_path is that schema, schema name)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    sync = make_url(base_url).set(drivername="postgresql+psycopg")
    engine = create_engine(sync)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = sync.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop_postgres_schema(base_url: str, schema: str) -> None:
    engine = create_engine(make_url(base_url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
