"""A resident's answer to a planner's question ("needs info"): their words or a photo.

The answer goes to the report the planner asked about, whatever else the resident is doing
(a draft open, say), and the planners read the answer itself in their notice, with the
report's reference: the words, or the photo (added to the report's photos).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.callers import CallerState
from storage.inbox import attach_answer
from storage.media import StoredPhoto
from storage.models import ReportPhoto
from storage.reports import get_report

#: The answer's words shown under a photo in the planners' notice (a caption holds 1024).
CAPTION_WORDS = 700


@dataclass(frozen=True)
class AnswerPhoto:
    """A photo sent as an answer: stored (EXIF-free) and as Telegram knows it."""

    stored: StoredPhoto
    file_id: str
    file_kind: str  # "photo", or "document" for an image sent as a file
    file_unique_id: str


async def answer_question(
    session: AsyncSession,
    *,
    caller: CallerState,
    text: str,
    now: datetime,
    photo: AnswerPhoto | None = None,
) -> int | None:
    """The resident's answer on their newest report waiting for one (`CallerState.asked`):
    it joins the report's history (a photo joins its photos) and the planners are told it.
    The report's id, or None when no question waits (or a planner acted on it just now).
    Words longer than MAX_WORDS are refused (`AnswerTooLongError`)."""
    if caller.asked is None:
        return None
    report = await get_report(session, report_id=caller.asked)
    if report is None or report.id is None or not report.awaiting_info:
        return None
    notice: dict[str, object] = {"text": text}
    if photo is not None:
        notice = {
            "text": text[:CAPTION_WORDS],
            "photo": photo.file_id,
            "photo_kind": photo.file_kind,
        }
    if not await attach_answer(
        session, report=report, person=caller.person, text=text, now=now, notice=notice
    ):
        return None
    if photo is not None:
        await _add_photo(session, report_id=report.id, photo=photo)
    return report.id


async def add_album_photo(
    session: AsyncSession, *, person_id: int, report_id: int, photo: AnswerPhoto
) -> bool:
    """A further photo of the album whose first photo answered the question on `report_id`:
    it joins the report's photos too (the reporter's own report only)."""
    report = await get_report(session, report_id=report_id)
    if report is None or report.reporter_id != person_id:
        return False
    await _add_photo(session, report_id=report_id, photo=photo)
    return True


async def _add_photo(session: AsyncSession, *, report_id: int, photo: AnswerPhoto) -> None:
    last = select(func.max(ReportPhoto.position)).where(col(ReportPhoto.report_id) == report_id)
    position = ((await session.exec(last)).one() or 0) + 1
    stored = photo.stored
    session.add(
        ReportPhoto(
            report_id=report_id,
            position=position,
            kind="before",
            telegram_file_id=photo.file_id,
            file_kind=photo.file_kind,
            file_unique_id=photo.file_unique_id,
            path=stored.path,
            phash=stored.phash,
            width=stored.width,
            height=stored.height,
        )
    )
    await session.flush()
