"""Reminders of volunteer events (issue 15) and the events' part of a committee's digest.

A reminder goes 24 hours and 2 hours before the start to everyone with a confirmed place who
signed up before that time (who signed up later has just read the event).
`bot/event_jobs.py` derives its jobs from the published rows; a job calls `queue_reminders`,
which writes one outbox row per volunteer with the dedupe key
`event:<id>:remind:<24h|2h>:<person>`, so each reminder is queued once however many jobs,
restarts or processes ask (tests/conversation/test_event_reminders.py). A 24-hour reminder
whose time came while the bot was down is sent when it comes back, unless the 2-hour one is
due by then (that one says it all).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.event_models import Event, EventSignup, EventStatus, SignupStatus
from storage.events import LOCAL_FORMAT, event_params, facts
from storage.models import Person
from storage.outbox import enqueue

EVENT_REMINDER = "event_reminder"
REMINDERS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


async def events_to_remind(session: AsyncSession, *, now: datetime) -> list[Event]:
    """Published events still to start: each has reminders to schedule."""
    query = (
        select(Event)
        .where(Event.status == EventStatus.PUBLISHED, col(Event.starts_at) > now)
        .order_by(col(Event.starts_at))
    )
    return list((await session.exec(query)).all())


def due(event: Event, which: str) -> datetime:
    assert event.starts_at is not None
    return event.starts_at - REMINDERS[which]


async def queue_reminders(
    session: AsyncSession, *, event_id: int, which: str, now: datetime, tz: tzinfo
) -> int:
    """Queue the reminder `which` to each confirmed volunteer, if it is due now and the
    event has not started; how many rows were written (0 when all were queued before)."""
    event = await session.get(Event, event_id)
    if event is None or event.status != EventStatus.PUBLISHED or event.starts_at is None:
        return 0
    if not due(event, which) <= now < event.starts_at:
        return 0
    if which == "24h" and due(event, "2h") <= now:
        return 0  # the 2-hour reminder is due as well: it goes instead
    query = (
        select(Person)
        .join(EventSignup, col(EventSignup.person_id) == col(Person.id))
        .where(EventSignup.event_id == event_id, EventSignup.status == SignupStatus.CONFIRMED)
        .where(col(EventSignup.queued_at) <= due(event, which))  # not who signed up since
        .order_by(col(Person.id))
    )
    params = {**event_params(await facts(session, event=event), tz=tz), "which": which}
    queued = 0
    for person in (await session.exec(query)).all():
        key = f"event:{event_id}:remind:{which}:{person.id}"
        row = await enqueue(
            session, person=person, kind=EVENT_REMINDER, params=params, now=now, dedupe_key=key
        )
        queued += row is not None
    return queued


async def digest_section(
    session: AsyncSession, *, community_id: int, since: datetime, until: datetime, tz: tzinfo
) -> dict[str, Any] | None:
    """The digest's events: those still to start at the period's end, with places taken
    against capacity, and the volunteer hours of the events held in the period."""
    taken = (
        select(func.count())
        .select_from(EventSignup)
        .where(
            col(EventSignup.event_id) == col(Event.id),
            EventSignup.status == SignupStatus.CONFIRMED,
        )
        .scalar_subquery()
    )
    query = (
        select(Event, taken)
        .where(Event.community_id == community_id, Event.status == EventStatus.PUBLISHED)
        .where(col(Event.starts_at) >= until)
        .order_by(col(Event.starts_at), col(Event.id))
        .limit(5)
    )
    upcoming = [
        {
            "title": e.title,
            "when": e.starts_at.astimezone(tz).strftime(LOCAL_FORMAT) if e.starts_at else "",
            "taken": int(n),
            "capacity": e.capacity,
        }
        for e, n in (await session.exec(query)).all()
    ]
    minutes = (
        select(func.coalesce(func.sum(Event.minutes), 0), func.count())
        .select_from(EventSignup)
        .join(Event, col(Event.id) == col(EventSignup.event_id))
        .where(Event.community_id == community_id, col(EventSignup.attended).is_(True))
        .where(col(Event.starts_at) >= since, col(Event.starts_at) < until)
    )
    total, attendances = (await session.exec(minutes)).one()
    if not upcoming and not attendances:
        return None
    return {"upcoming": upcoming, "minutes": int(total), "attendances": int(attendances)}
