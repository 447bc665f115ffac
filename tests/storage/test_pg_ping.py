"""PostgreSQL's pooled connections: pinged only when the server may have ended them
(storage/pg_ping.py), and never handed out dead."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from storage.db import make_engine, session_scope


async def _backend_pid(engine: AsyncEngine) -> int:
    """One unit of work; the server process that served it."""
    async with session_scope(engine) as session:
        return int((await session.exec(select(func.pg_backend_pid()))).one())


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _terminate(url: str, pid: int) -> None:
    """End a server process from outside, and wait until the server has let it go."""
    with psycopg.connect(_libpq_url(url), autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        for _ in range(100):
            row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
            if row.fetchone() == (0,):
                return
            await asyncio.sleep(0.05)
    raise AssertionError(f"server process {pid} is still there")


def _count_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    dialect = engine.sync_engine.dialect
    real = dialect.do_ping
    pings: list[int] = []

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


async def test_a_healthy_connection_goes_out_without_a_round_trip(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(postgres_database)
    pings = _count_pings(engine, monkeypatch)
    pids = {await _backend_pid(engine) for _ in range(5)}
    assert len(pids) == 1, "one pooled connection served all five"
    assert pings == [], "a connection the server said nothing on is not pinged"
    await engine.dispose()


async def test_a_connection_the_server_ended_is_replaced_before_use(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ends the pooled connection (as a restart would): the next unit of work
    gets a new one, and no error reaches it."""
    engine = make_engine(postgres_database)
    pings = _count_pings(engine, monkeypatch)
    first = await _backend_pid(engine)
    await _terminate(postgres_database, first)
    second = await _backend_pid(engine)
    assert second != first
    assert pings == [1], "the ended connection was pinged, once"
    assert await _backend_pid(engine) == second
    await engine.dispose()
