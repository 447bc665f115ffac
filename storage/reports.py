"""Reading reports: one report, its photos and history; a planner's "after" photo."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class AfterPhoto:
    """A planner's photo of the fixed corner, stored, with Telegram's ids for it."""

    stored: StoredPhoto
    file_id: str
    file_unique_id: str


async def add_after_photo(
    session: AsyncSession, *, report_id: int, photo: AfterPhoto
) -> ReportPhoto:
    """A planner's photo of the fixed corner, shown next to the resident's 'before'."""
    count = len(await report_photos(session, report_id=report_id))
    row = ReportPhoto(
        report_id=report_id,
        position=count + 1,
        kind="after",
        telegram_file_id=photo.file_id,
        file_unique_id=photo.file_unique_id,
        path=photo.stored.path,
        phash=photo.stored.phash,
        width=photo.stored.width,
        height=photo.stored.height,
    )
    session.add(row)
    await session.flush()
    return row


def before_and_after(photos: list[ReportPhoto]) -> list[ReportPhoto]:
    """The resident's first photo and the latest "after" photo, when there is one."""
    before = [p for p in photos if p.kind != "after"][:1]
    after = [p for p in photos if p.kind == "after"][-1:]
    return before + after


def parse_ref(text: str) -> int | None:
    """`R-000123`, `r-123` or `123` to a report id; None for anything else."""
    cleaned = text.strip().upper().removeprefix("R-").removeprefix("R")
    if not cleaned.isdigit() or len(cleaned) > 9:
        return None
    return int(cleaned)
