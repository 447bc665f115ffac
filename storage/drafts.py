"""Report drafts: the conversation state of a resident writing a report, kept as rows.

A restart loses nothing a resident sent, and any bot process can continue any draft.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, literal
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.media import StoredPhoto
from storage.models import (
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
from storage.writes import insert_or_skip, insert_or_skip_statement

MAX_PHOTOS = 5
MAX_ADDRESS = 300
STEP_ORDER = (
    ReportStep.PHOTOS,
    ReportStep.WHERE,
    ReportStep.COMMUNITY,
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
    """A new draft for `person`, or their unfinished one (a resident never loses their photos).

    Two updates starting a draft at once both get the one draft (INSERT … ON CONFLICT)."""
    assert person.id is not None
    existing = await get_draft(session, person_id=person.id)
    if existing is not None:
        return existing
    return await create_draft(session, person=person, now=now)


async def create_draft(session: AsyncSession, *, person: Person, now: datetime) -> ReportDraft:
    """A new draft for `person`, who has none (one query less than start_draft).

    Two updates starting one at once both get the one draft (INSERT … ON CONFLICT;
    tests/storage/test_concurrent_writes.py)."""
    assert person.id is not None
    row = ReportDraft(
        person_id=person.id, community_id=person.community_id, created_at=now, updated_at=now
    )
    created = await insert_or_skip(session, row, conflict=("person_id",))
    draft = created or await get_draft(session, person_id=person.id)
    assert draft is not None
    return draft


DRAFT_PHOTOS = DraftPhoto.__table__  # type: ignore[attr-defined]
DRAFTS = ReportDraft.__table__  # type: ignore[attr-defined]

# The statements of the report conversation's steps are built once, their values bound
# parameters: building a statement and its cache key costs more than running it
# (benchmarks/README.md, "SQLite in the loop, statements built once").
_DRAFT_PHOTOS = (
    select(DraftPhoto)
    .where(col(DraftPhoto.draft_id) == bindparam("draft_id"))
    .order_by(col(DraftPhoto.position))
)
_COUNT_DRAFT_PHOTOS = (
    select(func.count())
    .select_from(DraftPhoto)
    .where(col(DraftPhoto.draft_id) == bindparam("draft_id"))
)
_COUNT_REPORTS_SINCE = (
    select(func.count())
    .select_from(Report)
    .where(
        col(Report.reporter_id) == bindparam("reporter_id"),
        col(Report.created_at) >= bindparam("since"),
    )
)


async def draft_photos(session: AsyncSession, *, draft_id: int) -> list[DraftPhoto]:
    return list((await session.exec(_DRAFT_PHOTOS, params={"draft_id": draft_id})).all())


async def count_draft_photos(session: AsyncSession, *, draft_id: int) -> int:
    return (await session.exec(_COUNT_DRAFT_PHOTOS, params={"draft_id": draft_id})).one()


async def add_photo(
    session: AsyncSession,
    *,
    draft: ReportDraft,
    photos: int,
    stored: StoredPhoto,
    file_id: str,
    file_unique_id: str,
    media_group_id: str | None,
    file_kind: str = "photo",
) -> int:
    """Attach a stored photo to a draft that has `photos` photos; returns how many it has now.

    The same Telegram file sent twice counts once. A sixth photo raises DraftError("too_many").
    """
    assert draft.id is not None
    if photos >= MAX_PHOTOS:
        if file_unique_id in {
            p.file_unique_id for p in await draft_photos(session, draft_id=draft.id)
        }:
            return photos
        raise DraftError("too_many")
    row = {
        "draft_id": draft.id,
        "position": photos + 1,
        "telegram_file_id": file_id,
        "file_kind": file_kind,
        "file_unique_id": file_unique_id,
        "media_group_id": media_group_id,
        "path": stored.path,
        "phash": stored.phash,
        "width": stored.width,
        "height": stored.height,
    }
    dialect = (await session.connection()).dialect.name
    statement = insert_or_skip_statement(dialect, DRAFT_PHOTOS, ("draft_id", "file_unique_id"))
    added = await session.exec(statement, params=row)
    return photos + len(added.all())


def check_complete(*, photos: int, lat: float | None, address: str, category: str | None) -> None:
    """A draft may be reviewed and filed once it has photos, a place and a category."""
    if photos == 0:
        raise DraftError("no_photos")
    if lat is None and not address:
        raise DraftError("no_place")
    if category is None:
        raise DraftError("no_category")


async def discard_draft(session: AsyncSession, *, draft: ReportDraft) -> list[str]:
    """Delete the draft and its photo rows; returns the stored files no report uses."""
    assert draft.id is not None
    photos = await draft_photos(session, draft_id=draft.id)
    await session.exec(delete(DraftPhoto).where(col(DraftPhoto.draft_id) == draft.id))
    await session.exec(delete(ReportDraft).where(col(ReportDraft.id) == draft.id))
    return [p.path for p in photos]


async def count_reports_since(session: AsyncSession, *, reporter_id: int, since: datetime) -> int:
    params = {"reporter_id": reporter_id, "since": since}
    return (await session.exec(_COUNT_REPORTS_SINCE, params=params)).one()


# What filing a draft writes besides the report itself, built once (the note above): its
# photos copied over, its first event, its reporter as a follower, and the draft gone. Core
# statements on the tables: nothing here is needed as a loaded object.
_COPIED = (
    "position",
    "telegram_file_id",
    "file_kind",
    "file_unique_id",
    "path",
    "phash",
    "width",
    "height",
)
_COPY_PHOTOS = insert(ReportPhoto.__table__).from_select(  # type: ignore[attr-defined]
    ["report_id", "kind", *_COPIED],
    select(
        bindparam("report_id"),
        literal("before"),
        *[getattr(DraftPhoto, name) for name in _COPIED],
    ).where(col(DraftPhoto.draft_id) == bindparam("draft_id")),
)
_FIRST_EVENT = insert(ReportEvent.__table__).values(  # type: ignore[attr-defined]
    report_id=bindparam("report_id"),
    actor_id=bindparam("actor_id"),
    at=bindparam("at"),
    from_status=None,
    to_status=bindparam("to_status"),
)
_REPORTER_FOLLOWS = insert(ReportFollower.__table__).values(  # type: ignore[attr-defined]
    report_id=bindparam("report_id"),
    person_id=bindparam("person_id"),
    reason=FollowReason.REPORTER,
    created_at=bindparam("created_at"),
)
_DROP_DRAFT_PHOTOS = delete(DRAFT_PHOTOS).where(DRAFT_PHOTOS.c.draft_id == bindparam("draft_id"))
_DROP_DRAFT = delete(DRAFTS).where(DRAFTS.c.id == bindparam("draft_id"))


async def submit_draft(
    session: AsyncSession, *, draft: ReportDraft, now: datetime, photos: int | None = None
) -> Report:
    """Turn a complete draft (with `photos` photos, counted when not given) into a
    `submitted` report with its photos and first event.

    The caller's unit of work commits; only then may the resident see the reference.
    """
    assert draft.id is not None
    check_complete(
        photos=await count_draft_photos(session, draft_id=draft.id) if photos is None else photos,
        lat=draft.lat,
        address=draft.address,
        category=draft.category,
    )
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
        landmark_zh=draft.landmark_zh,
        landmark_en=draft.landmark_en,
        landmark_m=draft.landmark_m,
        voice_file_id=draft.voice_file_id,
        status=ReportStatus.SUBMITTED,
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    await session.flush()
    assert report.id is not None
    ids = {"report_id": report.id, "draft_id": draft.id}
    await session.exec(_COPY_PHOTOS, params=ids)
    await session.exec(
        _FIRST_EVENT,
        params={**ids, "actor_id": draft.person_id, "at": now, "to_status": ReportStatus.SUBMITTED},
    )
    await session.exec(
        _REPORTER_FOLLOWS,
        params={**ids, "person_id": draft.person_id, "created_at": now},
    )
    await session.exec(_DROP_DRAFT_PHOTOS, params=ids)
    await session.exec(_DROP_DRAFT, params=ids)
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
