"""A fresh database for each phase: a SQLite file, or a PostgreSQL schema of its own.

Each is migrated by Alembic and gets the example communities, as `microspace demo` does.
A PostgreSQL schema is dropped afterwards, so runs never see each other's rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.demo import EXAMPLE_COMMUNITIES
from storage.communities import import_communities, read_communities_file
from storage.db import make_engine, session_scope, upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


async def _fill(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with session_scope(engine) as session:
            items = read_communities_file(EXAMPLE_COMMUNITIES)
            await import_communities(session, items=items)
    finally:
        await engine.dispose()


def _sync_url(base_url: str) -> str:
    return make_url(base_url).set(drivername="postgresql+psycopg").render_as_string(False)


def _run_sql(base_url: str, statement: str) -> None:
    engine = create_engine(_sync_url(base_url))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def postgres_problem(base_url: str) -> str | None:
    """Why the PostgreSQL configuration cannot run here, or None if it can."""
    try:
        _run_sql(base_url, "SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means: skip the configuration
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        where = make_url(base_url).render_as_string()
        return f"PostgreSQL at {where} is not reachable ({first_line})"
    return None


def postgres_version(base_url: str) -> str | None:
    engine = create_engine(_sync_url(base_url))
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one())
    except Exception:  # noqa: BLE001 - only for the record
        return None
    finally:
        engine.dispose()


@asynccontextmanager
async def fresh_sqlite(directory: Path) -> AsyncIterator[str]:
    url = f"sqlite+aiosqlite:///{directory / 'bench.sqlite3'}"
    await _fill(url)
    yield url


@asynccontextmanager
async def fresh_postgres(base_url: str) -> AsyncIterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    await asyncio.to_thread(_run_sql, base_url, f'CREATE SCHEMA "{schema}"')
    try:
        url = make_url(_sync_url(base_url)).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        rendered = url.render_as_string(hide_password=False)
        await _fill(rendered)
        yield rendered
    finally:
        await asyncio.to_thread(_run_sql, base_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
