"""A fixed data set for the committees' digest, with every figure worked out by hand.

The digest is weekly, Mondays 09:00 Asia/Shanghai: the period is 2026-11-02 09:00 to
2026-11-09 09:00 local, i.e. [11-02 01:00Z, 11-09 01:00Z); the previous one is the week
before. Times below are UTC; response = first_response_at - created_at (limit 48 h).

 ref com created      category  status       response  resolved  rating  place (cell)
 A   X   11-03 00:00  litter    resolved     2h        yes       满意    31.207,121.427
 B   X   11-04 00:00  litter    accepted     50h (late)-         -       31.207,121.427
 C   X   11-05 00:00  lighting  submitted    -         -         -       31.210,121.430  overdue
 D   X   11-08 12:00  greenery  submitted    -         -         -       31.207,121.427  13 h old
 E   X   11-06 00:00  litter    declined     10h       -         -       31.204,121.425
 F   X   11-03 06:00  litter    reopened     4h        yes       不满意  31.204,121.425
 P1  X   10-27 00:00  litter    resolved     1h        yes       满意    (previous week)
 P2  X   10-28 00:00  parking   submitted    -         -         -       (previous week) overdue
 L   X   11-09 02:00  litter    submitted    -         -         -       (after the period)
 O   Y   11-04 00:00  litter    submitted    -         -         -       (other community)

This week: 6 new (before: 2); by category litter 4, lighting 1, greenery 1.
Response rate: in time A, E, F = 3 of 6 = 50% (before: P1 = 1 of 2 = 50%, →).
Median hours to first response: 2, 4, 10, 50 -> (4 + 10) / 2 = 7.0 (before: 1.0, ↑).
Resolution rate: A, F = 2 of 6 = 33% (before: 1 of 2 = 50%, ↓).
Satisfaction rate: A of A, F = 1 of 2 = 50% (before: 1 of 1 = 100%, ↓).
Overdue at the end of the period, whenever created: C and P2 = 2 (O is another community's).
Places (grid of 0.001°): 31.207,121.427: 3 (A, B, D); 31.204,121.425: 2; 31.210,121.430: 1.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Category, Report, ReportStatus
from storage.rules import Satisfaction

PERIOD = (datetime(2026, 11, 2, 1, tzinfo=UTC), datetime(2026, 11, 9, 1, tzinfo=UTC))
PREVIOUS = (datetime(2026, 10, 26, 1, tzinfo=UTC), PERIOD[0])
CELL_1 = (31.2069, 121.4273)
CELL_2 = (31.2040, 121.4250)
CELL_3 = (31.2101, 121.4302)


def _at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def add_report(
    session: AsyncSession,
    *,
    community_id: int | None,
    created: datetime,
    category: Category,
    status: ReportStatus,
    place: tuple[float, float] = CELL_1,
    response_h: float | None = None,
    resolved: bool = False,
    rating: str | None = None,
) -> Report:
    report = Report(
        community_id=community_id,
        category=category,
        status=status,
        lat=place[0],
        lon=place[1],
        created_at=created,
        updated_at=created,
        first_response_at=None if response_h is None else created + timedelta(hours=response_h),
        resolved_at=created + timedelta(days=1) if resolved else None,
        rating=rating,
        rated_at=created + timedelta(days=1) if rating is not None else None,
    )
    session.add(report)
    await session.flush()
    return report


async def digest_data_set(session: AsyncSession, *, community_id: int, other_id: int) -> None:
    """The rows of the table above; X = `community_id`, Y = `other_id`."""
    x = community_id
    s = ReportStatus
    litter = Category.LITTER
    await add_report(
        session,
        community_id=x,
        created=_at(11, 3),
        category=litter,
        status=s.RESOLVED,
        response_h=2,
        resolved=True,
        rating=Satisfaction.SATISFIED,
    )
    await add_report(
        session,
        community_id=x,
        created=_at(11, 4),
        category=litter,
        status=s.ACCEPTED,
        response_h=50,
        place=(31.2069, 121.4274),
    )
    await add_report(
        session,
        community_id=x,
        created=_at(11, 5),
        category=Category.LIGHTING,
        status=s.SUBMITTED,
        place=CELL_3,
    )
    await add_report(
        session,
        community_id=x,
        created=_at(11, 8, 12),
        category=Category.GREENERY,
        status=s.SUBMITTED,
    )
    await add_report(
        session,
        community_id=x,
        created=_at(11, 6),
        category=litter,
        status=s.DECLINED,
        response_h=10,
        place=CELL_2,
    )
    await add_report(
        session,
        community_id=x,
        created=_at(11, 3, 6),
        category=litter,
        status=s.REOPENED,
        response_h=4,
        resolved=True,
        rating=Satisfaction.NOT_SATISFIED,
        place=CELL_2,
    )
    await add_report(
        session,
        community_id=x,
        created=_at(10, 27),
        category=litter,
        status=s.RESOLVED,
        response_h=1,
        resolved=True,
        rating=Satisfaction.SATISFIED,
    )
    await add_report(
        session, community_id=x, created=_at(10, 28), category=Category.PARKING, status=s.SUBMITTED
    )
    await add_report(
        session, community_id=x, created=_at(11, 9, 2), category=litter, status=s.SUBMITTED
    )
    await add_report(
        session, community_id=other_id, created=_at(11, 4), category=litter, status=s.SUBMITTED
    )
