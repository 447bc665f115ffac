"""Digest schedules: what `/digest_schedule` accepts, and the periods a schedule cuts."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from storage.periods import (
    Cadence,
    ScheduleSpec,
    last_due,
    next_due,
    on_demand_end,
    parse_schedule,
    with_previous,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("words", "spec"),
    [
        ("weekly mon 09:00", ScheduleSpec(Cadence.WEEKLY, time(9, 0), weekday=0)),
        ("WEEKLY Sunday 7:30", ScheduleSpec(Cadence.WEEKLY, time(7, 30), weekday=6)),
        ("daily 18:05", ScheduleSpec(Cadence.DAILY, time(18, 5))),
        ("monthly 28 00:00", ScheduleSpec(Cadence.MONTHLY, time(0, 0), day=28)),
    ],
)
def test_schedules_it_accepts(words: str, spec: ScheduleSpec) -> None:
    assert parse_schedule(words.split()) == spec


@pytest.mark.parametrize(
    "words",
    [
        "",
        "weekly 09:00",
        "weekly xyz 09:00",
        "daily 9",
        "daily 24:00",
        "daily 09:60",
        "monthly 29 09:00",
        "monthly 0 09:00",
        "monthly ١ 09:00",
        "hourly 09:00",
        "daily 09:00 extra",
    ],
)
def test_schedules_it_refuses(words: str) -> None:
    assert parse_schedule(words.split()) is None


def test_weekly_due_instants_and_periods() -> None:
    spec = ScheduleSpec(Cadence.WEEKLY, time(9, 0), weekday=0)
    now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # Monday 17:30 in Shanghai
    assert last_due(spec, now=now, tz=SHANGHAI) == local(2026, 11, 2, 9, 0)
    assert next_due(spec, now=now, tz=SHANGHAI) == local(2026, 11, 9, 9, 0)
    early = datetime(2026, 11, 2, 0, 59, tzinfo=UTC)  # Monday 08:59 local: not yet
    assert last_due(spec, now=early, tz=SHANGHAI) == local(2026, 10, 26, 9, 0)
    period, previous = with_previous(spec, local(2026, 11, 9, 9, 0), tz=SHANGHAI)
    assert period == (local(2026, 11, 2, 9, 0), local(2026, 11, 9, 9, 0))
    assert previous == (local(2026, 10, 26, 9, 0), local(2026, 11, 2, 9, 0))


def test_monthly_periods_cross_the_year() -> None:
    spec = ScheduleSpec(Cadence.MONTHLY, time(8, 0), day=1)
    now = local(2027, 1, 15, 12, 0)
    assert last_due(spec, now=now, tz=SHANGHAI) == local(2027, 1, 1, 8, 0)
    assert next_due(spec, now=now, tz=SHANGHAI) == local(2027, 2, 1, 8, 0)
    period, previous = with_previous(spec, local(2027, 1, 1, 8, 0), tz=SHANGHAI)
    assert period[0] == local(2026, 12, 1, 8, 0)
    assert previous[0] == local(2026, 11, 1, 8, 0)


def test_daily_and_on_demand() -> None:
    spec = ScheduleSpec(Cadence.DAILY, time(9, 0))
    now = local(2026, 11, 5, 8, 0)
    assert last_due(spec, now=now, tz=SHANGHAI) == local(2026, 11, 4, 9, 0)
    end = on_demand_end(local(2026, 11, 5, 8, 0, 42))  # a report of a moment ago is in
    assert end == local(2026, 11, 5, 8, 1)
    assert on_demand_end(local(2026, 11, 5, 8, 1)) == end
    period, _ = with_previous(None, end, tz=SHANGHAI)  # no schedule: the last week
    assert period == (local(2026, 10, 29, 8, 1), end)
