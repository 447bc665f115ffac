"""Report statistics against a fixed data set whose every figure was worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Category, Community, Report, ReportStatus
from storage.stats import Stats, report_stats
from tests.factories import make_community

SINCE = datetime(2026, 10, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 1, tzinfo=UTC)
HOURS = 48

# The data set (A = community "a", B = community "b"); response = first_response_at - created_at.
#
#  ref  com created            category    status       response  resolved  rating
#  R1   A   SINCE (included)   litter      resolved     2h        yes       满意
#  R2   A   10-02 00:00        litter      closed       48h (=)   yes       不满意
#  R3   A   10-03 00:00        greenery    in_progress  49h       -         -
#  R4   A   10-04 00:00        lighting    submitted    -         -         -   overdue
#  R5   A   10-05 00:00        litter      duplicate    1h        yes       -   (of R1)
#  R6   A   UNTIL - 24h        lighting    submitted    -         -         -   24h old
#  R7   A   UNTIL - 48h        walls       submitted    -         -         -   exactly 48h old
#  R8   A   UNTIL (excluded)   litter      submitted    -         -         -
#  R9   A   SINCE - 1s (excl.) litter      resolved     1h        yes       满意
#  R10  B   10-10 00:00        parking     resolved     10h       yes       基本满意
#  R11  B   10-11 00:00        parking     declined     30h       -         -
#  R12  B   10-12 00:00        other       accepted     0.5h      -         -


async def _add(
    session: AsyncSession,
    community: Community,
    created: datetime,
    *,
    category: Category,
    status: ReportStatus,
    response_h: float | None = None,
    resolved: bool = False,
    rating: str | None = None,
    duplicate_of: Report | None = None,
) -> Report:
    report = Report(
        community_id=community.id,
        category=category,
        status=status,
        created_at=created,
        updated_at=created,
        first_response_at=None if response_h is None else created + timedelta(hours=response_h),
        resolved_at=created + timedelta(days=3) if resolved else None,
        closed_at=created + timedelta(days=4) if status == ReportStatus.CLOSED else None,
        rating=rating,
        rated_at=created + timedelta(days=4) if rating is not None else None,
        duplicate_of_id=None if duplicate_of is None else duplicate_of.id,
    )
    session.add(report)
    await session.flush()
    return report


async def _data_set(session: AsyncSession) -> tuple[Community, Community]:
    a = await make_community(session, slug="a")
    b = await make_community(session, slug="b")
    day = timedelta(days=1)
    r1 = await _add(
        session,
        a,
        SINCE,
        category=Category.LITTER,
        status=ReportStatus.RESOLVED,
        response_h=2,
        resolved=True,
        rating="satisfied",
    )
    await _add(
        session,
        a,
        SINCE + day,
        category=Category.LITTER,
        status=ReportStatus.CLOSED,
        response_h=48,
        resolved=True,
        rating="not_satisfied",
    )
    await _add(
        session,
        a,
        SINCE + 2 * day,
        category=Category.GREENERY,
        status=ReportStatus.IN_PROGRESS,
        response_h=49,
    )
    await _add(
        session, a, SINCE + 3 * day, category=Category.LIGHTING, status=ReportStatus.SUBMITTED
    )
    await _add(
        session,
        a,
        SINCE + 4 * day,
        category=Category.LITTER,
        status=ReportStatus.DUPLICATE,
        response_h=1,
        resolved=True,
        duplicate_of=r1,
    )
    await _add(
        session,
        a,
        UNTIL - timedelta(hours=24),
        category=Category.LIGHTING,
        status=ReportStatus.SUBMITTED,
    )
    await _add(
        session,
        a,
        UNTIL - timedelta(hours=48),
        category=Category.WALLS,
        status=ReportStatus.SUBMITTED,
    )
    await _add(session, a, UNTIL, category=Category.LITTER, status=ReportStatus.SUBMITTED)
    await _add(
        session,
        a,
        SINCE - timedelta(seconds=1),
        category=Category.LITTER,
        status=ReportStatus.RESOLVED,
        response_h=1,
        resolved=True,
        rating="satisfied",
    )
    await _add(
        session,
        b,
        SINCE + 9 * day,
        category=Category.PARKING,
        status=ReportStatus.RESOLVED,
        response_h=10,
        resolved=True,
        rating="mostly_satisfied",
    )
    await _add(
        session,
        b,
        SINCE + 10 * day,
        category=Category.PARKING,
        status=ReportStatus.DECLINED,
        response_h=30,
    )
    await _add(
        session,
        b,
        SINCE + 11 * day,
        category=Category.OTHER,
        status=ReportStatus.ACCEPTED,
        response_h=0.5,
    )
    return a, b


async def _stats(
    session: AsyncSession,
    community_ids: list[int] | None,
    *,
    since: datetime = SINCE,
    until: datetime = UNTIL,
) -> Stats:
    return await report_stats(
        session,
        community_ids=community_ids,
        since=since,
        until=until,
        first_response_hours=HOURS,
    )


def _id(community: Community) -> int:
    assert community.id is not None
    return community.id


async def test_all_communities(session: AsyncSession) -> None:
    await _data_set(session)
    stats = await _stats(session, None)

    assert (stats.since, stats.until) == (SINCE, UNTIL)
    # R1..R7 and R10..R12: R8 (created exactly at UNTIL) and R9 (before SINCE) are outside.
    assert stats.total == 10
    assert stats.by_status == {
        "accepted": 1,  # R12
        "closed": 1,  # R2
        "declined": 1,  # R11
        "duplicate": 1,  # R5
        "in_progress": 1,  # R3
        "resolved": 2,  # R1, R10
        "submitted": 3,  # R4, R6, R7
    }
    assert stats.by_category == {
        "greenery": 1,  # R3
        "lighting": 2,  # R4, R6
        "litter": 3,  # R1, R2, R5
        "other": 1,  # R12
        "parking": 2,  # R10, R11
        "walls": 1,  # R7
    }
    # within 48h: R1 (2h), R2 (48h, the boundary counts), R5 (1h), R10 (10h), R11 (30h),
    # R12 (0.5h); R3 (49h) is late -> 6 of 10 = 0.6
    assert stats.responded_in_time == 6
    assert stats.response_rate == pytest.approx(0.6)
    # 7 responses (odd): 0.5, 1, 2, 10, 30, 48, 49 -> the 4th, 10h
    assert stats.median_hours_to_first_response == pytest.approx(10.0)
    # resolved_at set: R1, R2, R5, R10; R5 is a duplicate -> 3 of (10 - 1 duplicate) = 0.3333
    assert stats.resolved == 3
    assert stats.resolution_rate == pytest.approx(3 / 9)
    # rated: R1 (满意), R2 (不满意), R10 (基本满意); satisfied (满意 or 基本满意): R1, R10
    # -> 2 of 3 = 0.6667
    assert (stats.rated, stats.satisfied) == (3, 2)
    assert stats.satisfaction_rate == pytest.approx(2 / 3)
    # submitted without response, older than 48h at UNTIL: R4 (27 days); not R6 (24h), not R7
    # (exactly 48h)
    assert stats.overdue == 1


async def test_one_community(session: AsyncSession) -> None:
    a, _ = await _data_set(session)
    stats = await _stats(session, [_id(a)])

    # R1..R7
    assert stats.total == 7
    assert stats.by_status == {
        "closed": 1,
        "duplicate": 1,
        "in_progress": 1,
        "resolved": 1,
        "submitted": 3,
    }
    assert stats.by_category == {"greenery": 1, "lighting": 2, "litter": 3, "walls": 1}
    # within 48h: R1 (2h), R2 (48h), R5 (1h); R3 (49h) late -> 3 of 7 = 0.4286
    assert stats.responded_in_time == 3
    assert stats.response_rate == pytest.approx(3 / 7)
    # 4 responses (even): 1, 2, 48, 49 -> (2 + 48) / 2 = 25h
    assert stats.median_hours_to_first_response == pytest.approx(25.0)
    # resolved: R1, R2 (R5 is a duplicate) -> 2 of (7 - 1) = 0.3333
    assert stats.resolved == 2
    assert stats.resolution_rate == pytest.approx(2 / 6)
    # rated: R1 (满意), R2 (不满意); satisfied: R1 -> 1 of 2 = 0.5
    assert (stats.rated, stats.satisfied) == (2, 1)
    assert stats.satisfaction_rate == pytest.approx(0.5)
    assert stats.overdue == 1  # R4


async def test_other_community(session: AsyncSession) -> None:
    _, b = await _data_set(session)
    stats = await _stats(session, [_id(b)])

    # R10, R11, R12
    assert stats.total == 3
    assert stats.by_status == {"accepted": 1, "declined": 1, "resolved": 1}
    assert stats.by_category == {"other": 1, "parking": 2}
    # 10h, 30h, 0.5h all within 48h -> 3 of 3
    assert stats.responded_in_time == 3
    assert stats.response_rate == pytest.approx(1.0)
    # 3 responses (odd): 0.5, 10, 30 -> 10h
    assert stats.median_hours_to_first_response == pytest.approx(10.0)
    # resolved: R10 -> 1 of 3
    assert stats.resolved == 1
    assert stats.resolution_rate == pytest.approx(1 / 3)
    # rated: R10 (基本满意), satisfied -> 1 of 1
    assert (stats.rated, stats.satisfied) == (1, 1)
    assert stats.satisfaction_rate == pytest.approx(1.0)
    assert stats.overdue == 0


async def test_both_communities_equal_all(session: AsyncSession) -> None:
    a, b = await _data_set(session)
    assert await _stats(session, [_id(a), _id(b)]) == await _stats(session, None)


async def test_window_bounds_are_half_open(session: AsyncSession) -> None:
    await _data_set(session)
    # moving `since` back to R9's creation takes it in; moving `until` past R8 takes it in
    wider = await _stats(
        session, None, since=SINCE - timedelta(seconds=1), until=UNTIL + timedelta(seconds=1)
    )
    assert wider.total == 12
    # R9 adds a 1h response (in time) and a resolved, satisfied rating; R8 adds a submitted
    # report 1s old (not overdue), and at the later `until` R7 is 48h + 1s old: overdue too
    assert wider.responded_in_time == 7
    assert wider.resolved == 4
    assert (wider.rated, wider.satisfied) == (4, 3)
    assert wider.overdue == 2  # R4, R7
    # 8 responses (even): 0.5, 1, 1, 2, 10, 30, 48, 49 -> (2 + 10) / 2 = 6h
    assert wider.median_hours_to_first_response == pytest.approx(6.0)


async def test_empty_window(session: AsyncSession) -> None:
    await _data_set(session)
    stats = await _stats(
        session,
        None,
        since=datetime(2025, 1, 1, tzinfo=UTC),
        until=datetime(2025, 2, 1, tzinfo=UTC),
    )
    assert stats == Stats(
        since=datetime(2025, 1, 1, tzinfo=UTC),
        until=datetime(2025, 2, 1, tzinfo=UTC),
        total=0,
        by_status={},
        by_category={},
        responded_in_time=0,
        response_rate=None,
        median_hours_to_first_response=None,
        resolved=0,
        resolution_rate=None,
        rated=0,
        satisfied=0,
        satisfaction_rate=None,
        overdue=0,
    )


async def test_community_without_reports(session: AsyncSession) -> None:
    await _data_set(session)
    empty = await make_community(session, slug="empty")
    stats = await _stats(session, [_id(empty)])
    assert stats.total == 0
    assert stats.response_rate is None
    assert stats.resolution_rate is None
    assert stats.satisfaction_rate is None
    assert stats.median_hours_to_first_response is None


async def test_response_exactly_at_an_odd_limit_is_in_time(session: AsyncSession) -> None:
    # On SQLite, (julianday(17:00) - julianday(07:00)) * 24 is 10.0000000075: float days.
    # Durations are rounded to the millisecond, so exactly 10h is still within a 10h limit.
    a = await make_community(session, slug="a")
    created = datetime(2026, 10, 2, 7, tzinfo=UTC)
    await _add(
        session, a, created, category=Category.OTHER, status=ReportStatus.ACCEPTED, response_h=10
    )
    stats = await report_stats(
        session, community_ids=None, since=SINCE, until=UNTIL, first_response_hours=10
    )
    assert stats.responded_in_time == 1
    assert stats.median_hours_to_first_response == pytest.approx(10.0)
