"""Sending a notice: its audience, one outbox row per recipient, and the counts as it goes.

Audience: the residents of the notice's community who accept notices (`/settings`, on by
default) and are reachable, plus the community's committee chats; or, for a notice linked
to a report and sent to its followers, that report's reporter and followers who accept
notices. Planners are not left out: a planner who chose the community as their own is one
of its residents, and a notice they send reaches them as it reaches their neighbours.

Send writes every recipient's row in one transaction, guarded twice: the notice moves from
`draft` to `sending` only once (`UPDATE … WHERE status = 'draft' AND version = :seen`), and
each row's dedupe key `notice:<id>:p<person>` (`:c<chat>` for a group) is unique, so a notice
is queued once per recipient even if Send is pressed twice
(tests/conversation/test_notices.py, `test_send_pressed_twice_sends_once`).

Progress is counted from the rows themselves (`outbox_message.notice_id`, indexed): sent,
blocked (unreachable), failed and still to go. When none is left to go, `finish` writes the
final counts on the notice (sent rows are pruned later; the counts stay).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, cast, exists, literal
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage.groups import committee_chats
from storage.models import LinkedChat, OutboxMessage, OutboxStatus, Person, ReportFollower
from storage.notice_models import Notice, NoticeStatus, ResidentPreference
from storage.notices import NoticeError, draft_for, notice_content
from storage.triage import Scope
from storage.types import UTCDateTime
from storage.writes import insert_or_skip

NOTICE_KIND = "notice"


@dataclass(frozen=True)
class Audience:
    residents: int
    chats: int


@dataclass(frozen=True)
class Preview:
    """What the planner sees before Send: the notice as residents get it, and to whom."""

    notice: Notice
    content: dict[str, Any]
    audience: Audience


async def preview(session: AsyncSession, *, notice: Notice) -> Preview:
    content = await notice_content(session, notice=notice)
    return Preview(notice, content, await audience(session, notice=notice))


@dataclass(frozen=True)
class Counts:
    total: int
    sent: int
    unreachable: int
    failed: int

    @property
    def left(self) -> int:
        return self.total - self.sent - self.unreachable - self.failed

    def shown(self) -> str:
        return f"{self.sent}/{self.total}/{self.unreachable}/{self.failed}"


async def audience_chats(session: AsyncSession, *, community_id: int) -> list[LinkedChat]:
    """The community's committee chats (linked with `/link committee`), each in its language."""
    return await committee_chats(session, community_id=community_id)


def _recipients(notice: Notice) -> SelectOfScalar[Any]:
    """Ids of the people a notice goes to (see the module's docstring)."""
    opted_out = exists().where(
        col(ResidentPreference.person_id) == col(Person.id),
        col(ResidentPreference.accept_notices).is_(False),
    )
    query: SelectOfScalar[Any] = select(Person.id)
    query = query.where(col(Person.unreachable).is_(False), ~opted_out)
    if notice.followers_only and notice.report_id is not None:
        followers = select(ReportFollower.person_id).where(
            ReportFollower.report_id == notice.report_id
        )
        return query.where(col(Person.id).in_(followers))
    return query.where(col(Person.community_id) == notice.community_id)


async def audience(session: AsyncSession, *, notice: Notice) -> Audience:
    """How many residents and group chats the notice would reach if sent now."""
    residents = select(func.count()).select_from(_recipients(notice).subquery())
    chats = (
        []
        if notice.followers_only
        else await audience_chats(session, community_id=notice.community_id)
    )
    return Audience(residents=int((await session.exec(residents)).one()), chats=len(chats))


async def send_notice(
    session: AsyncSession,
    *,
    scope: Scope,
    notice_id: int,
    version: int,
    status_chat_id: int,
    status_message_id: int,
    now: datetime,
) -> Notice:
    """Queue the notice to its audience once; the notice (now `sending`, with its total).

    Refused (NoticeError) when it was sent or cancelled already, or the preview is stale."""
    notice = await draft_for(session, scope=scope, notice_id=notice_id, version=version)
    moved = await session.exec(
        update(Notice)
        .where(col(Notice.id) == notice_id)
        .where(col(Notice.status) == NoticeStatus.DRAFT, col(Notice.version) == version)
        .values(
            status=NoticeStatus.SENDING,
            sent_at=now,
            status_chat_id=status_chat_id,
            status_message_id=status_message_id,
        )
    )
    if int(moved.rowcount) != 1:  # another press won the race
        raise NoticeError("already_sent")
    params = await notice_content(session, notice=notice)
    await _queue_people(session, notice=notice, params=params, now=now)
    if not notice.followers_only:
        for chat in await audience_chats(session, community_id=notice.community_id):
            key = f"notice:{notice_id}:c{chat.chat_id}"
            row = _row(notice, params, now, chat_id=chat.chat_id, locale=chat.locale, key=key)
            await insert_or_skip(session, row, conflict=("dedupe_key",))
    total = await session.exec(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.notice_id == notice_id)
    )
    notice.total = int(total.one())
    notice.status = NoticeStatus.SENDING
    session.add(notice)
    await session.flush()
    return notice


