"""What a planner does: one operation per action, each one transaction.

A planner acts within a `Scope`, the communities they serve; a report outside it is
refused (`not_permitted`), and so is a merge into one. Every action names the version of
the report the planner saw: if someone moved it since, the action is refused as `stale`,
with who moved it (`storage.lifecycle.TransitionError`, plain values only). An action that
moves a report on from the inbox also reads the next card, for the same reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ballot_tally import report_rank
from storage.communities import get_community
from storage.department_work import queue_cards
from storage.duplicates import Candidate, likely_duplicates
from storage.inbox import clear_pending, count_inbox, is_overdue, next_in_inbox, set_pending
from storage.lifecycle import TransitionError, merge, stale, transition
from storage.models import Community, PendingInput, Report, ReportNote, ReportPhoto, ReportStatus
from storage.reports import AfterPhoto, get_report, report_photos
from storage.rules import MAX_NOTE, DeclineReason

S = ReportStatus
FROM_THE_INBOX = frozenset({S.ACCEPTED, S.DECLINED, S.NEEDS_INFO, S.DUPLICATE})
IN_THE_INBOX = frozenset({S.SUBMITTED, S.NEEDS_INFO})
CARD_NOTES = 3  # internal notes shown on a card, the newest


@dataclass(frozen=True)
class Scope:
    """A planner, and the communities they serve (all of them for an admin)."""

    person_id: int
    community_ids: tuple[int, ...]

    def covers(self, community_id: int | None) -> bool:
        """The one rule of who may act on a report: a planner of its community."""
        return community_id is not None and community_id in self.community_ids


@dataclass(frozen=True)
class Card:
    """A report as a planner sees it: photos, community, likely duplicates, overdue or not,
    and where the latest closed ballot it was on ranked it."""

    report: Report
    photos: list[ReportPhoto]
    community: Community | None
    duplicates: list[Candidate]
    overdue: bool
    notes: list[ReportNote]  # the newest internal notes and changes, for planners only
    rank: tuple[int, str] | None = None  # its rank in the latest closed ballot, and its title


@dataclass(frozen=True)
class Inbox:
    card: Card | None  # the next report waiting, if any
    waiting: int


@dataclass(frozen=True)
class Moved:
    report: Report
    root: Report | None  # for a merge: the report it now follows
    inbox: Inbox | None  # the next card, when the report left the inbox


@dataclass(frozen=True)
class Question:
    """What a planner's next typed message is for."""

    action: str  # "ni" a question, "drt" a reason, "mgr" a reference, "note" a public note
    target: str = ""  # the stage a note goes with


async def _card(
    session: AsyncSession, report: Report, *, now: datetime, hours: int, inbox: bool
) -> Card:
    assert report.id is not None
    community = (
        await get_community(session, community_id=report.community_id)
        if report.community_id is not None
        else None
    )
    return Card(
        report,
        await report_photos(session, report_id=report.id),
        community,
        await likely_duplicates(session, report=report) if inbox else [],
        await is_overdue(session, report_id=report.id, now=now, hours=hours),
        await internal_notes(session, report_id=report.id, limit=CARD_NOTES),
        await report_rank(session, report_id=report.id),
    )


async def in_scope(session: AsyncSession, *, scope: Scope, report_id: int) -> Report:
    """The report, if the planner may act on it (`not_found`, `not_permitted`)."""
    report = await get_report(session, report_id=report_id)
    if report is None:
        raise TransitionError("not_found")
    if not scope.covers(report.community_id):
        raise TransitionError("not_permitted", report_id=report_id, status=report.status)
    return report


async def _as_seen(session: AsyncSession, *, scope: Scope, report_id: int, version: int) -> Report:
    """The report, if the planner may act on it and it is still the version they saw."""
    report = await in_scope(session, scope=scope, report_id=report_id)
    if report.version != version:
        raise await stale(session, report)
    return report


async def report_card(
    session: AsyncSession, *, scope: Scope, report_id: int, now: datetime, hours: int
) -> Card:
    """/report R-…: any report of the planner's communities, with its next stages."""
    report = await in_scope(session, scope=scope, report_id=report_id)
    return await _card(session, report, now=now, hours=hours, inbox=False)


async def next_card(
    session: AsyncSession, *, scope: Scope, now: datetime, hours: int, after_id: int = 0
) -> Inbox:
    """The oldest report waiting in the planner's inbox (after `after_id`, for Skip)."""
    ids = scope.community_ids
    report = await next_in_inbox(session, community_ids=ids, after_id=after_id)
    if report is None:
        return Inbox(None, 0)
    card = await _card(session, report, now=now, hours=hours, inbox=True)
    return Inbox(card, await count_inbox(session, community_ids=ids))


