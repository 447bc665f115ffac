"""Signing up for volunteer events (issue 15) on SQLite and PostgreSQL: the race for the last
place, the waitlist and its promotion, a sign-up twice, after the start, and the fields a
planner's line is checked for."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import session_scope
from storage.event_models import EventSignup, SignupStatus
from storage.event_signups import EVENT_PROMOTED, Standing, cancel, sign_up
from storage.events import EventError, parse_duration, publish, start_by_line
from storage.models import OutboxMessage, Person
from storage.triage import Scope
from tests.factories import NOW, make_community, make_person
from tests.storage.test_concurrent_writes import race

TZ = ZoneInfo("Asia/Shanghai")
LINE = ["", "墙绘", "2026-12-05 09:00", "3h", "3 号楼后墙", ""]


async def published_event(
    engine: AsyncEngine, *, capacity: int, people: int
) -> tuple[int, list[Person]]:
    async with session_scope(engine) as session:
        community = await make_community(session)
        assert community.id is not None
        planner = await make_person(session, community=community)
        scope = Scope(person_id=planner.id or 0, community_ids=(community.id,))
        parts = [community.slug, *LINE[1:5], str(capacity)]
        event = await start_by_line(session, scope=scope, parts=parts, now=NOW, tz=TZ)
        assert event.id is not None
        await publish(
            session, scope=scope, event_id=event.id, version=event.version, now=NOW, tz=TZ
        )
        residents = [await make_person(session, community=community) for _ in range(people)]
    return event.id, residents


async def test_two_residents_race_for_the_last_place(engine: AsyncEngine) -> None:
    event_id, (first, second) = await published_event(engine, capacity=1, people=2)
    people = iter([first, second])

    async def take(session: AsyncSession) -> Standing:
        return await sign_up(session, event_id=event_id, person=next(people), now=NOW)

    winner, loser = await race(engine, take)
    assert (winner.status, loser.status) == (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
    assert loser.waitlist_place == 1
    async with session_scope(engine) as session:
        rows = await session.exec(
            select(EventSignup.status).where(EventSignup.event_id == event_id)
        )
        assert sorted(rows.all()) == ["confirmed", "waitlisted"]


async def test_a_cancellation_promotes_the_first_on_the_waitlist(engine: AsyncEngine) -> None:
    event_id, (a, b, c) = await published_event(engine, capacity=1, people=3)
    async with session_scope(engine) as session:
        assert (await sign_up(session, event_id=event_id, person=a, now=NOW)).status == "confirmed"
        later = NOW + timedelta(minutes=1)
        seen_b = await sign_up(session, event_id=event_id, person=b, now=later)
        seen_c = await sign_up(
            session, event_id=event_id, person=c, now=later + timedelta(minutes=1)
        )
        assert (seen_b.waitlist_place, seen_c.waitlist_place) == (1, 2)
        again = await sign_up(session, event_id=event_id, person=b, now=later)
        assert (again.status, again.waitlist_place, again.again) == ("waitlisted", 1, True)
        await cancel(session, event_id=event_id, person=a, now=later, tz=TZ)
    async with session_scope(engine) as session:
        rows = await session.exec(
            select(EventSignup.person_id, EventSignup.status).order_by(col(EventSignup.person_id))
        )
        assert list(rows.all()) == [(a.id, "cancelled"), (b.id, "confirmed"), (c.id, "waitlisted")]
        told = await session.exec(
            select(OutboxMessage.person_id).where(OutboxMessage.kind == EVENT_PROMOTED)
        )
        assert list(told.all()) == [b.id]


async def test_signing_up_after_the_start_is_refused(engine: AsyncEngine) -> None:
    event_id, (a,) = await published_event(engine, capacity=5, people=1)
    async with session_scope(engine) as session:
        with pytest.raises(EventError, match="started"):
            await sign_up(session, event_id=event_id, person=a, now=NOW + timedelta(days=40))


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        (0, "nowhere", "unknown_community"),
        (2, "2026-11-01 09:00", "start_past"),
        (2, "next saturday", "start_format"),
        (3, "soon", "duration"),
        (5, "0", "capacity"),
        (5, "-3", "capacity"),
    ],
)
async def test_a_bad_field_is_refused_by_name(
    engine: AsyncEngine, field: int, value: str, code: str
) -> None:
    async with session_scope(engine) as session:
        community = await make_community(session)
        planner = await make_person(session, community=community)
        scope = Scope(person_id=planner.id or 0, community_ids=(community.id or 0,))
        parts = [community.slug, *LINE[1:5], "20"]
        parts[field] = value
        with pytest.raises(EventError) as refused:
            await start_by_line(session, scope=scope, parts=parts, now=NOW, tz=TZ)
    assert refused.value.code == code


def test_durations() -> None:
    assert [parse_duration(d) for d in ("3h", "90m", "1.5h", "2h30m", "3 小时")] == [
        180,
        90,
        90,
        150,
        180,
    ]
    for bad in ("", "h", "0h", "25h", "3 days"):
        with pytest.raises(EventError):
            parse_duration(bad)