def _row(
    notice: Notice, params: dict[str, Any], now: datetime, *, chat_id: int, locale: str, key: str
) -> OutboxMessage:
    return OutboxMessage(
        chat_id=chat_id,
        locale=locale,
        kind=NOTICE_KIND,
        params=params,
        dedupe_key=key,
        not_before=now,
        created_at=now,
        notice_id=notice.id,
    )


async def _queue_people(
    session: AsyncSession, *, notice: Notice, params: dict[str, Any], now: datetime
) -> None:
    """One `INSERT … SELECT … ON CONFLICT (dedupe_key) DO NOTHING` for every resident."""
    people = (
        core_select(
            col(Person.telegram_id),
            col(Person.id),
            col(Person.locale),
            literal(NOTICE_KIND, String),
            literal(params, JSON),
            literal(f"notice:{notice.id}:p", String) + cast(Person.id, String),
            literal(OutboxStatus.PENDING.value, String),
            literal(0, Integer),
            literal(now, UTCDateTime),
            literal(now, UTCDateTime),
            literal("", String),
            literal(notice.id, Integer),
        )
        .where(col(Person.id).in_(_recipients(notice)))
        .order_by(col(Person.id))
    )
    columns = ["chat_id", "person_id", "locale", "kind", "params", "dedupe_key", "status"]
    columns += ["attempts", "not_before", "created_at", "last_error", "notice_id"]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage.__table__)  # type: ignore[attr-defined]
        .from_select(columns, people)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    await session.exec(statement)


async def counts(session: AsyncSession, *, notice_id: int) -> Counts:
    """The notice's rows by outcome, as they are now."""
    rows = await session.exec(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.notice_id == notice_id)
        .group_by(col(OutboxMessage.status))
    )
    by_status = dict(rows.all())
    return Counts(
        total=sum(by_status.values()),
        sent=by_status.get(OutboxStatus.SENT, 0),
        unreachable=by_status.get(OutboxStatus.BLOCKED, 0),
        failed=by_status.get(OutboxStatus.FAILED, 0),
    )


def final_counts(notice: Notice) -> Counts:
    return Counts(notice.total, notice.sent_count, notice.unreachable_count, notice.failed_count)


async def sending_notices(session: AsyncSession) -> list[tuple[Notice, Counts, str]]:
    """Notices going out now, each with its counts and its author's locale."""
    query = (
        select(Notice, Person.locale)
        .join(Person, col(Person.id) == col(Notice.author_id))
        .where(Notice.status == NoticeStatus.SENDING)
        .order_by(col(Notice.id))
    )
    found = list((await session.exec(query)).all())
    return [(n, await counts(session, notice_id=n.id or 0), locale) for n, locale in found]


async def note_progress(
    session: AsyncSession, *, notice_id: int, shown: Counts, now: datetime
) -> bool:
    """Record what the status message shows; when nothing is left to go, the notice is done
    and the counts are final. False when someone else recorded it first (or it was done)."""
    values: dict[str, Any] = {"progress_shown": shown.shown()}
    if shown.left == 0:
        values |= {
            "status": NoticeStatus.DONE,
            "finished_at": now,
            "sent_count": shown.sent,
            "unreachable_count": shown.unreachable,
            "failed_count": shown.failed,
        }
    result = await session.exec(
        update(Notice)
        .where(col(Notice.id) == notice_id, col(Notice.status) == NoticeStatus.SENDING)
        .where(col(Notice.progress_shown) != shown.shown())
        .values(**values)
    )
    return int(result.rowcount) == 1


async def recent_notices(
    session: AsyncSession, *, community_ids: tuple[int, ...], limit: int = 10
) -> list[tuple[Notice, Counts]]:
    """Notices sent in these communities, newest first, with their counts (final when done)."""
    query = (
        select(Notice)
        .where(col(Notice.community_id).in_(community_ids))
        .where(col(Notice.status).in_((NoticeStatus.SENDING, NoticeStatus.DONE)))
        .order_by(col(Notice.sent_at).desc(), col(Notice.id).desc())
        .limit(limit)
    )
    found = list((await session.exec(query)).all())
    return [
        (
            n,
            final_counts(n)
            if n.status == NoticeStatus.DONE
            else await counts(session, notice_id=n.id or 0),
        )
        for n in found
    ]
