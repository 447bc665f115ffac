"""Drafts become reports: photos, place, category, words, the submitted event, limits."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from botapi_sandbox.images import make_photo
from storage.drafts import (
    MAX_PHOTOS,
    DraftError,
    add_photo,
    advance,
    count_draft_photos,
    discard_draft,
    get_draft,
    go_to,
    over_hourly_limit,
    set_category,
    set_description,
    set_place,
    start_draft,
    submit_draft,
)
from storage.media import store_photo
from storage.models import Category, ReportStatus, ReportStep, format_ref
from storage.reports import report_events, report_photos, reports_by
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
    for n in range(MAX_PHOTOS):
        count = await add_photo(
            session,
            draft=draft,
            stored=stored,
            file_id=f"f{n}",
            file_unique_id=f"u{n}",
            media_group_id=None,
            now=NOW,
        )
        assert count == n + 1
    again = await add_photo(
        session,
        draft=draft,
        stored=stored,
        file_id="f0",
        file_unique_id="u0",
        media_group_id=None,
        now=NOW,
    )
    assert again == MAX_PHOTOS  # the same file twice counts once
    with pytest.raises(DraftError, match="too_many"):
        await add_photo(
            session,
            draft=draft,
            stored=stored,
            file_id="f9",
            file_unique_id="u9",
            media_group_id=None,
            now=NOW,
        )


async def test_review_needs_photos_place_and_category(session: AsyncSession) -> None:
    person = await make_person(session)
    draft = await start_draft(session, person=person, now=NOW)
    assert await advance(session, draft=draft, now=NOW) is ReportStep.WHERE
    with pytest.raises(DraftError, match="no_photos"):
        await go_to(session, draft=draft, step=ReportStep.REVIEW, now=NOW, editing=False)
    with pytest.raises(DraftError, match="no_photos"):
        await submit_draft(session, draft=draft, now=NOW)


async def test_an_edited_step_returns_to_review(session: AsyncSession, tmp_path: Path) -> None:
    person = await make_person(session)
    draft = await start_draft(session, person=person, now=NOW)
    stored = store_photo(make_photo(seed=3), media_dir=tmp_path)
    await add_photo(
        session,
        draft=draft,
        stored=stored,
        file_id="f",
        file_unique_id="u",
        media_group_id=None,
        now=NOW,
    )
    await set_place(
        session,
        draft=draft,
        lat=None,
        lon=None,
        address="幸福路 12 号",
        community_id=None,
        outside_area=False,
        now=NOW,
    )
    await set_category(session, draft=draft, category=Category.LITTER, now=NOW)
    # "Edit the place" from the review card: answering it goes back to review, not on to
    # the category, and the draft is no longer being edited.
    await go_to(session, draft=draft, step=ReportStep.WHERE, now=NOW, editing=True)
    assert await advance(session, draft=draft, now=NOW) is ReportStep.REVIEW
    assert (draft.step, draft.editing) == (ReportStep.REVIEW, False)
    # The same step reached without editing moves on to the next one.
    await go_to(session, draft=draft, step=ReportStep.WHERE, now=NOW, editing=False)
    assert await advance(session, draft=draft, now=NOW) is ReportStep.CATEGORY


async def test_an_edited_step_of_an_incomplete_draft_cannot_reach_review(
    session: AsyncSession,
) -> None:
    person = await make_person(session)
    draft = await start_draft(session, person=person, now=NOW)
    draft.step = ReportStep.DESCRIPTION
    draft.editing = True
    with pytest.raises(DraftError, match="no_photos"):
        await advance(session, draft=draft, now=NOW)
    assert draft.step == ReportStep.DESCRIPTION


async def test_description_limit_keeps_the_draft(session: AsyncSession) -> None:
    person = await make_person(session)
    draft = await start_draft(session, person=person, now=NOW)
    with pytest.raises(DraftError, match="too_long"):
        await set_description(session, draft=draft, text="字" * 1001, now=NOW)
    await set_description(session, draft=draft, text="字" * 1000, now=NOW)
    assert draft.description == "字" * 1000


async def test_discard_returns_files(session: AsyncSession, tmp_path: Path) -> None:
    person = await make_person(session)
    draft = await start_draft(session, person=person, now=NOW)
    stored = store_photo(make_photo(seed=2), media_dir=tmp_path)
    await add_photo(
        session,
        draft=draft,
        stored=stored,
        file_id="f",
        file_unique_id="u",
        media_group_id=None,
        now=NOW,
    )
    assert draft.id is not None
    assert await count_draft_photos(session, draft_id=draft.id) == 1
    assert await discard_draft(session, draft=draft) == [stored.path]
    assert person.id is not None
    assert await get_draft(session, person_id=person.id) is None


async def test_hourly_limit_counts_the_last_hour(session: AsyncSession, tmp_path: Path) -> None:
    person = await make_person(session)
    assert person.id is not None
    await make_report(session, media_dir=tmp_path, reporter=person, now=NOW)
    await make_report(session, media_dir=tmp_path, reporter=person, now=NOW + timedelta(minutes=5))
    assert await over_hourly_limit(
        session, reporter_id=person.id, limit=2, now=NOW + timedelta(minutes=10)
    )
    assert not await over_hourly_limit(session, reporter_id=person.id, limit=3, now=NOW)
    later = NOW + timedelta(minutes=61)
    assert not await over_hourly_limit(session, reporter_id=person.id, limit=2, now=later)
    listed = await reports_by(session, reporter_id=person.id)
    assert len(listed) == 2
    assert listed[0].created_at > listed[1].created_at
