"""The report lifecycle: one function moves a report, writes its event and its notifications.

```
submitted ──triage──> accepted ──> planned ──> in_progress ──> resolved ──> closed
    │                     ▲  <·········  <·········               │
    ├──> needs_info ──────┘  (one stage back)     reopened <──────┘
    ├──> duplicate
    └──> declined  <── also from accepted, planned, in_progress, reopened
```
Every move is guarded by the report's version (optimistic concurrency): of two planners
acting on the same version, the second is refused and nothing is written or sent twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.followers import follow, followers, tell_followers
from storage.models import (
    FollowReason,
    Person,
    Report,
    ReportEvent,
    ReportStatus,
)
from storage.outbox import enqueue, enqueue_to_planners
from storage.reports import AfterPhoto, add_after_photo
from storage.rules import DeclineReason, Satisfaction, satisfied

S = ReportStatus
ALLOWED: dict[ReportStatus, frozenset[ReportStatus]] = {
    S.SUBMITTED: frozenset({S.ACCEPTED, S.NEEDS_INFO, S.DUPLICATE, S.DECLINED}),
    S.NEEDS_INFO: frozenset({S.ACCEPTED, S.DUPLICATE, S.DECLINED}),
    S.ACCEPTED: frozenset({S.PLANNED, S.DECLINED}),
    S.PLANNED: frozenset({S.IN_PROGRESS, S.ACCEPTED, S.DECLINED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.PLANNED, S.DECLINED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset({S.PLANNED, S.IN_PROGRESS, S.RESOLVED, S.DECLINED}),
    S.CLOSED: frozenset(),
    S.DUPLICATE: frozenset(),
    S.DECLINED: frozenset(),
}
#: A planner may step a report back one stage (with a reason its followers hear).
STEP_BACK: dict[ReportStatus, ReportStatus] = {S.PLANNED: S.ACCEPTED, S.IN_PROGRESS: S.PLANNED}
TRIAGE = frozenset({S.ACCEPTED, S.NEEDS_INFO, S.DUPLICATE, S.DECLINED})
OPEN = frozenset({S.SUBMITTED, S.NEEDS_INFO, S.ACCEPTED, S.PLANNED, S.IN_PROGRESS, S.REOPENED})
AUTO_CLOSE_AFTER = timedelta(days=7)
PLANNER_STEPS = (S.PLANNED, S.IN_PROGRESS, S.RESOLVED)  # what /report offers after accept


class TransitionError(ValueError):
    """A move refused: `code` is not_found, not_allowed, stale (someone acted first), or for
    a merge self / target_closed.

    It carries plain values, never an ORM object (the rollback that follows the refusal
    expires those): the report's id and status, and for stale, the first name of who moved
    it last (tests/conversation/test_races.py).
    """

    def __init__(
        self, code: str, *, report_id: int | None = None, status: str = "", by: str = ""
    ) -> None:
        super().__init__(code)
        self.code = code
        self.report_id = report_id
        self.status = status
        self.by = by


def _refused(code: str, report: Report) -> TransitionError:
    return TransitionError(code, report_id=report.id, status=report.status)


async def stale(session: AsyncSession, report: Report) -> TransitionError:
    """The refusal of a version someone moved on from, naming who moved it last."""
    assert report.id is not None
    who = await last_actor(session, report_id=report.id)
    return TransitionError(
        "stale", report_id=report.id, status=report.status, by=who.first_name if who else ""
    )


def allowed_next(status: str) -> frozenset[ReportStatus]:
    return ALLOWED.get(ReportStatus(status), frozenset())


def forward_steps(status: str) -> list[ReportStatus]:
    """The stages a planner can move a report on to (not back, not declined), in order."""
    back = STEP_BACK.get(ReportStatus(status))
    return [s for s in PLANNER_STEPS if s in allowed_next(status) and s is not back]


async def last_actor(session: AsyncSession, *, report_id: int) -> Person | None:
    query = (
        select(Person)
        .join(ReportEvent, col(ReportEvent.actor_id) == col(Person.id))
        .where(ReportEvent.report_id == report_id)
        .order_by(col(ReportEvent.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def transition(
    session: AsyncSession,
    *,
    report_id: int,
    expected_version: int,
    to: ReportStatus,
    actor_id: int | None,
    now: datetime,
    public_note: str = "",
    private_note: str = "",
    department: str | None = None,
    duplicate_of_id: int | None = None,
    reason: DeclineReason | None = None,
    after_photo: AfterPhoto | None = None,
    notify: bool = True,
) -> Report:
    """Move a report to `to`, append its event, and queue a notice to every follower
    (unless `notify` is false: a step passed through in the same instant as the next one,
    see storage/department_work.py). A
    template `reason` is kept as its code, and put into words in each reader's language.
    A resolution may come with an `after_photo` of the fixed corner: it is stored with the
    report, and every follower's notice carries it (sent as one photo, the notice its
    caption: tests/conversation/test_hearing_back.py)."""
    if after_photo is not None and to is not S.RESOLVED:
        raise TransitionError("not_allowed", report_id=report_id)
    report = await session.get(Report, report_id)
    if report is None:
        raise TransitionError("not_found")
    await session.refresh(report)
    if report.version != expected_version:
        raise await stale(session, report)
    current = ReportStatus(report.status)
    if to not in ALLOWED[current]:
        raise _refused("not_allowed", report)
    values: dict[str, object] = {
        "status": to,
        "version": expected_version + 1,
        "updated_at": now,
        "awaiting_info": to is S.NEEDS_INFO,
    }
    if to in TRIAGE and report.first_response_at is None:
        values["first_response_at"] = now
    if to is S.RESOLVED:  # a new resolution asks for a new rating
        values.update(resolved_at=now, rating=None, rated_at=None)
    if to is S.CLOSED:
        values["closed_at"] = now
    if to is S.REOPENED:
        values["resolved_at"] = None
    if department is not None:
        values["department"] = department
    if duplicate_of_id is not None:
        values["duplicate_of_id"] = duplicate_of_id
    result = await session.exec(
        update(Report)
        .where(col(Report.id) == report_id, col(Report.version) == expected_version)
        .values(**values)
    )
    if result.rowcount != 1:  # another process moved it between our read and our write
        await session.refresh(report)
        raise await stale(session, report)
    await session.refresh(report)
    session.add(
        ReportEvent(
            report_id=report_id,
            actor_id=actor_id,
            at=now,
            from_status=current,
            to_status=to,
            public_note=public_note,
            private_note=private_note,
            decline_reason=reason,
        )
    )
    photo = None
    if after_photo is not None:
        photo = await add_after_photo(session, report_id=report_id, photo=after_photo)
    if not notify:
        return report
    await _notify_followers(
        session,
        report=report,
        public_note=public_note,
        reason=reason,
        photo=photo.telegram_file_id if photo else None,
        now=now,
    )
    return report


async def _notify_followers(
    session: AsyncSession,
    *,
    report: Report,
    public_note: str,
    reason: DeclineReason | None,
    photo: str | None,
    now: datetime,
) -> None:
    await tell_followers(
        session, report=report, note=public_note, reason=reason, photo=photo, now=now
    )
    if report.status == S.RESOLVED and report.reporter_id is not None:
        reporter = await session.get(Person, report.reporter_id)
        if reporter is not None:
            await enqueue(
                session,
                person=reporter,
                kind="rate",
                params={"report_id": report.id},
                now=now,
                dedupe_key=f"rate:{report.id}:{report.version}",
            )


async def root_of(session: AsyncSession, *, report: Report) -> Report:
    """Follow duplicate_of links to the report that is not itself a duplicate."""
    seen: set[int] = set()
    current = report
    while current.duplicate_of_id is not None and current.id not in seen:
        seen.add(current.id or 0)
        parent = await session.get(Report, current.duplicate_of_id)
        if parent is None:
            break
        current = parent
    return current


async def merge(
    session: AsyncSession,
    *,
    report_id: int,
    into_id: int,
    expected_version: int,
    actor_id: int | None,
    now: datetime,
) -> tuple[Report, Report]:
    """Mark a report as a duplicate of the root of `into_id`; its followers follow the root.

    Refused (`self`) when the root is the report itself, which covers merging a report into
    itself and into one of its own duplicates.
    """
    report = await session.get(Report, report_id)
    target = await session.get(Report, into_id)
    if report is None or target is None:
        raise TransitionError("not_found")
    root = await root_of(session, report=target)
    if root.id == report.id:  # into itself, or into one of its own duplicates
        raise _refused("self", report)
    if root.status not in OPEN:
        raise _refused("target_closed", root)
    assert root.id is not None
    report = await transition(
        session,
        report_id=report_id,
        expected_version=expected_version,
        to=S.DUPLICATE,
        actor_id=actor_id,
        now=now,
        duplicate_of_id=root.id,
    )
    # The root as read above must still be the root, open, at the version we saw; the
    # guarded no-op holds its row until commit, so it cannot be moved under the merge.
    held = await session.exec(
        update(Report)
        .where(
            col(Report.id) == root.id,
            col(Report.version) == root.version,
            col(Report.duplicate_of_id).is_(None),
            col(Report.status).in_(list(OPEN)),
        )
        .values(updated_at=col(Report.updated_at))
    )
    if held.rowcount != 1:
        await session.refresh(root)
        raise await stale(session, root)
    # read after the report's own guarded update, so no follower added meanwhile is missed
    moved = [p.id for p in await followers(session, report_id=report_id) if p.id is not None]
    for person_id in moved:
        await follow(
            session, report_id=root.id, person_id=person_id, reason=FollowReason.MERGED, now=now
        )
    return report, root


async def rate(
    session: AsyncSession,
    *,
    report_id: int,
    person_id: int,
    answer: Satisfaction,
    now: datetime,
) -> Report:
    """The reporter's answer to "is it fixed?": 满意 or 基本满意 (`rules.satisfied`) close the
    report; 不满意 or 没修好 reopen it and tell its planners. The answer is kept as its code."""
    report = await session.get(Report, report_id)
    if report is None or report.reporter_id != person_id:
        raise TransitionError("not_found")
    if report.status != S.RESOLVED:
        raise _refused("not_allowed", report)
    to = S.CLOSED if satisfied(answer) else S.REOPENED
    report = await transition(
        session,
        report_id=report_id,
        expected_version=report.version,
        to=to,
        actor_id=person_id,
        now=now,
    )
    report.rating, report.rated_at = answer.value, now
    session.add(report)
    if to is S.REOPENED:
        await enqueue_to_planners(
            session,
            community_id=report.community_id,
            kind="reopened",
            params={"report_id": report_id, "answer": answer.value},
            now=now,
            dedupe_key=f"reopened:{report_id}:{report.version}",
        )
    return report


async def auto_close(session: AsyncSession, *, now: datetime) -> list[int]:
    """Close reports resolved more than 7 days ago that nobody rated; returns their ids."""
    query = select(Report).where(
        Report.status == S.RESOLVED,
        col(Report.resolved_at) <= now - AUTO_CLOSE_AFTER,
        col(Report.rating).is_(None),
    )
    closed: list[int] = []
    for report in (await session.exec(query)).all():
        assert report.id is not None
        try:
            await transition(
                session,
                report_id=report.id,
                expected_version=report.version,
                to=S.CLOSED,
                actor_id=None,
                now=now,
            )
        except TransitionError:
            continue  # someone acted on it meanwhile; it is no longer due
        closed.append(report.id)
    return closed
