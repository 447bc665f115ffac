"""The benchmark's meters count what they claim to count (benchmarks/meters.py, phases.py)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from benchmarks.meters import (
    JsonDict,
    PostgresBackends,
    SqlMeter,
    process_cpu_seconds,
    statement_kind,
)
from benchmarks.phases import api_costs, bot_costs
from benchmarks.report import paired_ratios
from storage.db import make_engine, session_scope
from tests.databases import postgres_base_url


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        (
            "SELECT report_draft.id, report_draft.step \nFROM report_draft \nWHERE x = ?",
            "SELECT report_draft",
        ),
        ('SELECT "person".id FROM "person" WHERE 1', "SELECT person"),
        ("INSERT INTO report_event (report_id) VALUES (?)", "INSERT report_event"),
        ("UPDATE report_draft SET step=? WHERE report_draft.id = ?", "UPDATE report_draft"),
        ("DELETE FROM draft_photo WHERE draft_photo.id = ?", "DELETE draft_photo"),
        ("SELECT 1", "SELECT"),
    ],
)
def test_statement_kind_is_the_verb_and_first_table(sql: str, kind: str) -> None:
    assert statement_kind(sql) == kind


async def run(session: AsyncSession, sql: str) -> None:
    """A statement in the session's unit of work, through its connection."""
    connection = await session.connection()
    await connection.execute(text(sql))


@pytest.fixture
async def metered(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, SqlMeter]]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'meter.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE thing (id INTEGER PRIMARY KEY, name TEXT)"))
    meter = SqlMeter()
    meter.attach(engine)
    yield engine, meter
    await engine.dispose()


async def test_sql_meter_counts_statements_transactions_writes_and_sessions(
    metered: tuple[AsyncEngine, SqlMeter],
) -> None:
    engine, meter = metered
    async with session_scope(engine) as session:  # read only
        await run(session, "SELECT id FROM thing")
        await run(session, "SELECT name FROM thing")
    async with session_scope(engine) as session:  # one write
        await run(session, "INSERT INTO thing (name) VALUES ('a')")
        await run(session, "SELECT id FROM thing")
    async with session_scope(engine):  # never touches the database
        pass

    counts = meter.snapshot()
    assert counts["statements"] == 4
    assert counts["transactions"] == 2
    assert counts["commits"] == 2
    assert counts["write_transactions"] == 1
    assert counts["sessions"] == 2
    assert counts["by_statement"] == {"SELECT thing": 3, "INSERT thing": 1}


async def test_a_rolled_back_write_is_no_write_transaction(
    metered: tuple[AsyncEngine, SqlMeter],
) -> None:
    engine, meter = metered

    async def write_then_fail() -> None:
        async with session_scope(engine) as session:
            await run(session, "INSERT INTO thing (name) VALUES ('b')")
            raise RuntimeError("undo")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    async with session_scope(engine) as session:
        await run(session, "SELECT id FROM thing")

    counts = meter.snapshot()
    assert (counts["transactions"], counts["rollbacks"], counts["write_transactions"]) == (2, 1, 0)


async def test_one_session_committing_twice_is_one_session_and_two_transactions(
    metered: tuple[AsyncEngine, SqlMeter],
) -> None:
    engine, meter = metered
    async with session_scope(engine) as session:
        await run(session, "INSERT INTO thing (name) VALUES ('c')")
        await session.commit()
        await run(session, "UPDATE thing SET name = 'd'")

    counts = meter.snapshot()
    assert (counts["sessions"], counts["transactions"], counts["write_transactions"]) == (1, 2, 2)


def test_process_cpu_seconds_reads_a_live_process_and_not_a_gone_one() -> None:
    mine = process_cpu_seconds(os.getpid())
    assert mine is not None
    assert mine > 0
    assert process_cpu_seconds(2**22 + 12345) is None  # above pid_max's default


