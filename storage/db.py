"""Engine, the unit of work per update, and schema upgrades through Alembic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_loop
from storage.pg_ping import ping_when_the_server_spoke

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _prepare_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> AsyncEngine:
    """An async engine for `sqlite+aiosqlite://` or `postgresql+psycopg://` URLs.

    SQLite runs in the event loop's thread over one connection (storage/sqlite_loop.py says
    why and what holds it); PostgreSQL through psycopg's own async connections, each checked
    as it leaves the pool (storage/pg_ping.py).
    """
    _prepare_sqlite_dir(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A server connection can go stale (restarts, idle timeouts): checked before use,
        # pinged when its socket says the server may have closed it (storage/pg_ping.py).
        server = create_async_engine(url)
        ping_when_the_server_spoke(server)
        return server
    engine = create_async_engine(
        url,
        async_creator=partial(sqlite_loop.connect, parsed.database or ":memory:"),
        poolclass=AsyncAdaptedQueuePool,
        pool_size=1,
        max_overflow=0,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


@dataclass(frozen=True)
class _Held:
    """A read-only unit of work that the task's next `session_scope` continues."""

    engine: AsyncEngine
    session: AsyncSession
    task: asyncio.Task[object] | None


_held: ContextVar[_Held | None] = ContextVar("microspace_held_unit", default=None)


def open_session(engine: AsyncEngine) -> AsyncSession:
    """A session as every unit of work has one: what it loaded stays readable after it ends."""
    return AsyncSession(engine, expire_on_commit=False)


def hold(engine: AsyncEngine, session: AsyncSession) -> None:
    """Keep `session`, which has only read, open for this task's next `session_scope` on
    `engine`: an update's first read and its step then share one transaction. What it loaded
    is expunged first, so the unit it joins starts as a fresh session does (its rollback
    leaves those objects as they were read). Until then the task holds a database connection,
    so whoever holds one ends it (`release_held`) before anything but the database is awaited:
    the bot does before each Bot API request and at the end of each update (bot/update_unit.py,
    tests/conversation/test_held_unit.py). A task holds one read at a time."""
    if holding():
        raise RuntimeError("this task already holds a unit of work")
    session.expunge_all()
    _held.set(_Held(engine, session, asyncio.current_task()))


def _own_held() -> _Held | None:
    """The read this task holds: not one of a parent task's, seen through a copied context."""
    held = _held.get()
    return held if held is not None and held.task is asyncio.current_task() else None


def _take_held(engine: AsyncEngine) -> AsyncSession | None:
    held = _own_held()
    if held is None or held.engine is not engine:
        return None
    _held.set(None)
    return held.session


async def release_held() -> None:
    """End this task's held read, if it has one, and give its connection back to the pool.

    It only read, so COMMIT ends it as ROLLBACK would; but psycopg forgets every prepared
    statement of a connection on ROLLBACK (and deallocates them on the server), after which
    each statement is parsed and planned anew for its next five runs: releasing a photo's read
    by rolling back doubled the server's CPU per update (benchmarks/README.md;
    tests/storage/test_held_read.py, `test_release_keeps_the_prepared_statements`)."""
    held = _own_held()
    if held is None:
        return
    _held.set(None)
    try:
        await held.session.commit()
    finally:
        await held.session.close()


def holding() -> bool:
    """Whether this task holds a read open."""
    return _own_held() is not None


@asynccontextmanager
async def session_scope(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits when the block ends, rolls back when it raises. It continues
    the read this task holds on `engine`, if any (`hold`)."""
    async with _take_held(engine) or open_session(engine) as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def sync_url(url: str) -> str:
    """The same database for Alembic's synchronous connection."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite")
    return parsed.render_as_string(hide_password=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision` (blocking; call before the event loop or in a thread)."""
    _prepare_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
