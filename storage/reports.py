"""Reading reports: a resident's own list, one report with its photos and history."""

from __future__ import annotations

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Report, ReportEvent, ReportPhoto


async def count_reports_by(session: AsyncSession, *, reporter_id: int) -> int:
    query = select(func.count()).select_from(Report).where(Report.reporter_id == reporter_id)
    return (await session.exec(query)).one()


async def reports_by(
    session: AsyncSession, *, reporter_id: int, offset: int = 0, limit: int = 5
) -> list[Report]:
    """A resident's reports, newest first."""
    query = (
        select(Report)
        .where(Report.reporter_id == reporter_id)
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def get_report(session: AsyncSession, *, report_id: int) -> Report | None:
    return await session.get(Report, report_id)


async def report_photos(session: AsyncSession, *, report_id: int) -> list[ReportPhoto]:
    query = (
        select(ReportPhoto)
        .where(ReportPhoto.report_id == report_id)
        .order_by(col(ReportPhoto.position))
    )
    return list((await session.exec(query)).all())


async def report_events(session: AsyncSession, *, report_id: int) -> list[ReportEvent]:
    query = (
        select(ReportEvent)
        .where(ReportEvent.report_id == report_id)
        .order_by(col(ReportEvent.at), col(ReportEvent.id))
    )
    return list((await session.exec(query)).all())
