"""Report drafts: the conversation state of a resident writing a report, kept as rows.

A restart loses nothing a resident sent, and any bot process can continue any draft.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.media import StoredPhoto
from storage.models import (
    Category,
    DraftPhoto,
    FollowReason,
    Person,
    Report,
    ReportDraft,
    ReportEvent,
    ReportFollower,
    ReportPhoto,
    ReportStatus,
    ReportStep,
)

MAX_PHOTOS = 5
MAX_DESCRIPTION = 1000
MAX_ADDRESS = 300
STEP_ORDER = (
    ReportStep.PHOTOS,
    ReportStep.WHERE,
    ReportStep.CATEGORY,
    ReportStep.DESCRIPTION,
    ReportStep.REVIEW,
)


class DraftError(ValueError):
    """A draft operation refused; `code` names the reason for the prompt to show."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def get_draft(session: AsyncSession, *, person_id: int) -> ReportDraft | None:
    query = select(ReportDraft).where(ReportDraft.person_id == person_id)
    return (await session.exec(query)).first()


async def start_draft(session: AsyncSession, *, person: Person, now: datetime) -> ReportDraft:
    """A new draft for `person`, or their unfinished one (a resident never loses their photos)."""
    assert person.id is not None
    existing = await get_draft(session, person_id=person.id)
    if existing is not None:
        return existing
    draft = ReportDraft(
        person_id=person.id, community_id=person.community_id, created_at=now, updated_at=now
    )
    session.add(draft)
    await session.flush()
    return draft


async def draft_photos(session: AsyncSession, *, draft_id: int) -> list[DraftPhoto]:
    query = (
        select(DraftPhoto).where(DraftPhoto.draft_id == draft_id).order_by(col(DraftPhoto.position))
    )
    return list((await session.exec(query)).all())


async def count_draft_photos(session: AsyncSession, *, draft_id: int) -> int:
    query = select(func.count()).select_from(DraftPhoto).where(DraftPhoto.draft_id == draft_id)
    return (await session.exec(query)).one()


async def add_photo(
    session: AsyncSession,
    *,
    draft: ReportDraft,
    stored: StoredPhoto,
    file_id: str,
    file_unique_id: str,
    media_group_id: str | None,
    now: datetime,
    file_kind: str = "photo",
) -> int:
    """Attach a stored photo to the draft; returns how many photos it now has.

    The same Telegram file sent twice counts once. A sixth photo raises DraftError("too_many").
    """
    assert draft.id is not None
    photos = await draft_photos(session, draft_id=draft.id)
    if any(p.file_unique_id == file_unique_id for p in photos):
        return len(photos)
    if len(photos) >= MAX_PHOTOS:
        raise DraftError("too_many")
    session.add(
        DraftPhoto(
            draft_id=draft.id,
            position=len(photos) + 1,
            telegram_file_id=file_id,
            file_kind=file_kind,
            file_unique_id=file_unique_id,
            media_group_id=media_group_id,
            path=stored.path,
            phash=stored.phash,
            width=stored.width,
            height=stored.height,
        )
    )
    draft.updated_at = now
    session.add(draft)
    await session.flush()
    return len(photos) + 1


def next_step(draft: ReportDraft) -> ReportStep:
    """The step after the current one; an edit of one step returns to the review card."""
    if draft.editing:
        return ReportStep.REVIEW
    index = STEP_ORDER.index(ReportStep(draft.step))
    return STEP_ORDER[min(index + 1, len(STEP_ORDER) - 1)]


async def advance(session: AsyncSession, *, draft: ReportDraft, now: datetime) -> ReportStep:
    """Move the draft on to its next step and return it."""
    step = next_step(draft)
    return await go_to(session, draft=draft, step=step, now=now, editing=False)


async def go_back(session: AsyncSession, *, draft: ReportDraft, now: datetime) -> ReportStep:
    """One step back (never before the photos); what was given there is kept."""
    index = STEP_ORDER.index(ReportStep(draft.step))
    return await go_to(
        session, draft=draft, step=STEP_ORDER[max(index - 1, 0)], now=now, editing=False
    )


async def go_to(
    session: AsyncSession, *, draft: ReportDraft, step: ReportStep, now: datetime, editing: bool
) -> ReportStep:
    if step is ReportStep.REVIEW:
        await _check_complete(session, draft)
    draft.step = step
    draft.editing = editing
    draft.updated_at = now
    session.add(draft)
    await session.flush()
    return step


