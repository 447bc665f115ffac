"""Volunteer events being written and published (issue 15).

    /event xinhua-road | 3 号楼后墙墙绘 | 2026-12-05 09:00 | 3h | 3 号楼后墙 | 20

A draft is an `event` row in `draft` (one per planner, `uq_event_draft_author`): given in
one line, or by the wizard one field a message (title, start, duration, place, capacity).
Then optional notes on what to bring and a report reference `R-…`; each change bumps the
version its preview's Publish / Cancel buttons carry, so a button under an old preview is
refused. Every field is checked here, and a refusal names it (`EventError.code`).

Publish moves the draft to `published` once (`UPDATE … WHERE status = 'draft' AND version =
:seen`) and queues an invitation with a Sign up button to every resident of the community
who accepts notices and to its committee chats, one outbox row each with the dedupe key
`event:<id>:invite:p<person>` (`:c<chat>`), so a recipient is invited once however often
anyone asks (tests/conversation/test_events.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlmodel import col, exists, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.event_links import ballot_item_line, ballot_rank, ranked_item
from storage.event_models import Event, EventStatus, EventStep
from storage.groups import committee_chats
from storage.landmarks import landmark_named
from storage.models import Community, Landmark, OutboxMessage, Person, Report, ReportFollower
from storage.notice_models import ResidentPreference
from storage.outbox import enqueue
from storage.reports import parse_ref
from storage.roles import community_by_slug
from storage.triage import Scope
from storage.writes import insert_or_skip

EVENT_INVITE = "event_invite"
LOCAL_FORMAT = "%Y-%m-%d %H:%M"
MAX_TITLE, MAX_PLACE, MAX_NOTES = 100, 200, 500
MAX_CAPACITY = 1000
MAX_MINUTES = 24 * 60
_DURATION = re.compile(
    r"(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hours?|小时|个小时))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|minutes?|分钟|分))?",
    re.IGNORECASE,
)
WIZARD = (EventStep.TITLE, EventStep.START, EventStep.DURATION, EventStep.PLACE)


class EventError(ValueError):
    """A refusal with a code the handlers put into words (`event_plan.refused`): for a bad
    field the code names it (`title`, `start_format`, `start_past`, `duration`, `place`,
    `capacity`, `unknown_community`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_duration(text: str) -> int:
    """`3h`, `90m`, `1.5h`, `2h30m`, `3 小时`: the minutes (1 minute to 24 hours)."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or not (match["h"] or match["m"]):
        raise EventError("duration")
    minutes = round(float(match["h"] or 0) * 60) + int(match["m"] or 0)
    if not 0 < minutes <= MAX_MINUTES:
        raise EventError("duration")
    return minutes


def parse_start(text: str, *, now: datetime, tz: tzinfo) -> datetime:
    """`2026-12-05 09:00` in the bot's time zone, in the future."""
    try:
        starts = datetime.strptime(text.strip(), LOCAL_FORMAT).replace(tzinfo=tz)
    except ValueError:
        raise EventError("start_format") from None
    if starts <= now:
        raise EventError("start_past")
    return starts


def parse_capacity(text: str) -> int:
    value = text.strip()
    if not value.isascii() or not value.lstrip("-").isdigit():
        raise EventError("capacity")
    capacity = int(value)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise EventError("capacity")
    return capacity


def _title(text: str) -> str:
    title = text.strip()
    if not title or len(title) > MAX_TITLE:
        raise EventError("title")
    return title


async def _place(session: AsyncSession, event: Event, text: str) -> None:
    """The place as typed, or the community's landmark of that name (either language)."""
    place = text.strip()
    if not place or len(place) > MAX_PLACE:
        raise EventError("place")
    landmark = await landmark_named(session, name=place, community_id=event.community_id)
    own = landmark is not None and landmark.community_id == event.community_id
    event.place = place
    event.landmark_id = landmark.id if own and landmark is not None else None


async def _cancel_drafts(session: AsyncSession, *, author_id: int) -> None:
    await session.exec(
        update(Event)
        .where(col(Event.author_id) == author_id, col(Event.status) == EventStatus.DRAFT)
        .values(status=EventStatus.CANCELLED)
    )


async def start_event(
    session: AsyncSession, *, scope: Scope, community_id: int, now: datetime
) -> Event:
    """The wizard's draft (an older draft of the planner is cancelled), at the title step."""
    if not scope.covers(community_id):
        raise EventError("not_yours")
    await _cancel_drafts(session, author_id=scope.person_id)
    event = Event(community_id=community_id, author_id=scope.person_id, created_at=now)
    session.add(event)
    await session.flush()
    return event


async def start_by_line(
    session: AsyncSession, *, scope: Scope, parts: list[str], now: datetime, tz: tzinfo
) -> Event:
    """The one line: slug, title, start, duration, place, capacity; at the compose step."""
    slug, title, start, duration, place, capacity = parts
    community = await community_by_slug(session, slug=slug.strip())
    if community is None or community.id is None:
        raise EventError("unknown_community")
    if not scope.covers(community.id):
        raise EventError("not_yours")
    checked = (
        _title(title),
        parse_start(start, now=now, tz=tz),
        parse_duration(duration),
        parse_capacity(capacity),
    )
    event = await start_event(session, scope=scope, community_id=community.id, now=now)
    event.title, event.starts_at, event.minutes, event.capacity = checked
    await _place(session, event, place)
    event.step = EventStep.COMPOSE
    return await _bump(session, event)


async def write_step(
    session: AsyncSession, *, event: Event, text: str, now: datetime, tz: tzinfo
) -> Event:
    """The wizard's typed answer to its step; at the compose step, a report reference links
    the report and any other words are the notes on what to bring."""
    step = event.step
    if step == EventStep.TITLE:
        event.title, event.step = _title(text), EventStep.START
    elif step == EventStep.START:
        event.starts_at, event.step = parse_start(text, now=now, tz=tz), EventStep.DURATION
    elif step == EventStep.DURATION:
        event.minutes, event.step = parse_duration(text), EventStep.PLACE
    elif step == EventStep.PLACE:
        await _place(session, event, text)
        event.step = EventStep.CAPACITY
    elif step == EventStep.CAPACITY:
        event.capacity, event.step = parse_capacity(text), EventStep.COMPOSE
    elif (rank := ballot_rank(text)) is not None:
        event.ballot_item_id = await ranked_item(session, event=event, rank=rank)
        if event.ballot_item_id is None:
            raise EventError("no_ballot_item")
    elif text.strip().upper().startswith("R") and (report_id := parse_ref(text)) is not None:
        report = await session.get(Report, report_id)
        if report is None or report.community_id != event.community_id:
            raise EventError("no_report")
        event.report_id = report_id
    else:
        notes = text.strip()
        if len(notes) > MAX_NOTES:
            raise EventError("notes")
        event.notes = notes
    return await _bump(session, event)


async def _bump(session: AsyncSession, event: Event) -> Event:
    event.version += 1
    session.add(event)
    await session.flush()
    return event


async def draft_for(session: AsyncSession, *, scope: Scope, event_id: int, version: int) -> Event:
    """The planner's draft as its preview showed it; refused otherwise."""
    event = await session.get(Event, event_id)
    if event is None or event.author_id != scope.person_id:
        raise EventError("stale")
    if event.status == EventStatus.PUBLISHED:
        raise EventError("already_published")
    if event.status != EventStatus.DRAFT or event.version != version:
        raise EventError("stale")
    if not scope.covers(event.community_id):
        raise EventError("not_yours")
    return event


async def cancel_draft(
    session: AsyncSession, *, scope: Scope, event_id: int, version: int
) -> Event:
    event = await draft_for(session, scope=scope, event_id=event_id, version=version)
    event.status = EventStatus.CANCELLED
    session.add(event)
    await session.flush()
    return event


@dataclass(frozen=True)
class EventFacts:
    """An event with what showing it needs: its community and landmark."""

    event: Event
    community: Community
    landmark: Landmark | None
    ballot_item: tuple[int, str, str] | None = None  # (rank, ballot title, its words)


async def facts(session: AsyncSession, *, event: Event) -> EventFacts:
    community = await session.get(Community, event.community_id)
    assert community is not None
    landmark = await session.get(Landmark, event.landmark_id) if event.landmark_id else None
    return EventFacts(event, community, landmark, await ballot_item_line(session, event=event))


def event_params(found: EventFacts, *, tz: tzinfo) -> dict[str, Any]:
    """What an invitation or a reminder carries: plain values, put into words when sent."""
    event, landmark = found.event, found.landmark
    assert event.starts_at is not None
    return {
        "event_id": event.id,
        "title": event.title,
        "when": event.starts_at.astimezone(tz).strftime(LOCAL_FORMAT),
        "minutes": event.minutes,
        "place_zh": landmark.name_zh if landmark else event.place,
        "place_en": (landmark.name_en or landmark.name_zh) if landmark else event.place,
        "capacity": event.capacity,
        "notes": event.notes,
        "community_zh": found.community.name_zh,
        "community_en": found.community.name_en,
    }


def _residents(community_id: int) -> Any:
    opted_out = exists().where(
        col(ResidentPreference.person_id) == col(Person.id),
        col(ResidentPreference.accept_notices).is_(False),
    )
    return (
        select(Person)
        .where(col(Person.community_id) == community_id, col(Person.unreachable).is_(False))
        .where(~opted_out)
        .order_by(col(Person.id))
    )


async def audience(session: AsyncSession, *, event: Event) -> tuple[int, int]:
    """How many residents and committee chats Publish would invite now."""
    people = list((await session.exec(_residents(event.community_id))).all())
    chats = await committee_chats(session, community_id=event.community_id)
    return len(people), len(chats)


async def _invite(
    session: AsyncSession, *, people: list[Person], params: dict[str, Any], now: datetime
) -> int:
    invited = 0
    for person in people:
        key = f"event:{params['event_id']}:invite:p{person.id}"
        queued = await enqueue(
            session, person=person, kind=EVENT_INVITE, params=params, now=now, dedupe_key=key
        )
        invited += queued is not None
    return invited


async def publish(
    session: AsyncSession,
    *,
    scope: Scope,
    event_id: int,
    version: int,
    now: datetime,
    tz: tzinfo,
) -> tuple[Event, int]:
    """Publish the draft once and invite its audience; the event and how many were invited.
    A start that has passed since the draft was written is refused."""
    event = await draft_for(session, scope=scope, event_id=event_id, version=version)
    assert event.starts_at is not None
    if event.starts_at <= now:
        raise EventError("start_past")
    moved = await session.exec(
        update(Event)
        .where(col(Event.id) == event_id, col(Event.status) == EventStatus.DRAFT)
        .where(col(Event.version) == version)
        .values(status=EventStatus.PUBLISHED, published_at=now)
    )
    if int(moved.rowcount) != 1:  # another press won the race
        raise EventError("already_published")
    await session.refresh(event)
    params = event_params(await facts(session, event=event), tz=tz)
    people = list((await session.exec(_residents(event.community_id))).all())
    invited = await _invite(session, people=people, params=params, now=now)
    for chat in await committee_chats(session, community_id=event.community_id):
        row = OutboxMessage(
            chat_id=chat.chat_id,
            locale=chat.locale,
            kind=EVENT_INVITE,
            params={**params, "group": True},
            dedupe_key=f"event:{event_id}:invite:c{chat.chat_id}",
            not_before=now,
            created_at=now,
        )
        invited += await insert_or_skip(session, row, conflict=("dedupe_key",)) is not None
    return event, invited


async def invite_followers(
    session: AsyncSession, *, scope: Scope, event_id: int, now: datetime, tz: tzinfo
) -> int:
    """Invite the linked report's reporter and followers (one step for the planner); those
    invited already are not invited again (the same dedupe key). How many were invited."""
    event = await session.get(Event, event_id)
    if event is None or not scope.covers(event.community_id):
        raise EventError("stale")
    if event.status != EventStatus.PUBLISHED or event.report_id is None:
        raise EventError("stale")
    assert event.starts_at is not None
    if event.starts_at <= now:
        raise EventError("started")
    followers = select(ReportFollower.person_id).where(ReportFollower.report_id == event.report_id)
    query = select(Person).where(col(Person.id).in_(followers), col(Person.unreachable).is_(False))
    people = list((await session.exec(query.order_by(col(Person.id)))).all())
    params = event_params(await facts(session, event=event), tz=tz)
    return await _invite(session, people=people, params=params, now=now)


async def planner_events(
    session: AsyncSession, *, community_ids: tuple[int, ...], limit: int = 10
) -> list[Event]:
    """Published events of these communities, the latest start first."""
    query = (
        select(Event)
        .where(col(Event.community_id).in_(community_ids))
        .where(Event.status == EventStatus.PUBLISHED)
        .order_by(col(Event.starts_at).desc(), col(Event.id).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


def reminder_times(event: Event) -> dict[str, datetime]:
    """When each reminder is due: 24 and 2 hours before the start."""
    assert event.starts_at is not None
    return {
        "24h": event.starts_at - timedelta(hours=24),
        "2h": event.starts_at - timedelta(hours=2),
    }
