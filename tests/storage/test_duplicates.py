"""Likely duplicates: same community, open, and either near with the same category or the
same picture."""

from __future__ import annotations

from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from botapi_sandbox.images import make_photo
from storage.drafts import add_photo, start_draft, submit_draft
from storage.duplicates import likely_duplicates, open_reports_near
from storage.lifecycle import transition
from storage.media import store_photo
from storage.models import Category, Community, Report, ReportStatus
from tests.factories import NOW, fill_draft, make_community, make_person

BASE = (31.2069, 121.4273)
ABOUT_30_M_NORTH = (31.20717, 121.4273)
ABOUT_80_M_NORTH = (31.20762, 121.4273)


async def report_at(
    session: AsyncSession,
    tmp_path: Path,
    community: Community,
    *,
    point: tuple[float, float],
    category: Category,
    seed: int,
) -> Report:
    person = await make_person(session, community=community)
    draft = await start_draft(session, person=person, now=NOW)
    stored = store_photo(make_photo(seed=seed), media_dir=tmp_path)
    await add_photo(
        session,
        draft=draft,
        stored=stored,
        file_id=f"f{seed}-{person.id}",
        file_unique_id=f"u{seed}-{person.id}",
        media_group_id=None,
        photos=0,
    )
    await fill_draft(session, draft=draft, lat=point[0], lon=point[1], category=category)
    return await submit_draft(session, draft=draft, now=NOW)


async def test_near_and_same_kind(session: AsyncSession, tmp_path: Path) -> None:
    community = await make_community(session)
    new = await report_at(
        session, tmp_path, community, point=BASE, category=Category.LITTER, seed=1
    )
    near = await report_at(
        session, tmp_path, community, point=ABOUT_30_M_NORTH, category=Category.LITTER, seed=2
    )
    await report_at(
        session, tmp_path, community, point=ABOUT_80_M_NORTH, category=Category.LITTER, seed=3
    )
    await report_at(session, tmp_path, community, point=BASE, category=Category.LIGHTING, seed=4)
    found = await likely_duplicates(session, report=new)
    assert [c.report.id for c in found] == [near.id]
    assert found[0].distance_m is not None
    assert 25 < found[0].distance_m < 35
    assert not found[0].same_photo


async def test_same_picture_anywhere_in_the_community(
    session: AsyncSession, tmp_path: Path
) -> None:
    community = await make_community(session)
    new = await report_at(session, tmp_path, community, point=BASE, category=Category.WALLS, seed=7)
    same_photo = await report_at(
        session, tmp_path, community, point=ABOUT_80_M_NORTH, category=Category.OTHER, seed=7
    )
    found = await likely_duplicates(session, report=new)
    assert [(c.report.id, c.same_photo) for c in found] == [(same_photo.id, True)]


async def test_finished_reports_and_other_communities_are_not_suggested(
    session: AsyncSession, tmp_path: Path
) -> None:
    community = await make_community(session)
    elsewhere = await make_community(session)
    new = await report_at(
        session, tmp_path, community, point=BASE, category=Category.LITTER, seed=1
    )
    declined = await report_at(
        session, tmp_path, community, point=BASE, category=Category.LITTER, seed=1
    )
    assert declined.id is not None
    await transition(
        session,
        report_id=declined.id,
        expected_version=1,
        to=ReportStatus.DECLINED,
        actor_id=None,
        now=NOW,
    )
    await report_at(session, tmp_path, elsewhere, point=BASE, category=Category.LITTER, seed=1)
    assert await likely_duplicates(session, report=new) == []


async def test_open_reports_near_a_draft(session: AsyncSession, tmp_path: Path) -> None:
    community = await make_community(session)
    near = await report_at(
        session, tmp_path, community, point=ABOUT_30_M_NORTH, category=Category.LITTER, seed=1
    )
    found = await open_reports_near(
        session, community_id=community.id, lat=BASE[0], lon=BASE[1], category="litter"
    )
    assert [r.id for r in found] == [near.id]
    assert (
        await open_reports_near(
            session, community_id=community.id, lat=BASE[0], lon=BASE[1], category="greenery"
        )
        == []
    )
