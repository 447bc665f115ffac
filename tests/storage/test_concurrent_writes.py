"""Writes that stay correct when two updates run at once, on SQLite and PostgreSQL.

Each race holds the first transaction open after its write, starts the second, lets it reach
the same unique key (it waits on the first's row or lock), then commits the first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

import storage.lifecycle
from storage.db import make_engine, session_scope
from storage.drafts import start_draft
from storage.followers import follow
from storage.inbox import attach_answer, awaiting_answer
from storage.lifecycle import TransitionError, merge, transition
from storage.models import (
    FollowReason,
    OutboxMessage,
    Person,
    Report,
    ReportDraft,
    ReportEvent,
    ReportFollower,
    ReportStatus,
)
from storage.outbox import enqueue
from storage.people import get_or_create_person
from tests.factories import NOW, make_person, make_report

WAIT_FOR_THE_LOSER = 0.3  # long enough for the second write to reach the first's lock


async def race(
    engine: AsyncEngine, write: Callable[[AsyncSession], Coroutine[Any, Any, Any]]
) -> tuple[Any, Any]:
    """Run `write` in two transactions that overlap; both must finish without an error."""
    async with AsyncSession(engine, expire_on_commit=False) as first:
        async with AsyncSession(engine, expire_on_commit=False) as second:
            winner = await write(first)
            loser = asyncio.create_task(write(second))
            await asyncio.sleep(WAIT_FOR_THE_LOSER)
            await first.commit()
            result = await loser
            await second.commit()
    return winner, result


async def count(engine: AsyncEngine, model: Any, *where: Any) -> int:
    async with session_scope(engine) as session:
        query = select(func.count()).select_from(model).where(*where)
        return (await session.exec(query)).one()


async def test_two_updates_of_a_new_person(engine: AsyncEngine) -> None:
    async def arrive(session: AsyncSession) -> tuple[Person, bool]:
        return await get_or_create_person(
            session, telegram_id=777, first_name="New", locale="zh", now=NOW
        )

    (first, created_first), (second, created_second) = await race(engine, arrive)
    assert (created_first, created_second) == (True, False)
    assert first.id == second.id
    assert await count(engine, Person, col(Person.telegram_id) == 777) == 1


async def test_two_me_toos_of_the_same_person(engine: AsyncEngine, tmp_path: Path) -> None:
    async with session_scope(engine) as session:
        report = await make_report(session, media_dir=tmp_path)
        neighbour = await make_person(session)
    assert report.id is not None
    assert neighbour.id is not None
    report_id, person_id = report.id, neighbour.id

    async def me_too(session: AsyncSession) -> bool:
        return await follow(
            session, report_id=report_id, person_id=person_id, reason=FollowReason.ME_TOO, now=NOW
        )

    assert await race(engine, me_too) == (True, False)
    where = col(ReportFollower.person_id) == person_id
    assert await count(engine, ReportFollower, where) == 1


async def test_two_updates_starting_a_draft(engine: AsyncEngine) -> None:
    async with session_scope(engine) as session:
        person = await make_person(session)

    async def start(session: AsyncSession) -> int | None:
        return (await start_draft(session, person=person, now=NOW)).id

    first, second = await race(engine, start)
    assert first == second
    assert await count(engine, ReportDraft, col(ReportDraft.person_id) == person.id) == 1


async def test_two_notices_with_one_dedupe_key(engine: AsyncEngine) -> None:
    async with session_scope(engine) as session:
        person = await make_person(session)

    async def notify(session: AsyncSession) -> int | None:
        return await enqueue(
            session, person=person, kind="overdue", params={}, now=NOW, dedupe_key="morning:1"
        )

    first, second = await race(engine, notify)
    assert first is not None
    assert second is None
    assert await count(engine, OutboxMessage, col(OutboxMessage.dedupe_key) == "morning:1") == 1


async def needs_info(engine: AsyncEngine, tmp_path: Path) -> Report:
    async with session_scope(engine) as session:
        report = await make_report(session, media_dir=tmp_path)
        assert report.id is not None
        return await transition(
            session,
            report_id=report.id,
            expected_version=report.version,
            to=ReportStatus.NEEDS_INFO,
            actor_id=None,
            now=NOW,
        )


async def test_an_answer_to_a_question_just_withdrawn_is_not_attached(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    report = await needs_info(engine, tmp_path)
    assert report.id is not None
    async with session_scope(engine) as session:
        reporter = await session.get(Person, report.reporter_id)
        asked = await awaiting_answer(session, person_id=report.reporter_id or 0)
    assert reporter is not None
    assert asked is not None
    # a planner accepts it while the resident types
    async with session_scope(engine) as session:
        await transition(
            session,
            report_id=report.id,
            expected_version=report.version,
            to=ReportStatus.ACCEPTED,
            actor_id=None,
            now=NOW,
        )
    async with session_scope(engine) as session:
        attached = await attach_answer(
            session, report=asked, person=reporter, text="it is by the gate", now=NOW
        )
    assert attached is False
    events = await count(engine, ReportEvent, col(ReportEvent.public_note) == "it is by the gate")
    assert events == 0
    assert await count(engine, OutboxMessage, col(OutboxMessage.kind) == "info_received") == 0


async def test_an_answer_attaches_once_and_moves_the_version(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    report = await needs_info(engine, tmp_path)
    async with session_scope(engine) as session:
        reporter = await session.get(Person, report.reporter_id)
        asked = await awaiting_answer(session, person_id=report.reporter_id or 0)
        assert reporter is not None
        assert asked is not None
        assert await attach_answer(session, report=asked, person=reporter, text="gate", now=NOW)
        assert asked.version == report.version + 1
        assert not asked.awaiting_info
        # the same (now stale) answer again changes nothing
        stale = Report.model_validate(report)
        assert not await attach_answer(session, report=stale, person=reporter, text="x", now=NOW)


async def test_a_merge_into_a_root_that_moved_meanwhile_is_stale(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with session_scope(engine) as session:
        report = await make_report(session, media_dir=tmp_path)
        target = await make_report(session, media_dir=tmp_path)
    assert report.id is not None
    assert target.id is not None
    read_root = storage.lifecycle.root_of
    # another planner, in another process: an engine of its own (this process's SQLite
    # engine has one connection, which the merge holds)
    elsewhere = make_engine(engine.url.render_as_string(hide_password=False))

    async def root_then_declined_elsewhere(session: AsyncSession, *, report: Report) -> Report:
        root = await read_root(session, report=report)
        async with session_scope(elsewhere) as other:
            await transition(
                other,
                report_id=root.id or 0,
                expected_version=root.version,
                to=ReportStatus.DECLINED,
                actor_id=None,
                now=NOW,
            )
        return root

    monkeypatch.setattr(storage.lifecycle, "root_of", root_then_declined_elsewhere)
    with pytest.raises(TransitionError) as refused:
        async with session_scope(engine) as session:
            await merge(
                session,
                report_id=report.id,
                into_id=target.id,
                expected_version=report.version,
                actor_id=None,
                now=NOW,
            )
    await elsewhere.dispose()
    assert refused.value.code == "stale"
    async with session_scope(engine) as session:
        unchanged = await session.get(Report, report.id)
    assert unchanged is not None
    assert (unchanged.status, unchanged.duplicate_of_id) == (ReportStatus.SUBMITTED, None)
