"""Who follows a report (its reporter, "me too" residents, reporters of merged duplicates)
and the notice each of them gets of a public step."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import FollowReason, Person, Report, ReportFollower, ReportStatus
from storage.outbox import enqueue
from storage.rules import DeclineReason
from storage.writes import insert_or_skip

S = ReportStatus


async def followers(session: AsyncSession, *, report_id: int) -> list[Person]:
    """Everyone told of the report's public steps, reporter first."""
    query = (
        select(Person)
        .join(ReportFollower, col(ReportFollower.person_id) == col(Person.id))
        .where(ReportFollower.report_id == report_id)
        .order_by(col(ReportFollower.id))
    )
    return list((await session.exec(query)).all())


async def follow(
    session: AsyncSession, *, report_id: int, person_id: int, reason: FollowReason, now: datetime
) -> bool:
    """Add a follower; False when they already follow the report (also when another
    transaction added them a moment ago: INSERT … ON CONFLICT DO NOTHING)."""
    row = ReportFollower(report_id=report_id, person_id=person_id, reason=reason, created_at=now)
    return await insert_or_skip(session, row, conflict=("report_id", "person_id")) is not None


async def tell_followers(
    session: AsyncSession,
    *,
    report: Report,
    note: str,
    now: datetime,
    reason: DeclineReason | None = None,
    photo: str | None = None,
) -> None:
    """A public step's notice to each follower (stage and reason as codes, put into words in
    their language when sent; the planner's note as written), once per report version."""
    assert report.id is not None
    duplicate_of = None
    if report.duplicate_of_id is not None and report.status == S.DUPLICATE:
        duplicate_of = report.duplicate_of_id
    for person in await followers(session, report_id=report.id):
        await enqueue(
            session,
            person=person,
            kind="status",
            params={
                "report_id": report.id,
                "status": report.status,
                "note": note,
                "reason": reason,
                "duplicate_of": duplicate_of,
                "photo": photo,
            },
            now=now,
            dedupe_key=f"status:{report.id}:{report.version}:{person.id}",
        )
