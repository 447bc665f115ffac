"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

# python-telegram-bot 22 warns unless durations are opted into as timedelta (as in production).
os.environ.setdefault("PTB_TIMEDELTA", "true")

from storage.db import make_engine, session_scope, upgrade
from tests.databases import (
    create_postgres_schema,
    drop_postgres_schema,
    postgres_base_url,
    sqlite_url,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: every storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
        upgrade(url)
        yield url
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL leg skipped: MICROSPACE_TEST_POSTGRES_URL is not set")
    url, schema = create_postgres_schema(base)
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_schema(base, schema)


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    """A migrated SQLite database, for conversation tests (which exercise the handlers)."""
    url = sqlite_url(tmp_path)
    upgrade(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A unit of work that commits at the end of the test (or rolls back on failure)."""
    async with session_scope(engine) as session:
        yield session
