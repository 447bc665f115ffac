"""A held read and the unit of work that continues it (storage/db.py), on both databases."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from storage.db import hold, holding, open_session, release_held, session_scope
from storage.models import Person
from storage.people import create_person
from tests.factories import NOW


def count_transactions(engine: AsyncEngine) -> list[int]:
    begun: list[int] = []
    event.listen(engine.sync_engine, "begin", lambda _conn: begun.append(1))
    return begun


async def held_read(engine: AsyncEngine, telegram_id: int) -> Person:
    session = open_session(engine)
    person = (await session.exec(select(Person).where(Person.telegram_id == telegram_id))).one()
    hold(engine, session)
    return person


@pytest.fixture
async def known(engine: AsyncEngine) -> int:
    async with session_scope(engine) as session:
        await create_person(session, telegram_id=501, first_name="Li", locale="zh", now=NOW)
    return 501


async def test_the_next_unit_of_work_continues_the_held_read(
    engine: AsyncEngine, known: int
) -> None:
    begun = count_transactions(engine)
    person = await held_read(engine, known)
    assert holding()
    async with session_scope(engine) as session:
        person.first_name = "Li Wei"
        session.add(person)
    assert not holding()
    assert len(begun) == 1  # the read and the write: one transaction
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    async with session_scope(engine) as session:
        row = (await session.exec(select(Person))).one()
    assert row.first_name == "Li Wei"


async def test_a_rolled_back_continuation_leaves_what_was_read_readable(
    engine: AsyncEngine, known: int
) -> None:
    person = await held_read(engine, known)
    with pytest.raises(RuntimeError):
        async with session_scope(engine):
            raise RuntimeError("the step failed")
    assert person.first_name == "Li"  # not expired by the rollback (it was expunged)


async def test_release_gives_the_connection_back(engine: AsyncEngine, known: int) -> None:
    await held_read(engine, known)
    assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    await release_held()
    assert not holding()
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    await release_held()  # nothing held: nothing to do


async def test_another_task_never_takes_the_held_read(engine: AsyncEngine, known: int) -> None:
    """A task started while a read is held sees it through its copy of the context, but the
    read is not its own: it neither holds nor ends it."""
    session = open_session(engine)
    await session.exec(select(Person))
    hold(engine, session)

    async def child() -> tuple[bool, bool]:
        seen = holding()
        await release_held()
        if engine.dialect.name == "sqlite":  # one connection: the parent has it
            return seen, False
        async with session_scope(engine) as own:
            return seen, own is session

    assert await asyncio.create_task(child()) == (False, False)
    assert holding()
    assert session.in_transaction()  # the child did not close it
    await release_held()
    assert not session.in_transaction()


async def test_a_task_holds_one_read_at_a_time(engine: AsyncEngine, known: int) -> None:
    await held_read(engine, known)
    second = open_session(engine)
    with pytest.raises(RuntimeError, match="already holds"):
        hold(engine, second)
    await second.close()
    await release_held()


async def test_release_keeps_the_prepared_statements(engine: AsyncEngine, known: int) -> None:
    """psycopg deallocates a connection's prepared statements on ROLLBACK; a released read
    ends with COMMIT, so the statements it prepared stay prepared."""
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(6):  # psycopg prepares a statement on its fifth run
        await held_read(engine, known)
        await release_held()
    async with session_scope(engine) as session:
        connection = await session.connection()
        prepared = await connection.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared > 0
