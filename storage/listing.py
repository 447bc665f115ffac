"""The whole picture for planners: `/reports`, every report of their communities, filtered
and paged, newest or oldest first, within the planner's `Scope` (tests/storage/test_listing.py:
`test_each_filter_within_the_scope`, `test_a_community_by_slug_must_be_the_planners`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Category, Community, Department, Report, ReportStatus
from storage.rules import late
from storage.triage import Scope


@dataclass(frozen=True)
class ReportFilter:
    """What `/reports` shows: each field narrows the list; the defaults show everything."""

    status: ReportStatus | None = None
    category: Category | None = None
    department: Department | None = None
    overdue: bool = False  # `rules.late`: no first response in time, or stuck in a stage
    community_id: int | None = None  # one of the planner's communities
    newest_first: bool = True


@dataclass(frozen=True)
class Listed:
    report: Report
    late: bool


@dataclass(frozen=True)
class Listing:
    """One page of `/reports` (numbered from 1; `pages` is at least 1)."""

    items: list[Listed]
    page: int
    pages: int
    total: int
    where: ReportFilter


class ListingError(ValueError):
    """`unknown_community`: no community of the planner's has that slug."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def list_reports(
    session: AsyncSession,
    *,
    scope: Scope,
    where: ReportFilter,
    page: int,
    size: int,
    now: datetime,
    hours: int,
    stale_days: Mapping[str, int],
    community_slug: str | None = None,
) -> Listing:
    """The page `page` of the reports of the planner's communities that fit `where`; a
    community named by slug (typed) must be one of theirs. A page past the end (an old
    button) shows the last page instead."""
    if community_slug is not None:
        community = await _community(session, slug=community_slug)
        if community is None or not scope.covers(community.id):
            raise ListingError("unknown_community")
        where = replace(where, community_id=community.id)
    is_late = late(now=now, hours=hours, days=stale_days)
    conditions = _conditions(scope, where, is_late)
    order = col(Report.id).desc() if where.newest_first else col(Report.id)
    total = (await session.exec(select(func.count()).select_from(Report).where(*conditions))).one()
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    query = (
        select(Report, is_late)
        .where(*conditions)
        .order_by(order)
        .offset((page - 1) * size)
        .limit(size)
    )
    items = [Listed(report, bool(flag)) for report, flag in (await session.exec(query)).all()]
    return Listing(items, page, pages, total, where)


def _conditions(
    scope: Scope, where: ReportFilter, is_late: ColumnElement[bool]
) -> list[ColumnElement[bool]]:
    ids = list(scope.community_ids)
    if where.community_id is not None:
        ids = [i for i in ids if i == where.community_id]
    conditions: list[ColumnElement[bool]] = [col(Report.community_id).in_(ids)]
    if where.status is not None:
        conditions.append(col(Report.status) == where.status)
    if where.category is not None:
        conditions.append(col(Report.category) == where.category)
    if where.department is not None:
        conditions.append(col(Report.department) == where.department)
    if where.overdue:
        conditions.append(is_late)
    return conditions


async def _community(session: AsyncSession, *, slug: str) -> Community | None:
    return (await session.exec(select(Community).where(Community.slug == slug))).first()


async def scope_communities(session: AsyncSession, *, scope: Scope) -> list[Community]:
    """The planner's communities, for the community filter's buttons."""
    query = (
        select(Community)
        .where(col(Community.id).in_(list(scope.community_ids)))
        .order_by(col(Community.id))
    )
    return list((await session.exec(query)).all())
