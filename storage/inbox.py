"""The planners' shared inbox, the needs-info round trip, and what a planner types next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import PendingInput, Person, PersonRole, Report, ReportEvent, ReportStatus, Role
from storage.outbox import enqueue, enqueue_to_planners
from storage.rules import MAX_WORDS, overdue, stuck

S = ReportStatus


def _untriaged() -> ColumnElement[bool]:
    """Submitted, or asked for more information and answered since."""
    return or_(
        col(Report.status) == S.SUBMITTED,
        and_(col(Report.status) == S.NEEDS_INFO, col(Report.awaiting_info).is_(False)),
    )


async def next_in_inbox(
    session: AsyncSession, *, community_ids: Sequence[int], after_id: int = 0
) -> Report | None:
    """The oldest untriaged report of these communities (after `after_id`, for Skip)."""
    query = (
        select(Report)
        .where(
            col(Report.community_id).in_(list(community_ids)),
            _untriaged(),
            col(Report.id) > after_id,
        )
        .order_by(col(Report.id))
        .limit(1)
    )
    return (await session.exec(query)).first()


async def count_inbox(session: AsyncSession, *, community_ids: Sequence[int]) -> int:
    query = (
        select(func.count())
        .select_from(Report)
        .where(col(Report.community_id).in_(list(community_ids)), _untriaged())
    )
    return (await session.exec(query)).one()


async def overdue_reports(
    session: AsyncSession, *, community_ids: Sequence[int], now: datetime, hours: int
) -> list[Report]:
    """The communities' overdue reports (`rules.overdue`), oldest first."""
    query = (
        select(Report)
        .where(col(Report.community_id).in_(list(community_ids)), overdue(now=now, hours=hours))
        .order_by(col(Report.id))
    )
    return list((await session.exec(query)).all())


async def stuck_reports(
    session: AsyncSession,
    *,
    community_ids: Sequence[int],
    now: datetime,
    days: Mapping[str, int],
) -> list[Report]:
    """The communities' reports left in a stage longer than its days (`rules.stuck`)."""
    query = (
        select(Report)
        .where(col(Report.community_id).in_(list(community_ids)), stuck(now=now, days=days))
        .order_by(col(Report.id))
    )
    return list((await session.exec(query)).all())


async def is_overdue(session: AsyncSession, *, report_id: int, now: datetime, hours: int) -> bool:
    """Whether one report is overdue (`rules.overdue`)."""
    query = select(overdue(now=now, hours=hours)).where(col(Report.id) == report_id)
    return bool((await session.exec(query)).first())


async def awaiting_answer(session: AsyncSession, *, person_id: int) -> Report | None:
    """The reporter's newest report on which a planner waits for their answer."""
    query = (
        select(Report)
        .where(Report.reporter_id == person_id, col(Report.awaiting_info).is_(True))
        .order_by(col(Report.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


class AnswerTooLongError(ValueError):
    """An answer longer than a resident may write (`rules.MAX_WORDS`)."""


async def answer_question(
    session: AsyncSession, *, person: Person, text: str, now: datetime
) -> int | None:
    """The reporter's answer to a planner's question on their newest report waiting for one;
    the report's id, or None when no question waits."""
    assert person.id is not None
    report = await awaiting_answer(session, person_id=person.id)
    if report is None:
        return None
    if not await attach_answer(session, report=report, person=person, text=text, now=now):
        return None  # a planner acted on it at this very moment: no longer asked
    return report.id


async def attach_answer(
    session: AsyncSession,
    *,
    report: Report,
    person: Person,
    text: str,
    now: datetime,
    notice: dict[str, Any] | None = None,
) -> bool:
    """The reporter's answer joins the report's history; the card returns to the inbox.

    Under the same version check as every move: False (and nothing written) when the report
    changed since `report` was read, e.g. a planner acted on it while the resident typed.
    An answer longer than MAX_WORDS is refused (AnswerTooLongError), never cut. `notice`:
    more parameters for the planners' notice (the answer itself, `storage.answers`).
    """
    assert report.id is not None
    if len(text) > MAX_WORDS:
        raise AnswerTooLongError(text)
    result = await session.exec(
        update(Report)
        .where(
            col(Report.id) == report.id,
            col(Report.version) == report.version,
            col(Report.awaiting_info).is_(True),
        )
        .values(awaiting_info=False, updated_at=now, version=report.version + 1)
    )
    if result.rowcount != 1:
        return False
    await session.refresh(report)
    session.add(
        ReportEvent(
            report_id=report.id,
            actor_id=person.id,
            at=now,
            from_status=report.status,
            to_status=report.status,
            public_note=text,
        )
    )
    await enqueue_to_planners(
        session,
        community_id=report.community_id,
        kind="info_received",
        params={"report_id": report.id, **(notice or {})},
        now=now,
    )
    return True


async def set_pending(
    session: AsyncSession,
    *,
    person_id: int,
    action: str,
    report_id: int,
    expected_version: int,
    now: datetime,
    target: str = "",
) -> None:
    """Remember what the planner's next typed message is for (replacing any earlier one)."""
    await clear_pending(session, person_id=person_id)
    session.add(
        PendingInput(
            person_id=person_id,
            action=action,
            report_id=report_id,
            expected_version=expected_version,
            target=target,
            created_at=now,
        )
    )
    await session.flush()


PENDING_TTL = timedelta(minutes=30)


async def get_pending(
    session: AsyncSession, *, person_id: int, now: datetime
) -> PendingInput | None:
    """The planner's open question, unless it was asked more than PENDING_TTL ago (then a
    forgotten question can no longer swallow an unrelated message)."""
    pending = (
        await session.exec(select(PendingInput).where(PendingInput.person_id == person_id))
    ).first()
    if pending is not None and pending.created_at <= now - PENDING_TTL:
        await session.delete(pending)
        return None
    return pending


async def clear_pending(session: AsyncSession, *, person_id: int) -> bool:
    """Forget the open question; True when there was one."""
    result = await session.exec(
        delete(PendingInput).where(col(PendingInput.person_id) == person_id)
    )
    return bool(result.rowcount)


async def queue_overdue_notices(
    session: AsyncSession,
    *,
    now: datetime,
    hours: int,
    day: str,
    stale_days: Mapping[str, int],
) -> int:
    """One morning message per planner listing their overdue reports and those stuck in a
    stage (`rules.stuck`, `stale_days`), once per `day`; none for a planner with neither."""
    query = (
        select(Person, PersonRole.community_id)
        .join(PersonRole, col(PersonRole.person_id) == col(Person.id))
        .where(PersonRole.role == Role.PLANNER)
        .order_by(col(Person.id))
    )
    communities: dict[int, tuple[Person, list[int]]] = {}
    for person, community_id in (await session.exec(query)).all():
        assert person.id is not None
        communities.setdefault(person.id, (person, []))[1].append(community_id)
    queued = 0
    for person, community_ids in communities.values():
        overdue = await overdue_reports(session, community_ids=community_ids, now=now, hours=hours)
        stalled = await stuck_reports(
            session, community_ids=community_ids, now=now, days=stale_days
        )
        if not overdue and not stalled:
            continue
        message = await enqueue(
            session,
            person=person,
            kind="overdue",
            params={
                "report_ids": [r.id for r in overdue],
                "stuck": [[r.id, r.status] for r in stalled],
            },
            now=now,
            dedupe_key=f"overdue:{day}:{person.id}",
        )
        queued += message is not None
    return queued
