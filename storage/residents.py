"""What a resident does outside a report: language, community, and their own reports.

One operation per thing they do, each one transaction; the reads their reply needs are
part of it. Only a report's reporter and its followers may open it (`my_report`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement
from sqlmodel import SQLModel, col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.callers import CallerState
from storage.communities import Pin, get_community, pin_community
from storage.models import Community, Report, ReportEvent, ReportFollower, ReportPhoto
from storage.people import set_community, set_locale
from storage.reports import report_events, report_photos

T = TypeVar("T", bound=SQLModel)
LIST_PAGE_SIZE = 8  # communities on one page of their list of buttons


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, numbered from 1; `pages` is at least 1."""

    items: list[T]
    page: int
    pages: int
    total: int


async def _page(
    session: AsyncSession,
    entity: type[T],
    *,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    page: int,
    size: int,
) -> Page[T]:
    """The rows of `page` and the total in one statement (a window count); a page past the
    end (an old button) shows the last page instead."""

    async def rows(number: int) -> list[tuple[T, int]]:
        query = (
            select(entity, func.count().over())
            .where(*where)
            .order_by(*order)
            .offset((number - 1) * size)
            .limit(size)
        )
        return [(item, int(total)) for item, total in (await session.exec(query)).all()]

    page = max(page, 1)
    found = await rows(page)
    if not found and page > 1:
        counted = select(func.count()).select_from(entity).where(*where)
        total = (await session.exec(counted)).one()
        page = max(1, -(-total // size))
        found = await rows(page)
    total = found[0][1] if found else 0
    return Page([item for item, _ in found], page, max(1, -(-total // size)), total)


async def communities_page(session: AsyncSession, *, page: int, size: int) -> Page[Community]:
    return await _page(
        session, Community, where=[], order=[col(Community.id)], page=page, size=size
    )


async def choose_locale(session: AsyncSession, *, caller: CallerState, locale: str) -> CallerState:
    await set_locale(session, person=caller.person, locale=locale)
    return caller


async def choose_community(
    session: AsyncSession, *, caller: CallerState, community_id: int
) -> CallerState | None:
    """Join a community from the list; None when there is no such community."""
    community = await get_community(session, community_id=community_id)
    if community is None:
        return None
    await set_community(session, person=caller.person, community_id=community_id)
    return replace(caller, community=community)


async def settle_by_pin(
    session: AsyncSession, *, caller: CallerState, lat: float, lon: float
) -> tuple[CallerState, Pin]:
    """A location shared outside a report: join the community it falls in, if any."""
    pin = await pin_community(session, lat=lat, lon=lon)
    if pin.community is None or pin.community.id is None:
        return caller, pin
    await set_community(session, person=caller.person, community_id=pin.community.id)
    return replace(caller, community=pin.community), pin


def _mine_or_followed(person_id: int) -> ColumnElement[bool]:
    """Reports the person filed, and those they follow ("me too", or theirs merged into it)."""
    followed = select(ReportFollower.report_id).where(ReportFollower.person_id == person_id)
    return or_(col(Report.reporter_id) == person_id, col(Report.id).in_(followed))


async def my_reports_page(
    session: AsyncSession, *, person_id: int, page: int, size: int
) -> Page[Report]:
    """A resident's reports and the reports they follow, newest first (a followed one is
    one whose `reporter_id` is someone else)."""
    return await _page(
        session,
        Report,
        where=[_mine_or_followed(person_id)],
        order=[col(Report.created_at).desc(), col(Report.id).desc()],
        page=page,
        size=size,
    )


@dataclass(frozen=True)
class MyReport:
    report: Report
    photos: list[ReportPhoto]
    events: list[ReportEvent]
    followed: bool  # followed, not filed by this person


async def my_report(session: AsyncSession, *, person_id: int, report_id: int) -> MyReport | None:
    """One report with its photos and history, for its reporter and its followers only."""
    query = select(Report).where(col(Report.id) == report_id, _mine_or_followed(person_id))
    report = (await session.exec(query)).first()
    if report is None:
        return None
    photos = await report_photos(session, report_id=report_id)
    events = await report_events(session, report_id=report_id)
    return MyReport(report, photos, events, followed=report.reporter_id != person_id)