def test_postgres_backends_keep_the_last_reading_of_a_closed_connection() -> None:
    backends = PostgresBackends(last_seen={2**22 + 12345: 1.5})
    assert backends.cpu_seconds() == 1.5


def test_costs_are_differences_between_marks_divided_by_updates() -> None:
    def mark(cpu: float, statements: int, selects: int, server: float) -> dict[str, object]:
        sql = {"statements": statements, "transactions": statements // 2}
        return {
            "cpu": {"user": cpu, "system": cpu / 4},
            "sql": {**sql, "by_statement": {"SELECT thing": selects}},
            "db_server_cpu": server,
        }

    costs = bot_costs(mark(1.0, 10, 4, 2.0), mark(1.4, 50, 24, 2.1), updates=20)

    assert costs["bot_cpu_ms_per_update"] == 25.0  # (0.4 s user + 0.1 s system) / 20
    assert costs["db_server_cpu_ms_per_update"] == 5.0
    assert costs["sql"]["per_update"] == {"statements": 2.0, "transactions": 1.0}
    assert costs["sql"]["by_statement_per_update"] == {"SELECT thing": 1.0}


def test_paced_requests_are_those_with_a_chat_id_and_get_updates_is_not_counted() -> None:
    calls = [
        ("getUpdates", False),
        ("sendMessage", True),
        ("answerCallbackQuery", False),
        ("editMessageText", True),
        ("getUpdates", False),
    ]

    costs = api_costs(calls, updates=2)

    assert costs["api_requests_per_update"] == 1.5
    assert costs["paced_requests_per_update"] == 1.0
    assert costs["bot_api_calls"] == {
        "sendMessage": 1,
        "answerCallbackQuery": 1,
        "editMessageText": 1,
    }


def postgres_or_skip() -> str:
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL leg skipped: MICROSPACE_TEST_POSTGRES_URL is not set")
    return base


HEAVY_QUERY = "SELECT count(*) FROM generate_series(1, 3000000)"


async def test_postgres_backends_see_the_server_work_of_the_engines_connections() -> None:
    engine = make_engine(postgres_or_skip())
    backends = PostgresBackends()
    backends.attach(engine)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        before = backends.cpu_seconds()
        async with engine.connect() as connection:
            await connection.execute(text(HEAVY_QUERY))
        assert backends.cpu_seconds() - before > 0.01
        assert len(backends.last_seen) == 1  # one pooled connection, one server process
    finally:
        await engine.dispose()


async def test_postgres_backends_keep_the_work_of_a_connection_the_pool_closed() -> None:
    engine = make_engine(postgres_or_skip())
    backends = PostgresBackends()
    backends.attach(engine)
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    at_connect = sum(backends.last_seen.values())
    async with engine.connect() as connection:
        await connection.execute(text(HEAVY_QUERY))
    await engine.dispose()  # closes the connection; its server process then exits
    (pid,) = backends.last_seen
    for _ in range(100):
        if process_cpu_seconds(pid) is None:
            break
        await asyncio.sleep(0.02)

    assert backends.cpu_seconds() - at_connect > 0.01


def test_paired_ratios_divide_each_repeat_by_the_echo_bots_same_repeat() -> None:
    def runs(*cpu: float) -> JsonDict:
        return {"runs": {"unpaced": [{"bot_cpu_ms_per_update": c} for c in cpu]}}

    configurations = {
        "ours_sqlite": runs(6.0, 9.0, 4.0),
        "ours_postgresql": runs(8.0),
        "echo_ptb": runs(2.0, 3.0, 1.0),
        "echo_aiogram": runs(1.0, 1.0, 1.0),
    }
    assert paired_ratios(configurations) == {
        "ours_sqlite_cpu_over_echo_ptb_by_repeat": [3.0, 3.0, 4.0],
        "ours_postgresql_cpu_over_echo_ptb_by_repeat": [4.0],
    }
    assert paired_ratios(configurations, echo_key="echo_missing") == {}
