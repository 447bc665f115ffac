"""A resident's language, community and own reports, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.callers import load_caller
from storage.residents import (
    choose_community,
    communities_page,
    my_report,
    my_reports_page,
    settle_by_pin,
)
from tests.factories import NOW, make_community, make_person, make_report


async def test_pages_count_in_one_query_and_an_old_page_shows_the_last(
    session: AsyncSession, tmp_path: Path
) -> None:
    person = await make_person(session)
    assert person.id is not None
    for _ in range(3):
        await make_report(session, media_dir=tmp_path, reporter=person)
    first = await my_reports_page(session, person_id=person.id, page=1, size=2)
    assert (len(first.items), first.page, first.pages, first.total) == (2, 1, 2, 3)
    gone = await my_reports_page(session, person_id=person.id, page=9, size=2)
    assert (len(gone.items), gone.page, gone.pages, gone.total) == (1, 2, 2, 3)
    nobody = await my_reports_page(session, person_id=person.id + 99, page=3, size=2)
    assert (nobody.items, nobody.page, nobody.pages, nobody.total) == ([], 1, 1, 0)
    listed = await communities_page(session, page=1, size=50)
    assert listed.total == len(listed.items) >= 1


async def test_only_the_reporter_opens_a_report(session: AsyncSession, tmp_path: Path) -> None:
    report = await make_report(session, media_dir=tmp_path)
    assert report.reporter_id is not None
    mine = await my_report(session, person_id=report.reporter_id, report_id=report.id or 0)
    assert mine is not None
    assert ([e.to_status for e in mine.events], len(mine.photos)) == (["submitted"], 1)
    other = await make_person(session)
    assert await my_report(session, person_id=other.id or 0, report_id=report.id or 0) is None
    assert await my_report(session, person_id=report.reporter_id, report_id=999_999) is None


async def test_a_community_by_the_list_or_by_a_pin(session: AsyncSession) -> None:
    near = await make_community(session, lat=31.2066, lon=121.4270, radius_m=800)
    person = await make_person(session, community=near)
    caller = await load_caller(
        session, telegram_id=person.telegram_id, first_name="", locale="zh", now=NOW
    )
    assert await choose_community(session, caller=caller, community_id=999_999) is None
    far_away, pin = await settle_by_pin(session, caller=caller, lat=39.9, lon=116.4)
    assert (far_away.community, pin.community, pin.outside_area) == (caller.community, None, True)
    inside, pin = await settle_by_pin(session, caller=caller, lat=31.2067, lon=121.4271)
    assert pin.community is not None
    assert inside.community is not None
    assert inside.community.id == pin.community.id
    assert person.community_id == pin.community.id
