"""After a volunteer event (issue 15): the planner marks who came from the sign-up list, each
attendee is credited the event's duration as volunteer hours, a resident's `/myevents`, and
the list as CSV for planners.

The CSV holds no Telegram id and no surname: each row is a number (the order of sign-up)
and the person's first name as Telegram gave it, which is what the planner greeted at the
event and needs to thank or follow up (tests/conversation/test_event_after.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.event_models import Event, EventSignup, EventStatus, SignupStatus
from storage.events import LOCAL_FORMAT, EventError
from storage.models import Person
from storage.triage import Scope

LISTED = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


@dataclass(frozen=True)
class Attendee:
    signup: EventSignup
    first_name: str


async def event_for_planner(session: AsyncSession, *, scope: Scope, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.status != EventStatus.PUBLISHED:
        raise EventError("stale")
    if not scope.covers(event.community_id):
        raise EventError("not_yours")
    return event


async def sign_up_list(session: AsyncSession, *, event_id: int) -> list[Attendee]:
    """Confirmed sign-ups, then the waitlist, each in the order they signed up."""
    query = (
        select(EventSignup, Person.first_name)
        .join(Person, col(Person.id) == col(EventSignup.person_id))
        .where(EventSignup.event_id == event_id, col(EventSignup.status).in_(LISTED))
        .order_by(col(EventSignup.status), col(EventSignup.queued_at), col(EventSignup.id))
    )
    return [Attendee(s, name) for s, name in (await session.exec(query)).all()]


async def toggle_attended(
    session: AsyncSession, *, scope: Scope, event_id: int, signup_id: int, now: datetime
) -> Event:
    """Mark a confirmed volunteer as having come, or not (after the start only)."""
    event = await event_for_planner(session, scope=scope, event_id=event_id)
    assert event.starts_at is not None
    if event.starts_at > now:
        raise EventError("not_started")
    signup = await session.get(EventSignup, signup_id)
    if signup is None or signup.event_id != event_id or signup.status != SignupStatus.CONFIRMED:
        raise EventError("stale")
    signup.attended = not signup.attended
    session.add(signup)
    await session.flush()
    return event


@dataclass(frozen=True)
class MyEvent:
    event: Event
    status: SignupStatus
    attended: bool


async def my_events(
    session: AsyncSession, *, person_id: int, limit: int = 10
) -> tuple[list[MyEvent], int]:
    """A resident's events (signed up, waitlisted or attended), the latest first, and their
    total volunteer hours in minutes (each attended event's duration)."""
    query = (
        select(Event, EventSignup)
        .join(EventSignup, col(EventSignup.event_id) == col(Event.id))
        .where(EventSignup.person_id == person_id, col(EventSignup.status).in_(LISTED))
        .where(Event.status == EventStatus.PUBLISHED)
        .order_by(col(Event.starts_at).desc(), col(Event.id).desc())
        .limit(limit)
    )
    rows = [
        MyEvent(e, SignupStatus(s.status), s.attended) for e, s in (await session.exec(query)).all()
    ]
    return rows, await volunteer_minutes(session, person_id=person_id)


async def volunteer_minutes(session: AsyncSession, *, person_id: int) -> int:
    query = (
        select(func.coalesce(func.sum(Event.minutes), 0))
        .select_from(EventSignup)
        .join(Event, col(Event.id) == col(EventSignup.event_id))
        .where(EventSignup.person_id == person_id, col(EventSignup.attended).is_(True))
    )
    return int((await session.exec(query)).one())


def hours(minutes: int) -> str:
    """Minutes as hours for people: `3`, `1.5`."""
    value = minutes / 60
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


CSV_HEADER = ("number", "first_name", "status", "attended", "hours")


async def signups_csv(session: AsyncSession, *, scope: Scope, event_id: int, tz: tzinfo) -> str:
    """The sign-up list as CSV (see the module's docstring for what it holds and why)."""
    event = await event_for_planner(session, scope=scope, event_id=event_id)
    out = io.StringIO()
    writer = csv.writer(out)
    assert event.starts_at is not None
    writer.writerow(["# " + event.title, event.starts_at.astimezone(tz).strftime(LOCAL_FORMAT)])
    writer.writerow(CSV_HEADER)
    for number, row in enumerate(await sign_up_list(session, event_id=event_id), start=1):
        came = row.signup.attended
        writer.writerow(
            [
                number,
                row.first_name,
                row.signup.status,
                "yes" if came else "no",
                hours(event.minutes) if came else "0",
            ]
        )
    return out.getvalue()
