"""Who is writing, and where they are: one query per update (a planner's drafts aside).

Every update starts from the same facts about its sender: the person (created on first
contact), their community, their report draft and how many photos it has, a planner's
open question and draft notice, poll and event (when they are a planner), and the report on
which a planner waits for their answer (when they are its reporter). They are read together,
in one statement, so that each step of a conversation costs one read before the one write
that does the step, in the same unit of work (storage/db.py, `hold`). A planner's open
question and drafts come as ids in that statement and are loaded by id only when there is
one: a resident's read carries half the columns (0.49 instead of 0.66 ms of CPU on SQLite,
benchmarks/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, bindparam
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.db import hold, open_session
from storage.event_models import Event, EventStatus
from storage.inbox import PENDING_TTL
from storage.models import Community, DraftPhoto, Notice, PendingInput, Person, Report, ReportDraft
from storage.notice_models import NoticeStatus
from storage.people import create_person, note_contact
from storage.poll_models import Poll, PollStatus


@dataclass(frozen=True)
class CallerState:
    """The sender of an update, as read at its start."""

    person: Person
    created: bool
    community: Community | None
    draft: ReportDraft | None
    draft_photos: int  # how many photos the draft has (0 without a draft)
    pending: PendingInput | None  # a planner's open question, unless it expired
    notice_draft: Notice | None = None  # a planner's notice being written (handlers/notices.py)
    asked: int | None = None  # their newest report on which a planner waits for an answer
    poll_draft: Poll | None = None  # a planner's poll being written (handlers/polls.py)
    event_draft: Event | None = None  # a planner's event being written (handlers/events.py)

    @property
    def id(self) -> int:
        assert self.person.id is not None
        return self.person.id

    def with_draft(self, draft: ReportDraft | None, photos: int) -> CallerState:
        return replace(self, draft=draft, draft_photos=photos)


#: Person, their community, draft, draft photo count, the report a planner waits on; and the
#: ids of a planner's open question, notice draft, poll draft and event draft (almost always
#: none: loaded by id when there is one, so a resident's read carries half the columns)
CallerQuery = Select[
    Person,
    Community | None,
    ReportDraft | None,
    int,
    int | None,
    int | None,
    int | None,
    int | None,
    int | None,
]


def _caller_query() -> CallerQuery:
    """The one statement that reads a caller: built once (building it costs more than running
    it), the sender's Telegram id a bound parameter."""
    home = aliased(Community)
    photos = (
        select(func.count())
        .select_from(DraftPhoto)
        .where(col(DraftPhoto.draft_id) == col(ReportDraft.id))
        .scalar_subquery()
    )
    asked = (
        select(func.max(Report.id))
        .where(col(Report.reporter_id) == col(Person.id), col(Report.awaiting_info).is_(True))
        .scalar_subquery()
    )
    # sqlmodel's select() takes at most four entities; its Select class takes more.
    columns: CallerQuery = Select(
        Person,
        home,
        ReportDraft,
        photos,
        asked,
        col(PendingInput.id),
        col(Notice.id),
        col(Poll.id),
        col(Event.id),
    )
    return (
        columns.outerjoin(home, col(home.id) == col(Person.community_id))
        .outerjoin(ReportDraft, col(ReportDraft.person_id) == col(Person.id))
        .outerjoin(PendingInput, col(PendingInput.person_id) == col(Person.id))
        .outerjoin(  # at most one draft per author (uq_notice_draft_author)
            Notice,
            and_(col(Notice.author_id) == col(Person.id), col(Notice.status) == NoticeStatus.DRAFT),
        )
        .outerjoin(  # at most one draft per author (uq_poll_draft_author)
            Poll,
            and_(col(Poll.author_id) == col(Person.id), col(Poll.status) == PollStatus.DRAFT),
        )
        .outerjoin(  # at most one draft per author (uq_event_draft_author)
            Event,
            and_(col(Event.author_id) == col(Person.id), col(Event.status) == EventStatus.DRAFT),
        )
        .where(col(Person.telegram_id) == bindparam("telegram_id"))
    )


CALLER_QUERY = _caller_query()


async def load_caller(
    session: AsyncSession, *, telegram_id: int, first_name: str, locale: str, now: datetime
) -> CallerState:
    """The sender with their community, draft and open question; created (with `locale`)
    on first contact, their first name kept up to date."""
    row = (await session.exec(CALLER_QUERY, params={"telegram_id": telegram_id})).first()
    if row is None:
        person, created = await create_person(
            session, telegram_id=telegram_id, first_name=first_name, locale=locale, now=now
        )
        if created:
            return CallerState(person, True, None, None, 0, None)
        # another update of theirs created them a moment ago: read them as usual
        return await load_caller(
            session, telegram_id=telegram_id, first_name=first_name, locale=locale, now=now
        )
    person, community, draft, count, asked_id, pending_id, notice_id, poll_id, event_id = row
    pending = await session.get(PendingInput, pending_id) if pending_id else None
    notice = await session.get(Notice, notice_id) if notice_id else None
    poll = await session.get(Poll, poll_id) if poll_id else None
    event = await session.get(Event, event_id) if event_id else None
    note_contact(session, person=person, first_name=first_name)
    if pending is not None and pending.created_at <= now - PENDING_TTL:
        pending = None  # a forgotten question no longer takes the next message
    return CallerState(
        person, False, community, draft, int(count or 0), pending, notice, asked_id, poll, event
    )


async def begin_update(
    engine: AsyncEngine, *, telegram_id: int, first_name: str, locale: str, now: datetime
) -> CallerState:
    """The sender read as an update's first unit of work. When the read wrote nothing
    (someone we know, their name unchanged) its session is held for the task's next unit of
    work, so the read and the step are one transaction (storage/db.py, `hold`); a first
    contact or a changed name is committed at once, so a step that fails cannot take it back
    (tests/conversation/test_held_unit.py)."""
    session = open_session(engine)
    try:
        state = await load_caller(
            session, telegram_id=telegram_id, first_name=first_name, locale=locale, now=now
        )
        wrote = state.created or bool(session.dirty)
        if wrote:
            await session.commit()
    except BaseException:
        await session.close()
        raise
    if wrote:
        await session.close()
    else:
        hold(engine, session)
    return state
