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
    check_postgres_tables,
    copy_sqlite,
    create_postgres_database,
    drop_postgres_database,
    empty_postgres_database,
    migrated_postgres_database,
    migrated_sqlite_template,
    postgres_base_url,
    sqlite_url,
)

DATABASES = ["sqlite", "postgresql"]


def _postgres_or_skip() -> str:
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL leg skipped: MICROSPACE_TEST_POSTGRES_URL is not set")
    return base


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per session; every test gets a copy."""
    return migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this session's own, migrated once (its URL); emptied before each test."""
    base = _postgres_or_skip()
    url, name = migrated_postgres_database(base)
    check_postgres_tables(url)
    yield url
    drop_postgres_database(base, name)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: every storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
    _postgres_or_skip()
    url: str = request.getfixturevalue("postgres_database")
    empty_postgres_database(url)
    return url


@pytest.fixture(params=DATABASES)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database migrated by Alembic for this test alone (for tests of the migrations)."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "fresh.sqlite3")
        upgrade(url)
        yield url
        return
    base = _postgres_or_skip()
    url, name = create_postgres_database(base)
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_database(base, name)


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database, for conversation tests (which exercise the handlers)."""
    return copy_sqlite(sqlite_template, tmp_path)


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