async def _check_complete(session: AsyncSession, draft: ReportDraft) -> None:
    assert draft.id is not None
    if await count_draft_photos(session, draft_id=draft.id) == 0:
        raise DraftError("no_photos")
    if draft.lat is None and not draft.address:
        raise DraftError("no_place")
    if draft.category is None:
        raise DraftError("no_category")


async def set_place(
    session: AsyncSession,
    *,
    draft: ReportDraft,
    lat: float | None,
    lon: float | None,
    address: str,
    community_id: int | None,
    outside_area: bool,
    now: datetime,
) -> None:
    address = address.strip()
    if len(address) > MAX_ADDRESS:
        raise DraftError("address_too_long")
    if lat is None and not address:
        raise DraftError("no_place")
    draft.lat, draft.lon, draft.address = lat, lon, address
    if community_id is not None:
        draft.community_id = community_id
    draft.outside_area = outside_area
    draft.updated_at = now
    session.add(draft)


async def set_category(
    session: AsyncSession, *, draft: ReportDraft, category: Category, now: datetime
) -> None:
    draft.category = category
    draft.updated_at = now
    session.add(draft)


async def set_description(
    session: AsyncSession, *, draft: ReportDraft, text: str, now: datetime
) -> None:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        raise DraftError("too_long")
    draft.description = text
    draft.updated_at = now
    session.add(draft)


async def discard_draft(session: AsyncSession, *, draft: ReportDraft) -> list[str]:
    """Delete the draft and its photo rows; returns the stored files no report uses."""
    assert draft.id is not None
    photos = await draft_photos(session, draft_id=draft.id)
    await session.exec(delete(DraftPhoto).where(col(DraftPhoto.draft_id) == draft.id))
    await session.delete(draft)
    await session.flush()
    return [p.path for p in photos]


async def count_reports_since(session: AsyncSession, *, reporter_id: int, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(Report)
        .where(Report.reporter_id == reporter_id, col(Report.created_at) >= since)
    )
    return (await session.exec(query)).one()


async def over_hourly_limit(
    session: AsyncSession, *, reporter_id: int, limit: int, now: datetime
) -> bool:
    since = now - timedelta(hours=1)
    return await count_reports_since(session, reporter_id=reporter_id, since=since) >= limit


async def submit_draft(session: AsyncSession, *, draft: ReportDraft, now: datetime) -> Report:
    """Turn a complete draft into a `submitted` report with its photos and first event.

    The caller's unit of work commits; only then may the resident see the reference.
    """
    assert draft.id is not None
    await _check_complete(session, draft)
    assert draft.category is not None
    report = Report(
        draft_id=draft.id,
        community_id=draft.community_id,
        reporter_id=draft.person_id,
        category=draft.category,
        description=draft.description,
        lat=draft.lat,
        lon=draft.lon,
        address=draft.address,
        outside_area=draft.outside_area,
        status=ReportStatus.SUBMITTED,
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    await session.flush()
    assert report.id is not None
    for photo in await draft_photos(session, draft_id=draft.id):
        session.add(
            ReportPhoto(
                report_id=report.id,
                position=photo.position,
                telegram_file_id=photo.telegram_file_id,
                file_kind=photo.file_kind,
                file_unique_id=photo.file_unique_id,
                path=photo.path,
                phash=photo.phash,
                width=photo.width,
                height=photo.height,
            )
        )
    session.add(
        ReportEvent(
            report_id=report.id,
            actor_id=draft.person_id,
            at=now,
            from_status=None,
            to_status=ReportStatus.SUBMITTED,
        )
    )
    session.add(
        ReportFollower(
            report_id=report.id,
            person_id=draft.person_id,
            reason=FollowReason.REPORTER,
            created_at=now,
        )
    )
    await session.exec(delete(DraftPhoto).where(col(DraftPhoto.draft_id) == draft.id))
    await session.delete(draft)
    await session.flush()
    return report


async def filed_from(session: AsyncSession, *, draft_id: int, reporter_id: int) -> Report | None:
    """The report this reporter filed from that draft (the draft row is gone by then)."""
    query = select(Report).where(Report.draft_id == draft_id, Report.reporter_id == reporter_id)
    return (await session.exec(query)).first()


async def clear_photos(session: AsyncSession, *, draft: ReportDraft) -> list[str]:
    """Remove every photo from the draft (to take them again); returns their stored files."""
    assert draft.id is not None
    photos = await draft_photos(session, draft_id=draft.id)
    await session.exec(delete(DraftPhoto).where(col(DraftPhoto.draft_id) == draft.id))
    await session.flush()
    return [p.path for p in photos]
