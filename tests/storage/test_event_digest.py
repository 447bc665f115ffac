"""The events' section of a committee's digest (issue 15): upcoming events with sign-ups
against capacity, and the period's volunteer hours, on SQLite and PostgreSQL; rendered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.digest_text import render_digest
from storage.digest_sections import digest_sections
from storage.event_models import Event, EventSignup, EventStatus, SignupStatus
from tests.digest_data import PERIOD
from tests.factories import make_community, make_person

START, END = PERIOD
TZ = ZoneInfo("Asia/Shanghai")


async def _event(session: AsyncSession, community_id: int, author_id: int, **values: Any) -> Event:
    values.setdefault("status", EventStatus.PUBLISHED)
    event = Event(community_id=community_id, author_id=author_id, created_at=START, **values)
    session.add(event)
    await session.flush()
    return event


async def test_upcoming_events_and_the_periods_hours(session: AsyncSession) -> None:
    here, there = await make_community(session, slug="x"), await make_community(session, slug="y")
    assert here.id is not None
    assert there.id is not None
    people = [await make_person(session, community=here) for _ in range(3)]
    author = people[0].id or 0
    held = await _event(
        session, here.id, author, title="墙绘", starts_at=START + timedelta(days=1), minutes=180
    )
    coming = await _event(
        session, here.id, author, title="除草", starts_at=END + timedelta(days=2), capacity=8
    )
    await _event(session, here.id, author, title="草稿", starts_at=END, status=EventStatus.DRAFT)
    await _event(session, there.id, author, title="别处", starts_at=END + timedelta(days=1))
    for n, person in enumerate(people):
        session.add(
            EventSignup(
                event_id=held.id or 0,
                person_id=person.id or 0,
                status=SignupStatus.CONFIRMED,
                queued_at=START,
                attended=n < 2,
            )
        )
        status = SignupStatus.CONFIRMED if n else SignupStatus.WAITLISTED
        session.add(
            EventSignup(
                event_id=coming.id or 0, person_id=person.id or 0, status=status, queued_at=START
            )
        )
    await session.flush()
    found = await digest_sections(session, community_id=here.id, since=START, until=END, tz=TZ)
    when = (END + timedelta(days=2)).astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    assert found["events"] == {
        "upcoming": [{"title": "除草", "when": when, "taken": 2, "capacity": 8}],
        "minutes": 360,
        "attendances": 2,
    }
    quiet = await digest_sections(session, community_id=there.id, since=START, until=START, tz=TZ)
    assert "events" in quiet  # its upcoming event
    assert quiet["events"]["minutes"] == 0


@pytest.mark.parametrize(
    ("locale", "line", "hours"),
    [
        ("zh", "除草 · 12-10 09:00 · 已报名 2/8", "本期志愿时长：6 小时（2 人次）"),
        (
            "en",
            "除草 · 12-10 09:00 · signed up 2/8",
            "Volunteer hours this period: 6 (2 attendances)",
        ),
    ],
)
def test_the_events_section_is_rendered(locale: str, line: str, hours: str) -> None:
    params: dict[str, Any] = {
        "community": "X",
        "since": "2026-11-02 09:00",
        "until": "2026-11-09 09:00",
        "new": 0,
        "new_before": 0,
        "by_category": {},
        "rates": {
            k: [None, None] for k in ("response", "median_hours", "resolution", "satisfaction")
        },
        "overdue": 0,
        "places": [],
        "sections": {
            "events": {
                "upcoming": [{"title": "除草", "when": "12-10 09:00", "taken": 2, "capacity": 8}],
                "minutes": 360,
                "attendances": 2,
            }
        },
    }
    text = render_digest(locale, params).replace("<b>", "").replace("</b>", "")
    assert line in text
    assert hours in text