async def pick(
    session: AsyncSession, *, scope: Scope, report_id: int, version: int, duplicates: bool
) -> tuple[Report, list[Candidate]]:
    """A button that only opens a menu on the card (accept, decline, back): the report, if
    it is still as the planner saw it, with its likely duplicates when asked for."""
    report = await _as_seen(session, scope=scope, report_id=report_id, version=version)
    return report, await likely_duplicates(session, report=report) if duplicates else []


async def ask(
    session: AsyncSession,
    *,
    scope: Scope,
    report_id: int,
    version: int,
    question: Question,
    now: datetime,
) -> Report:
    """Remember what the planner's next typed message is for."""
    report = await _as_seen(session, scope=scope, report_id=report_id, version=version)
    await set_pending(
        session,
        person_id=scope.person_id,
        action=question.action,
        report_id=report_id,
        expected_version=version,
        target=question.target,
        now=now,
    )
    return report


async def move(
    session: AsyncSession,
    *,
    scope: Scope,
    report_id: int,
    version: int,
    to: ReportStatus,
    now: datetime,
    hours: int,
    note: str = "",
    reason: DeclineReason | None = None,
    department: str | None = None,
    after_photo: AfterPhoto | None = None,
) -> Moved:
    """Move the report on (its followers are told); the next card when it left the inbox."""
    before = await in_scope(session, scope=scope, report_id=report_id)
    from_inbox = before.status in IN_THE_INBOX
    report = await transition(
        session,
        report_id=report_id,
        expected_version=version,
        to=to,
        actor_id=scope.person_id,
        now=now,
        public_note=note,
        reason=reason,
        department=department,
        after_photo=after_photo,
    )
    if department is not None:  # the department's chats get the card (same transaction)
        await queue_cards(session, report=report, now=now)
    await clear_pending(session, person_id=scope.person_id)
    inbox = (
        await next_card(session, scope=scope, now=now, hours=hours)
        if from_inbox and to in FROM_THE_INBOX
        else None
    )
    return Moved(report, None, inbox)


async def merge_into(
    session: AsyncSession,
    *,
    scope: Scope,
    report_id: int,
    version: int,
    into_id: int,
    now: datetime,
    hours: int,
) -> Moved:
    """Mark the report a duplicate of another of the planner's communities (its root)."""
    await in_scope(session, scope=scope, report_id=report_id)
    target = await get_report(session, report_id=into_id)
    if target is None or not scope.covers(target.community_id):
        raise TransitionError("not_found")
    report, root = await merge(
        session,
        report_id=report_id,
        into_id=into_id,
        expected_version=version,
        actor_id=scope.person_id,
        now=now,
    )
    await clear_pending(session, person_id=scope.person_id)
    return Moved(report, root, await next_card(session, scope=scope, now=now, hours=hours))


async def internal_notes(session: AsyncSession, *, report_id: int, limit: int) -> list[ReportNote]:
    """The newest planners' notes and changes of a report (`report_note`), oldest first."""
    query = (
        select(ReportNote)
        .where(ReportNote.report_id == report_id)
        .order_by(col(ReportNote.id).desc())
        .limit(limit)
    )
    return list(reversed((await session.exec(query)).all()))


async def answer(
    session: AsyncSession,
    *,
    scope: Scope,
    pending: PendingInput,
    text: str,
    into_id: int | None,
    photo: AfterPhoto | None,
    now: datetime,
    hours: int,
) -> Moved | TransitionError:
    """The planner's typed answer to their open question. A refusal is returned, not
    raised, so that this unit of work still commits: once its report moved on, the question
    is closed (tests/conversation/test_races.py); an answer too long (`too_long`) or a wrong
    reference to merge into leaves it open, to type another."""
    report_id, version = pending.report_id, pending.expected_version
    if len(text) > MAX_NOTE:  # the question stays open for a shorter answer
        return TransitionError("too_long", report_id=report_id)
    try:
        if pending.action == "mgr":
            if into_id is None:
                raise TransitionError("not_found")
            return await merge_into(
                session,
                scope=scope,
                report_id=report_id,
                version=version,
                into_id=into_id,
                now=now,
                hours=hours,
            )
        to = {"ni": S.NEEDS_INFO, "drt": S.DECLINED}.get(pending.action) or S(pending.target)
        moved = await move(
            session,
            scope=scope,
            report_id=report_id,
            version=version,
            to=to,
            now=now,
            hours=hours,
            note=text,
            after_photo=photo,
        )
    except TransitionError as refusal:
        if pending.action != "mgr" or refusal.code == "stale":
            await clear_pending(session, person_id=scope.person_id)
        return refusal
    return moved
