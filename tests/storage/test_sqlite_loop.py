"""SQLite in the event loop's thread (storage/sqlite_loop.py): what it promises, tested."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import sqlite_loop
from storage.db import make_engine, session_scope, upgrade
from storage.people import get_or_create_person
from tests.factories import NOW


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncEngine:
    url = f"sqlite+aiosqlite:///{tmp_path / 'loop.sqlite3'}"
    upgrade(url)
    return make_engine(url)


async def test_every_call_runs_in_the_loop_thread(sqlite_engine: AsyncEngine) -> None:
    threads_before = threading.active_count()
    async with session_scope(sqlite_engine) as session:
        await get_or_create_person(session, telegram_id=5, first_name="Wu", locale="zh", now=NOW)
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
    assert threading.active_count() == threads_before, "no worker thread was started"
    assert isinstance(driver, sqlite_loop.LoopConnection), type(driver)
    # sqlite3 itself refuses the connection from any other thread: nothing can slip there
    with pytest.raises(sqlite3.ProgrammingError, match="thread"):
        await asyncio.to_thread(driver._conn.execute, "SELECT 1")
    await sqlite_engine.dispose()


async def test_a_unit_of_work_that_yields_does_not_stall_another(
    sqlite_engine: AsyncEngine,
) -> None:
    """A unit of work that holds SQLite's write lock across a pause: the other one waits for
    the engine's one connection, without blocking the loop, and then writes. With a second
    connection it would wait for the lock inside the loop (busy_timeout, 5 s) and fail."""
    first_wrote = asyncio.Event()

    async def slow_writer() -> None:
        async with session_scope(sqlite_engine) as session:
            await get_or_create_person(session, telegram_id=1, first_name="A", locale="zh", now=NOW)
            await session.flush()
            first_wrote.set()
            await asyncio.sleep(0.2)  # the write lock is held meanwhile

    async def other_writer() -> float:
        await first_wrote.wait()
        started = time.perf_counter()
        async with session_scope(sqlite_engine) as session:
            await get_or_create_person(session, telegram_id=2, first_name="B", locale="zh", now=NOW)
        return time.perf_counter() - started

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    _, waited = await asyncio.gather(slow_writer(), other_writer())
    ticking.cancel()
    assert waited < 2, "the second unit of work waited for the first, not for busy_timeout"
    assert ticks >= 10, "the loop kept running while the second unit of work waited"
    async with session_scope(sqlite_engine) as session:
        count = (await session.exec(text("SELECT count(*) FROM person"))).one()  # type: ignore[call-overload]
    assert count == (2,)
    await sqlite_engine.dispose()


async def test_a_closed_connection_refuses_work(tmp_path: Path) -> None:
    connection = await sqlite_loop.connect(str(tmp_path / "closed.sqlite3"))
    cursor = await connection.execute("SELECT 1")
    assert [tuple(row) for row in await cursor.fetchall()] == [(1,)]
    await connection.close()
    with pytest.raises(ValueError, match="no active connection"):
        await connection.execute("SELECT 1")
