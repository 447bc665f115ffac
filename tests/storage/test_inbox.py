"""The inbox queue and planners' pending input, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.inbox import (
    attach_answer,
    awaiting_answer,
    clear_pending,
    count_inbox,
    get_pending,
    next_in_inbox,
    overdue_reports,
    queue_overdue_notices,
    set_pending,
)
from storage.lifecycle import transition
from storage.models import ReportStatus
from storage.roles import create_invite, redeem_invite
from tests.factories import NOW, make_community, make_person, make_report

STALE = {"accepted": 7, "planned": 30, "in_progress": 14}


async def test_inbox_order_skip_and_the_needs_info_round_trip(
    session: AsyncSession, tmp_path: Path
) -> None:
    community = await make_community(session)
    assert community.id is not None
    reporter = await make_person(session, community=community)
    first = await make_report(session, media_dir=tmp_path, reporter=reporter)
    second = await make_report(session, media_dir=tmp_path, reporter=reporter)
    assert first.id is not None
    assert second.id is not None
    ids = [community.id]
    assert (await next_in_inbox(session, community_ids=ids)) == first
    assert (await next_in_inbox(session, community_ids=ids, after_id=first.id)) == second
    assert await next_in_inbox(session, community_ids=[community.id + 999]) is None
    await transition(
        session,
        report_id=first.id,
        expected_version=1,
        to=ReportStatus.NEEDS_INFO,
        actor_id=None,
        now=NOW,
        public_note="Which building?",
    )
    assert await count_inbox(session, community_ids=ids) == 1  # waiting for the answer
    assert reporter.id is not None
    waiting = await awaiting_answer(session, person_id=reporter.id)
    assert waiting is not None
    assert waiting.id == first.id
    await attach_answer(session, report=waiting, person=reporter, text="No. 12", now=NOW)
    assert await count_inbox(session, community_ids=ids) == 2  # back in the inbox
    assert await awaiting_answer(session, person_id=reporter.id) is None


async def test_overdue_and_the_morning_notices(session: AsyncSession, tmp_path: Path) -> None:
    community = await make_community(session)
    assert community.id is not None
    planner = await make_person(session, community=community)
    invite = await create_invite(session, community_id=community.id, created_by=None, now=NOW)
    await redeem_invite(session, code=invite.code, person=planner, now=NOW)
    report = await make_report(
        session, media_dir=tmp_path, reporter=await make_person(session, community=community)
    )
    later = NOW + timedelta(hours=48)
    assert await overdue_reports(session, community_ids=[community.id], now=later, hours=48) == []
    later += timedelta(
        seconds=1
    )  # overdue once older than the deadline (tests/storage/test_rules.py)
    assert await overdue_reports(session, community_ids=[community.id], now=later, hours=48) == [
        report
    ]
    assert await notices(session, now=later, day="2026-11-04") == 1
    assert await notices(session, now=later, day="2026-11-04") == 0
    assert await notices(session, now=later, day="2026-11-05") == 1


async def notices(session: AsyncSession, *, now: datetime, day: str) -> int:
    return await queue_overdue_notices(session, now=now, hours=48, stale_days=STALE, day=day)


async def test_pending_input_expires(session: AsyncSession, tmp_path: Path) -> None:
    report = await make_report(session, media_dir=tmp_path)
    planner = await make_person(session)
    assert planner.id is not None
    assert report.id is not None
    await set_pending(
        session, person_id=planner.id, action="ni", report_id=report.id, expected_version=1, now=NOW
    )
    assert await get_pending(session, person_id=planner.id, now=NOW + timedelta(minutes=29))
    assert await get_pending(session, person_id=planner.id, now=NOW + timedelta(minutes=30)) is None
    await set_pending(
        session, person_id=planner.id, action="ni", report_id=report.id, expected_version=1, now=NOW
    )
    assert await clear_pending(session, person_id=planner.id)
    assert not await clear_pending(session, person_id=planner.id)
