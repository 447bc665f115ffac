"""The report conversation's operations, on SQLite and PostgreSQL: one step at a time,
guarded by the step the resident saw."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from botapi_sandbox.images import make_photo
from storage.callers import CallerState, load_caller
from storage.db import session_scope
from storage.drafts import DraftError, add_photo
from storage.inbox import set_pending
from storage.media import store_photo
from storage.models import Category, Person, Report, ReportDraft, ReportStep
from storage.reporting import (
    answer_category,
    answer_description,
    answer_place,
    cancel,
    confirm,
    edit,
    me_too,
    open_draft,
    photos_done,
    take_photo,
)
from tests.factories import NOW, make_community, make_person, make_report

XINHUA = (31.2067, 121.4271)  # inside the factories' community


async def caller_of(session: AsyncSession, person: Person) -> CallerState:
    return await load_caller(
        session, telegram_id=person.telegram_id, first_name="", locale="zh", now=NOW
    )


async def with_photo(session: AsyncSession, person: Person, tmp_path: Path) -> CallerState:
    """A person with a new draft holding one photo, read as a caller."""
    caller = await caller_of(session, person)
    opened = await open_draft(session, caller=caller, limit=3, now=NOW)
    await add_photo(
        session,
        draft=opened.view.draft,
        photos=0,
        stored=store_photo(make_photo(seed=person.telegram_id), media_dir=tmp_path),
        file_id=f"f{person.telegram_id}",
        file_unique_id=f"u{person.telegram_id}",
        media_group_id=None,
    )
    return await caller_of(session, person)


async def test_the_caller_is_read_with_community_draft_photos_and_question(
    session: AsyncSession, tmp_path: Path
) -> None:
    fresh = await load_caller(session, telegram_id=777, first_name="Ann", locale="en", now=NOW)
    assert (fresh.created, fresh.person.first_name, fresh.person.locale) == (True, "Ann", "en")
    again = await load_caller(session, telegram_id=777, first_name="Anna", locale="zh", now=NOW)
    assert (again.created, again.person.first_name, again.person.locale) == (False, "Anna", "en")
    person = await make_person(session)
    caller = await with_photo(session, person, tmp_path)
    report = await make_report(session, media_dir=tmp_path)
    await set_pending(
        session,
        person_id=caller.id,
        action="ni",
        report_id=report.id or 0,
        expected_version=1,
        now=NOW,
    )
    caller = await caller_of(session, person)
    assert caller.community is not None
    assert caller.community.id == person.community_id
    assert caller.draft is not None
    assert (caller.draft.step, caller.draft_photos) == (ReportStep.PHOTOS, 1)
    assert caller.pending is not None
    assert caller.pending.action == "ni"
    later = await load_caller(
        session,
        telegram_id=person.telegram_id,
        first_name="",
        locale="zh",
        now=NOW + timedelta(minutes=30),
    )
    assert later.pending is None, "a question older than 30 minutes is forgotten"


async def test_a_report_step_by_step(session: AsyncSession, tmp_path: Path) -> None:
    person = await make_person(session)
    caller = await with_photo(session, person, tmp_path)
    view = await photos_done(session, caller=caller, now=NOW)
    assert view.step is ReportStep.WHERE
    placed = await answer_place(
        session, caller=caller, lat=XINHUA[0], lon=XINHUA[1], address="", now=NOW
    )
    assert (placed.view.step, placed.outside_area) == (ReportStep.CATEGORY, False)
    draft_id = placed.view.draft.id or 0
    view = await answer_category(
        session, caller=caller, draft_id=draft_id, category=Category.GREENERY, now=NOW
    )
    assert view.step is ReportStep.DESCRIPTION
    with pytest.raises(DraftError, match="too_long"):
        await answer_description(session, caller=caller, text="字" * 1001, now=NOW)
    view = await answer_description(session, caller=caller, text="  " + "字" * 1000 + "\n", now=NOW)
    assert view.step is ReportStep.REVIEW
    assert view.review is not None
    assert (len(view.review.photos), view.review.nearby) == (1, [])
    filed = await confirm(session, caller=caller, draft_id=draft_id, limit=3, now=NOW)
    report = await session.get(Report, filed.report_id)
    assert report is not None
    assert (report.category, report.description, report.draft_id) == (
        "greenery",
        "字" * 1000,
        draft_id,
    )
    assert (await session.exec(select(ReportDraft))).all() == []
    caller = await caller_of(session, person)  # the next update reads the caller afresh
    again = await confirm(session, caller=caller, draft_id=draft_id, limit=3, now=NOW)
    assert (again.report_id, again.again) == (filed.report_id, True)
    stranger = await caller_of(session, await make_person(session))
    with pytest.raises(DraftError, match="expired"):
        await confirm(session, caller=stranger, draft_id=draft_id, limit=3, now=NOW)


async def test_an_answer_for_a_step_the_draft_has_left_expires(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    async with session_scope(engine) as session:
        person = await make_person(session)
        caller = await with_photo(session, person, tmp_path)
        await photos_done(session, caller=caller, now=NOW)
    async with session_scope(engine) as session:  # two updates read the draft at WHERE
        first = await caller_of(session, person)
    async with session_scope(engine) as session:
        second = await caller_of(session, person)
    async with session_scope(engine) as session:
        await answer_place(session, caller=first, lat=None, lon=None, address="Lane 5", now=NOW)
    with pytest.raises(DraftError, match="expired"):  # the second finds it moved on
        async with session_scope(engine) as session:
            await answer_place(
                session, caller=second, lat=None, lon=None, address="Lane 6", now=NOW
            )
    async with session_scope(engine) as session:
        draft = (
            await session.exec(select(ReportDraft).where(ReportDraft.person_id == person.id))
        ).one()
        other = await with_photo(session, await make_person(session), tmp_path)
        assert other.draft is not None
        with pytest.raises(DraftError, match="expired"):  # a button of someone else's draft
            await answer_category(
                session,
                caller=await caller_of(session, person),
                draft_id=other.draft.id or 0,
                category=Category.OTHER,
                now=NOW,
            )
    assert (draft.step, draft.address) == (ReportStep.CATEGORY, "Lane 5")


async def test_review_needs_photos_place_and_category(
    session: AsyncSession, tmp_path: Path
) -> None:
    person = await make_person(session)
    caller = await caller_of(session, person)
    await open_draft(session, caller=caller, limit=3, now=NOW)
    caller = await caller_of(session, person)
    await photos_done(session, caller=caller, now=NOW)  # no photo yet: on to the place
    caller = await caller_of(session, person)
    await answer_place(session, caller=caller, lat=None, lon=None, address="Lane 5", now=NOW)
    caller = await caller_of(session, person)
    assert caller.draft is not None
    await answer_category(
        session, caller=caller, draft_id=caller.draft.id or 0, category=Category.OTHER, now=NOW
    )
    caller = await caller_of(session, person)
    with pytest.raises(DraftError, match="no_photos"):
        await answer_description(session, caller=caller, text="", now=NOW)


async def test_an_edited_step_returns_to_the_review(session: AsyncSession, tmp_path: Path) -> None:
    person = await make_person(session)
    caller = await with_photo(session, person, tmp_path)
    for step in (photos_done, answer_place, answer_category, answer_description):
        caller = await caller_of(session, person)
        assert caller.draft is not None
        if step is photos_done:
            await photos_done(session, caller=caller, now=NOW)
        elif step is answer_place:
            await answer_place(session, caller=caller, lat=None, lon=None, address="A", now=NOW)
        elif step is answer_category:
            await answer_category(
                session,
                caller=caller,
                draft_id=caller.draft.id or 0,
                category=Category.WALLS,
                now=NOW,
            )
        else:
            await answer_description(session, caller=caller, text="", now=NOW)
    caller = await caller_of(session, person)
    assert caller.draft is not None
    draft_id = caller.draft.id or 0
    view = await edit(session, caller=caller, draft_id=draft_id, step=ReportStep.CATEGORY, now=NOW)
    assert view.step is ReportStep.CATEGORY
    caller = await caller_of(session, person)
    view = await answer_category(
        session, caller=caller, draft_id=draft_id, category=Category.LIGHTING, now=NOW
    )
    assert view.step is ReportStep.REVIEW
    caller = await caller_of(session, person)
    view = await edit(session, caller=caller, draft_id=draft_id, step=ReportStep.PHOTOS, now=NOW)
    assert (view.step, view.photos) == (ReportStep.PHOTOS, 1), "the old photo is kept"
    caller = await caller_of(session, person)
    view = await photos_done(session, caller=caller, now=NOW)  # "back to review": kept
    assert (view.step, view.photos) == (ReportStep.REVIEW, 1)


async def test_editing_the_photos_replaces_them_when_a_new_one_arrives(
    session: AsyncSession, tmp_path: Path
) -> None:
    person = await make_person(session)
    caller = await with_photo(session, person, tmp_path)
    await photos_done(session, caller=caller, now=NOW)
    await fill(session, person)
    caller = await caller_of(session, person)
    draft_id = caller.draft.id if caller.draft else 0
    await edit(session, caller=caller, draft_id=draft_id or 0, step=ReportStep.PHOTOS, now=NOW)
    caller = await caller_of(session, person)
    added = [
        await take_photo(
            session,
            caller=(caller := await caller_of(session, person)),
            stored=store_photo(make_photo(seed=90 + n), media_dir=tmp_path),
            file_id=f"new{n}",
            file_kind="photo",
            file_unique_id=f"new{n}",
            media_group_id=None,
        )
        for n in range(2)
    ]
    assert [(a.photos, len(a.unused)) for a in added] == [(1, 1), (2, 0)], "the old one goes once"
    caller = await caller_of(session, person)
    view = await photos_done(session, caller=caller, now=NOW)
    assert view.step is ReportStep.REVIEW
    assert view.review is not None
    assert [p.telegram_file_id for p in view.review.photos] == ["new0", "new1"]


async def fill(session: AsyncSession, person: Person) -> None:
    """Place, category and (no) words: the draft at its review."""
    caller = await caller_of(session, person)
    await answer_place(session, caller=caller, lat=None, lon=None, address="A", now=NOW)
    caller = await caller_of(session, person)
    assert caller.draft is not None
    await answer_category(
        session, caller=caller, draft_id=caller.draft.id or 0, category=Category.WALLS, now=NOW
    )
    caller = await caller_of(session, person)
    await answer_description(session, caller=caller, text="", now=NOW)


async def test_the_hourly_limit_counts_the_last_hour(session: AsyncSession, tmp_path: Path) -> None:
    person = await make_person(session)
    await make_report(session, media_dir=tmp_path, reporter=person, now=NOW)
    await make_report(session, media_dir=tmp_path, reporter=person, now=NOW + timedelta(minutes=5))
    caller = await caller_of(session, person)
    with pytest.raises(DraftError, match="hourly_limit"):
        await open_draft(session, caller=caller, limit=2, now=NOW + timedelta(minutes=10))
    opened = await open_draft(session, caller=caller, limit=2, now=NOW + timedelta(minutes=61))
    assert not opened.resumed
    no_home = await caller_of(session, await make_person(session))
    no_home.person.community_id = None  # the community can wait: the place names it
    homeless = await open_draft(session, caller=no_home, limit=2, now=NOW)
    assert homeless.view.draft.community_id is None


async def test_me_too_follows_only_a_report_the_card_offered(
    session: AsyncSession, tmp_path: Path
) -> None:
    community = await make_community(session)
    near = await make_report(
        session,
        media_dir=tmp_path,
        reporter=await make_person(session, community=community),
        lat=XINHUA[0],
        lon=XINHUA[1],
    )
    far = await make_report(
        session,
        media_dir=tmp_path,
        reporter=await make_person(session, community=community),
        lat=XINHUA[0] + 0.01,
        lon=XINHUA[1],
    )
    person = await make_person(session, community=community)
    caller = await with_photo(session, person, tmp_path)
    await photos_done(session, caller=caller, now=NOW)
    caller = await caller_of(session, person)
    placed = await answer_place(
        session, caller=caller, lat=XINHUA[0], lon=XINHUA[1], address="", now=NOW
    )
    draft_id = placed.view.draft.id or 0
    caller = await caller_of(session, person)
    await answer_category(
        session, caller=caller, draft_id=draft_id, category=Category.LITTER, now=NOW
    )
    caller = await caller_of(session, person)
    view = await answer_description(session, caller=caller, text="", now=NOW)
    assert view.review is not None
    assert [r.id for r in view.review.nearby] == [near.id]
    caller = await caller_of(session, person)
    with pytest.raises(DraftError, match="expired"):
        await me_too(session, caller=caller, draft_id=draft_id, report_id=far.id or 0, now=NOW)
    unused = await me_too(
        session, caller=caller, draft_id=draft_id, report_id=near.id or 0, now=NOW
    )
    assert len(unused) == 1
    assert (await caller_of(session, person)).draft is None


async def test_cancel_drops_the_draft_and_closes_a_question(
    session: AsyncSession, tmp_path: Path
) -> None:
    person = await make_person(session)
    report = await make_report(session, media_dir=tmp_path)
    caller = await with_photo(session, person, tmp_path)
    await set_pending(
        session,
        person_id=caller.id,
        action="ni",
        report_id=report.id or 0,
        expected_version=1,
        now=NOW,
    )
    cancelled = await cancel(session, caller=await caller_of(session, person))
    assert (len(cancelled.unused or []), cancelled.had_question) == (1, True)
    after = await caller_of(session, person)
    assert (after.draft, after.pending) == (None, None)
    nothing = await cancel(session, caller=after)
    assert (nothing.unused, nothing.had_question) == (None, False)
