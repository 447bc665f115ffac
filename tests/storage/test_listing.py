"""`/reports` in storage: the scope, each filter, the order and the paging boundary; and what
counts as stuck in a stage (`rules.stuck`), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.inbox import stuck_reports
from storage.lifecycle import transition
from storage.listing import Listing, ListingError, ReportFilter, list_reports
from storage.models import Category, Community, Department, Report, ReportStatus
from storage.report_edits import public_note
from storage.triage import Scope
from tests.factories import NOW, make_community, make_person, make_report

S = ReportStatus
STALE = {"accepted": 7, "planned": 30, "in_progress": 14}
HOURS = 48


async def _report(
    session: AsyncSession,
    tmp_path: Path,
    community: Community,
    *,
    category: Category = Category.LITTER,
    moves: tuple[ReportStatus, ...] = (),
    department: Department | None = None,
    at: timedelta = timedelta(0),
) -> Report:
    reporter = await make_person(session, community=community)
    report = await make_report(
        session, media_dir=tmp_path, reporter=reporter, category=category, now=NOW + at
    )
    assert report.id is not None
    for to in moves:
        report = await transition(
            session,
            report_id=report.id,
            expected_version=report.version,
            to=to,
            actor_id=None,
            now=NOW + at,
            department=department if to is S.ACCEPTED else None,
        )
    return report


async def _refs(
    session: AsyncSession, scope: Scope, where: ReportFilter, *, page: int = 1, size: int = 10
) -> list[int]:
    listing = await list_reports(
        session,
        scope=scope,
        where=where,
        page=page,
        size=size,
        now=NOW + timedelta(days=10),
        hours=HOURS,
        stale_days=STALE,
    )
    return [item.report.id or 0 for item in listing.items]


async def test_each_filter_within_the_scope(session: AsyncSession, tmp_path: Path) -> None:
    home, other = await make_community(session), await make_community(session)
    assert home.id is not None
    assert other.id is not None
    fresh = await _report(session, tmp_path, home, at=timedelta(days=10))  # not overdue yet
    late = await _report(session, tmp_path, home)  # no first response for 10 days
    walls = await _report(
        session,
        tmp_path,
        home,
        category=Category.WALLS,
        moves=(S.ACCEPTED, S.PLANNED),
        department=Department.GREENING,
        at=timedelta(days=9),
    )
    stuck = await _report(
        session,
        tmp_path,
        home,
        moves=(S.ACCEPTED,),
        department=Department.SANITATION,
        at=timedelta(days=2),  # accepted 8 days before "now": more than 7
    )
    elsewhere = await _report(session, tmp_path, other)
    planner = Scope(person_id=1, community_ids=(home.id,))
    admin = Scope(person_id=2, community_ids=(home.id, other.id))
    ids = [r.id for r in (fresh, late, walls, stuck, elsewhere)]

    assert await _refs(session, planner, ReportFilter()) == ids[3::-1]  # newest first
    assert await _refs(session, planner, ReportFilter(newest_first=False)) == ids[:4]
    assert await _refs(session, admin, ReportFilter()) == ids[::-1]
    assert await _refs(session, admin, ReportFilter(community_id=other.id)) == [elsewhere.id]
    assert await _refs(session, planner, ReportFilter(community_id=other.id)) == []
    assert await _refs(session, planner, ReportFilter(status=S.PLANNED)) == [walls.id]
    assert await _refs(session, planner, ReportFilter(category=Category.WALLS)) == [walls.id]
    sanitation = ReportFilter(department=Department.SANITATION)
    assert await _refs(session, planner, sanitation) == [stuck.id]
    overdue = ReportFilter(overdue=True, newest_first=False)
    assert await _refs(session, planner, overdue) == [late.id, stuck.id]
    assert await _refs(session, admin, overdue) == [late.id, stuck.id, elsewhere.id]
    both = ReportFilter(overdue=True, status=S.ACCEPTED)
    assert await _refs(session, planner, both) == [stuck.id]


async def test_a_community_by_slug_must_be_the_planners(
    session: AsyncSession, tmp_path: Path
) -> None:
    home, other = await make_community(session), await make_community(session)
    assert home.id is not None
    mine = await _report(session, tmp_path, home)
    await _report(session, tmp_path, other)
    planner = Scope(person_id=1, community_ids=(home.id,))

    async def by_slug(slug: str) -> Listing:
        return await list_reports(
            session,
            scope=planner,
            where=ReportFilter(),
            page=1,
            size=5,
            now=NOW,
            hours=HOURS,
            stale_days=STALE,
            community_slug=slug,
        )

    listing = await by_slug(home.slug)
    assert [i.report.id for i in listing.items] == [mine.id]
    assert listing.where.community_id == home.id
    for slug in (other.slug, "nowhere"):
        with pytest.raises(ListingError):
            await by_slug(slug)


async def test_paging_boundary(session: AsyncSession, tmp_path: Path) -> None:
    home = await make_community(session)
    assert home.id is not None
    reports = [await _report(session, tmp_path, home) for _ in range(5)]
    ids = [r.id for r in reports]
    scope = Scope(person_id=1, community_ids=(home.id,))
    oldest = ReportFilter(newest_first=False)

    async def page(n: int, size: int) -> tuple[list[int | None], int, int]:
        listing = await list_reports(
            session,
            scope=scope,
            where=oldest,
            page=n,
            size=size,
            now=NOW,
            hours=HOURS,
            stale_days=STALE,
        )
        return [i.report.id for i in listing.items], listing.page, listing.pages

    assert await page(1, 5) == (ids, 1, 1)  # exactly one full page
    assert await page(2, 5) == (ids, 1, 1)  # past the end: the last page
    assert await page(1, 4) == (ids[:4], 1, 2)
    assert await page(2, 4) == (ids[4:], 2, 2)  # one item on the last page
    assert await page(9, 4) == (ids[4:], 2, 2)
    assert await page(0, 4) == (ids[:4], 1, 2)
    empty = Scope(person_id=1, community_ids=())
    listing = await list_reports(
        session, scope=empty, where=oldest, page=1, size=4, now=NOW, hours=HOURS, stale_days=STALE
    )
    assert (listing.items, listing.page, listing.pages, listing.total) == ([], 1, 1, 0)


async def test_stuck_counts_from_the_move_into_the_stage(
    session: AsyncSession, tmp_path: Path
) -> None:
    home = await make_community(session)
    assert home.id is not None
    report = await _report(session, tmp_path, home, moves=(S.ACCEPTED,))
    assert report.id is not None
    ids = [home.id]

    async def stuck_at(days: float) -> bool:
        now = NOW + timedelta(days=days)
        return [
            r.id for r in await stuck_reports(session, community_ids=ids, now=now, days=STALE)
        ] == [report.id]

    assert not await stuck_at(7)  # exactly 7 days accepted: not yet
    assert await stuck_at(7.01)
    scope = Scope(person_id=1, community_ids=(home.id,))
    # a public note keeps the stage: the report is still stuck
    report = await public_note(
        session, scope=scope, report_id=report.id, version=report.version, text="x", now=NOW
    )
    assert await stuck_at(7.01)
    # moved on to planned on day 6: 30 days from then
    assert report.id is not None
    later = NOW + timedelta(days=6)
    await transition(
        session,
        report_id=report.id,
        expected_version=report.version,
        to=S.PLANNED,
        actor_id=None,
        now=later,
    )
    assert not await stuck_at(7.01)
    assert not await stuck_at(36)
    assert await stuck_at(36.01)
