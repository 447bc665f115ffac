"""The figures planners and committees see: volumes, response, resolution, satisfaction.

Everything is computed in SQL (aggregates, GROUP BY, one ordered LIMIT/OFFSET for the median),
on SQLite and on PostgreSQL alike; only the duration between two timestamps needs a
dialect-specific expression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Numeric, case, cast, extract
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import SQLColumnExpression
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Report, ReportStatus
from storage.rules import overdue, satisfied_rating


@dataclass(frozen=True)
class Stats:
    """Figures over the reports created in `[since, until)`; see `report_stats`."""

    since: datetime
    until: datetime
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    responded_in_time: int
    response_rate: float | None
    median_hours_to_first_response: float | None
    resolved: int
    resolution_rate: float | None
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    overdue: int


@dataclass(frozen=True)
class _Counts:
    total: int
    duplicates: int
    responded: int
    responded_in_time: int
    resolved: int
    rated: int
    satisfied: int
    overdue: int


async def report_stats(
    session: AsyncSession,
    *,
    community_ids: Sequence[int] | None,
    since: datetime,
    until: datetime,
    first_response_hours: int,
) -> Stats:
    """Figures over the reports created in `[since, until)` (aware datetimes).

    Definitions:
    - total: reports created in [since, until) (community filter applied;
      `community_ids=None` means all communities).
    - by_status: current status of those reports; by_category: their category.
    - responded_in_time: first_response_at - created_at <= first_response_hours
      (a response exactly at the limit is in time).
    - response_rate: responded_in_time / total (None when total == 0).
    - median_hours_to_first_response: over reports that have a first_response_at (the mean of
      the two middle values for an even count; None when none has one).
    - resolved: reports (excluding status 'duplicate') with resolved_at set.
    - resolution_rate: resolved / (total - duplicates) (None when that is 0).
    - rated: rating not null (any of 满意, 基本满意, 不满意, 没修好); satisfied:
      `rules.satisfied_rating()` (满意 or 基本满意); satisfaction_rate: satisfied / rated
      (None when rated == 0).
    - overdue: `rules.overdue()` at `until`: no first response, and older than
      first_response_hours (exactly first_response_hours old is not yet overdue).
    """
    dialect = (await session.connection()).dialect.name
    where = _window(community_ids=community_ids, since=since, until=until)
    response_s = _response_seconds(dialect)
    counts = await _counts(
        session,
        where=where,
        response_s=response_s,
        limit_s=first_response_hours * 3600,
        overdue=overdue(now=until, hours=first_response_hours),
    )
    median_s = await _median_response_seconds(
        session, where=where, response_s=response_s, count=counts.responded
    )
    return Stats(
        since=since,
        until=until,
        total=counts.total,
        by_status=await _grouped(session, where=where, key=col(Report.status)),
        by_category=await _grouped(session, where=where, key=col(Report.category)),
        responded_in_time=counts.responded_in_time,
        response_rate=_ratio(counts.responded_in_time, counts.total),
        median_hours_to_first_response=None if median_s is None else median_s / 3600,
        resolved=counts.resolved,
        resolution_rate=_ratio(counts.resolved, counts.total - counts.duplicates),
        rated=counts.rated,
        satisfied=counts.satisfied,
        satisfaction_rate=_ratio(counts.satisfied, counts.rated),
        overdue=counts.overdue,
    )


def _window(
    *, community_ids: Sequence[int] | None, since: datetime, until: datetime
) -> list[ColumnElement[bool]]:
    conditions = [col(Report.created_at) >= since, col(Report.created_at) < until]
    if community_ids is not None:
        conditions.append(col(Report.community_id).in_(list(community_ids)))
    return conditions


def _response_seconds(dialect: str) -> ColumnElement[float]:
    """Seconds from created_at to first_response_at (NULL without a response).

    SQLite has no interval type: julianday() differences are days as floating point, rounded
    here to the millisecond so that a response exactly at the limit compares as equal to it.
    """
    later, earlier = col(Report.first_response_at), col(Report.created_at)
    if dialect == "sqlite":
        days = func.julianday(later) - func.julianday(earlier)
        return cast(func.round(days * 86400, 3), Float)
    if dialect == "postgresql":
        return cast(extract("epoch", later - earlier), Float)
    raise NotImplementedError(f"report_stats does not support the {dialect!r} dialect")


def _count_if(condition: ColumnElement[bool]) -> SQLColumnExpression[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _counts(
    session: AsyncSession,
    *,
    where: list[ColumnElement[bool]],
    response_s: ColumnElement[float],
    limit_s: int,
    overdue: ColumnElement[bool],
) -> _Counts:
    not_duplicate = col(Report.status) != ReportStatus.DUPLICATE
    columns: list[SQLColumnExpression[Any]] = [
        func.count(),
        _count_if(col(Report.status) == ReportStatus.DUPLICATE),
        func.count(col(Report.first_response_at)),
        _count_if(response_s <= limit_s),
        _count_if(not_duplicate & col(Report.resolved_at).is_not(None)),
        func.count(col(Report.rating)),
        _count_if(satisfied_rating()),
        _count_if(overdue),
    ]
    query = select(*columns).select_from(Report).where(*where)
    row = (await session.exec(query)).one()
    return _Counts(*(int(value) for value in row))


async def _grouped(
    session: AsyncSession, *, where: list[ColumnElement[bool]], key: Mapped[str]
) -> dict[str, int]:
    query = select(key, func.count()).where(*where).group_by(key).order_by(key)
    return {str(name): int(n) for name, n in (await session.exec(query)).all()}


async def _median_response_seconds(
    session: AsyncSession,
    *,
    where: list[ColumnElement[bool]],
    response_s: ColumnElement[float],
    count: int,
) -> float | None:
    """The median of `response_s` over the `count` responded reports, in SQL.

    Order the durations and keep the middle one (odd count) or the two middle ones (even
    count), then average what was kept.
    """
    if count == 0:
        return None
    seconds = response_s.label("seconds")
    middle = (
        select(seconds)
        .where(*where, col(Report.first_response_at).is_not(None))
        .order_by(seconds)
        .offset((count - 1) // 2)
        .limit(1 if count % 2 else 2)
        .subquery()
    )
    value = (await session.exec(select(func.avg(middle.c.seconds)))).one()
    return None if value is None else float(value)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# -- figures for the committees' digest (issue 13), over the same window as `report_stats` --


async def category_status_counts(
    session: AsyncSession, *, community_ids: Sequence[int] | None, since: datetime, until: datetime
) -> dict[str, dict[str, int]]:
    """Reports created in `[since, until)`, by category and current status (the chart)."""
    where = _window(community_ids=community_ids, since=since, until=until)
    key = (col(Report.category), col(Report.status))
    query = select(*key, func.count()).where(*where).group_by(*key).order_by(*key)
    counts: dict[str, dict[str, int]] = {}
    for category, status, n in (await session.exec(query)).all():
        counts.setdefault(str(category), {})[str(status)] = int(n)
    return counts


#: a place is a grid cell of 0.001° (about 110 m north-south, 95 m east-west in Shanghai)
PLACE_DECIMALS = 3


async def busiest_places(
    session: AsyncSession,
    *,
    community_ids: Sequence[int] | None,
    since: datetime,
    until: datetime,
    limit: int = 3,
) -> list[tuple[float, float, int]]:
    """The grid cells (`PLACE_DECIMALS`) with the most reports created in `[since, until)`:
    (lat, lon, count), most first, then by position; reports without a map pin are left out."""
    where = _window(community_ids=community_ids, since=since, until=until)
    lat = func.round(cast(col(Report.lat), Numeric(10, 6)), PLACE_DECIMALS).label("cell_lat")
    lon = func.round(cast(col(Report.lon), Numeric(10, 6)), PLACE_DECIMALS).label("cell_lon")
    query = (
        select(lat, lon, func.count().label("n"))
        .where(*where, col(Report.lat).is_not(None), col(Report.lon).is_not(None))
        .group_by(lat, lon)
        .order_by(func.count().desc(), lat, lon)
        .limit(limit)
    )
    return [(float(a), float(b), int(n)) for a, b, n in (await session.exec(query)).all()]


async def overdue_count(
    session: AsyncSession, *, community_ids: Sequence[int] | None, now: datetime, hours: int
) -> int:
    """Reports overdue at `now` (`rules.overdue`), whenever they were created."""
    conditions = [overdue(now=now, hours=hours), col(Report.created_at) <= now]
    if community_ids is not None:
        conditions.append(col(Report.community_id).in_(list(community_ids)))
    query = select(func.count()).select_from(Report).where(*conditions)
    return int((await session.exec(query)).one())
