"""Drafts become reports: photos, place, category, words, the submitted event, limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from botapi_sandbox.images import make_photo
from storage.drafts import (
    MAX_PHOTOS,
    DraftError,
    add_photo,
    count_draft_photos,
    discard_draft,
    filed_from,
    get_draft,
    start_draft,
)
from storage.media import store_photo
from storage.models import ReportStatus, format_ref
from storage.reports import report_events, report_photos
from tests.factories import NOW, make_person, make_report


async def test_submitted_report_has_photos_and_event(session: AsyncSession, tmp_path: Path) -> None:
    report = await make_report(session, media_dir=tmp_path)
    assert report.id is not None
    assert report.status == ReportStatus.SUBMITTED
    assert format_ref(report.id) == f"R-{report.id:06d}"
    photos = await report_photos(session, report_id=report.id)
    assert len(photos) == 1
    assert (tmp_path / photos[0].path).exists()
    events = await report_events(session, report_id=report.id)
    assert [(e.from_status, e.to_status) for e in events] == [(None, "submitted")]
    assert report.reporter_id is not None
    assert await get_draft(session, person_id=report.reporter_id) is None


async def test_sixth_photo_is_refused(session: AsyncSession, tmp_path: Path) -> None:
    person = await make_person(session)
    draft = await start_draft(session, person=person, now=NOW)
    stored = store_photo(make_photo(seed=1), media_dir=tmp_path)

    async def add(n: int, photos: int) -> int:
        return await add_photo(
            session,
            draft=draft,
            photos=photos,
            stored=stored,
            file_id=f"f{n}",
            file_unique_id=f"u{n}",
            media_group_id=None,
        )

    for n in range(MAX_PHOTOS):
        assert await add(n, n) == n + 1
    assert await add(2, 4) == 4  # the same file twice counts once
    assert await add(0, MAX_PHOTOS) == MAX_PHOTOS  # also once the draft is full
    with pytest.raises(DraftError, match="too_many"):
        await add(9, MAX_PHOTOS)
    assert draft.id is not None
    assert await count_draft_photos(session, draft_id=draft.id) == MAX_PHOTOS


async def test_discard_returns_files(session: AsyncSession, tmp_path: Path) -> None:
    person = await make_person(session)
    draft = await start_draft(session, person=person, now=NOW)
    stored = store_photo(make_photo(seed=2), media_dir=tmp_path)
    await add_photo(
        session,
        draft=draft,
        photos=0,
        stored=stored,
        file_id="f",
        file_unique_id="u",
        media_group_id=None,
    )
    assert draft.id is not None
    assert await count_draft_photos(session, draft_id=draft.id) == 1
    assert await discard_draft(session, draft=draft) == [stored.path]
    assert person.id is not None
    assert await get_draft(session, person_id=person.id) is None


async def test_a_filed_draft_is_remembered_and_its_id_never_reused(
    session: AsyncSession, tmp_path: Path
) -> None:
    person = await make_person(session)
    assert person.id is not None
    report = await make_report(session, media_dir=tmp_path, reporter=person)
    assert report.draft_id is not None
    assert await filed_from(session, draft_id=report.draft_id, reporter_id=person.id) == report
    other = await make_person(session)
    assert other.id is not None
    assert await filed_from(session, draft_id=report.draft_id, reporter_id=other.id) is None
    # The filed draft's row is gone; the next draft (of anyone) gets a new id all the same.
    again = await start_draft(session, person=person, now=NOW)
    assert again.id is not None
    assert again.id > report.draft_id
    await discard_draft(session, draft=again)
    third = await start_draft(session, person=person, now=NOW)
    assert third.id is not None
    assert third.id > again.id
