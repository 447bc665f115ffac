"""Signing up for a volunteer event (issue 15): one tap to sign up or cancel, a waitlist when
the event is full, and the first on the waitlist promoted when a place frees up.

Sign-ups and cancellations of one event take turns: each starts with `UPDATE event SET turns
= turns + 1` (the event's row lock on PostgreSQL, the single writer on SQLite), so it counts
the places taken only after the previous one committed. Two residents taking the last place
at the same moment: one gets it, the other is waitlisted
(tests/storage/test_event_signups.py::test_two_residents_race_for_the_last_place, on both
databases). Signing up twice changes nothing; signing up after the start is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.event_models import Event, EventSignup, EventStatus, SignupStatus
from storage.events import EventError, event_params, facts
from storage.models import Person
from storage.outbox import enqueue

EVENT_PROMOTED = "event_promoted"


@dataclass(frozen=True)
class Standing:
    """Where a resident stands with an event: their status (None: not signed up), their
    place on the waitlist (1 = next), and the places taken out of the capacity."""

    event: Event
    status: SignupStatus | None
    waitlist_place: int
    taken: int
    again: bool = False  # a sign-up that changed nothing: they were signed up already

    @property
    def full(self) -> bool:
        return self.taken >= self.event.capacity


async def _take_turn(session: AsyncSession, *, event_id: int) -> Event:
    """The write every sign-up and cancellation starts with (see the module's docstring)."""
    moved = await session.exec(
        update(Event)
        .where(col(Event.id) == event_id, col(Event.status) == EventStatus.PUBLISHED)
        .values(turns=col(Event.turns) + 1)
    )
    if int(moved.rowcount) != 1:
        raise EventError("stale")
    event = await session.get(Event, event_id, populate_existing=True)
    assert event is not None
    return event


async def _taken(session: AsyncSession, *, event_id: int) -> int:
    query = select(func.count()).select_from(EventSignup)
    query = query.where(EventSignup.event_id == event_id, EventSignup.status == "confirmed")
    return int((await session.exec(query)).one())


async def _own(session: AsyncSession, *, event_id: int, person_id: int) -> EventSignup | None:
    query = select(EventSignup).where(
        EventSignup.event_id == event_id, EventSignup.person_id == person_id
    )
    return (await session.exec(query)).first()


async def _waitlist(session: AsyncSession, *, event_id: int) -> list[EventSignup]:
    query = (
        select(EventSignup)
        .where(EventSignup.event_id == event_id, EventSignup.status == "waitlisted")
        .order_by(col(EventSignup.queued_at), col(EventSignup.id))
    )
    return list((await session.exec(query)).all())


async def standing(session: AsyncSession, *, event: Event, person_id: int) -> Standing:
    assert event.id is not None
    own = await _own(session, event_id=event.id, person_id=person_id)
    status = SignupStatus(own.status) if own is not None else None
    if status == SignupStatus.CANCELLED:
        status = None
    place = 0
    if status == SignupStatus.WAITLISTED:
        ids = [s.id for s in await _waitlist(session, event_id=event.id)]
        place = ids.index(own.id) + 1 if own is not None and own.id in ids else 0
    return Standing(event, status, place, await _taken(session, event_id=event.id))


async def sign_up(
    session: AsyncSession, *, event_id: int, person: Person, now: datetime
) -> Standing:
    """A place if one is free, else the end of the waitlist; a second sign-up changes
    nothing. Refused after the start. Anyone with the button may sign up: the linked
    report's followers are invited from outside the community too."""
    assert person.id is not None
    event = await _take_turn(session, event_id=event_id)
    assert event.starts_at is not None
    if event.starts_at <= now:
        raise EventError("started")
    own = await _own(session, event_id=event_id, person_id=person.id)
    if own is not None and own.status != SignupStatus.CANCELLED:
        return replace(await standing(session, event=event, person_id=person.id), again=True)
    full = await _taken(session, event_id=event_id) >= event.capacity
    status = SignupStatus.WAITLISTED if full else SignupStatus.CONFIRMED
    if own is None:
        own = EventSignup(event_id=event_id, person_id=person.id, status=status, queued_at=now)
    own.status, own.queued_at = status, now
    session.add(own)
    await session.flush()
    return await standing(session, event=event, person_id=person.id)


async def cancel(
    session: AsyncSession, *, event_id: int, person: Person, now: datetime, tz: tzinfo
) -> Standing:
    """Give the place (or the waitlist's) up; a freed place goes to the first on the
    waitlist, who is told (`event_promoted`). Refused after the start."""
    assert person.id is not None
    event = await _take_turn(session, event_id=event_id)
    assert event.starts_at is not None
    if event.starts_at <= now:
        raise EventError("started")
    own = await _own(session, event_id=event_id, person_id=person.id)
    if own is None or own.status == SignupStatus.CANCELLED:
        return await standing(session, event=event, person_id=person.id)
    freed = own.status == SignupStatus.CONFIRMED
    own.status = SignupStatus.CANCELLED
    session.add(own)
    await session.flush()
    if freed and await _taken(session, event_id=event_id) < event.capacity:
        await _promote(session, event=event, now=now, tz=tz)
    return await standing(session, event=event, person_id=person.id)


async def _promote(session: AsyncSession, *, event: Event, now: datetime, tz: tzinfo) -> None:
    waiting = await _waitlist(session, event_id=event.id or 0)
    if not waiting:
        return
    first = waiting[0]
    first.status = SignupStatus.CONFIRMED
    session.add(first)
    await session.flush()
    person = await session.get(Person, first.person_id)
    assert person is not None
    await enqueue(
        session,
        person=person,
        kind=EVENT_PROMOTED,
        params=event_params(await facts(session, event=event), tz=tz),
        now=now,
        dedupe_key=f"event:{event.id}:promoted:{person.id}:{event.turns}",
    )


async def upcoming(
    session: AsyncSession, *, person: Person, now: datetime, limit: int = 5
) -> list[Standing]:
    """The published events of the resident's community still to start, soonest first,
    each with where the resident stands."""
    if person.community_id is None or person.id is None:
        return []
    query = (
        select(Event)
        .where(Event.community_id == person.community_id, Event.status == EventStatus.PUBLISHED)
        .where(col(Event.starts_at) > now)
        .order_by(col(Event.starts_at), col(Event.id))
        .limit(limit)
    )
    events = list((await session.exec(query)).all())
    return [await standing(session, event=e, person_id=person.id) for e in events]


async def published_event(session: AsyncSession, *, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.status != EventStatus.PUBLISHED:
        raise EventError("stale")
    return event
