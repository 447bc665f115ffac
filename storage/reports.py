"""Reading reports: one report, its photos and history; a planner's "after" photo."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.media import StoredPhoto
from storage.models import Report, ReportEvent, ReportPhoto


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


async def add_after_photo(
    session: AsyncSession, *, report_id: int, stored: StoredPhoto, file_id: str, file_unique_id: str
) -> None:
    """A planner's photo of the fixed corner, shown next to the resident's 'before'."""
    count = len(await report_photos(session, report_id=report_id))
    session.add(
        ReportPhoto(
            report_id=report_id,
            position=count + 1,
            kind="after",
            telegram_file_id=file_id,
            file_unique_id=file_unique_id,
            path=stored.path,
            phash=stored.phash,
            width=stored.width,
            height=stored.height,
        )
    )
    await session.flush()


def parse_ref(text: str) -> int | None:
    """`R-000123`, `r-123` or `123` to a report id; None for anything else."""
    cleaned = text.strip().upper().removeprefix("R-").removeprefix("R")
    if not cleaned.isdigit() or len(cleaned) > 9:
        return None
    return int(cleaned)
