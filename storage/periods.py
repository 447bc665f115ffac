"""Digest schedules as data: daily, weekly or monthly at a local time, and the periods they cut.

A schedule is due at instants in the bot's time zone (`weekly mon 09:00`: every Monday at
09:00 local time). The period a due instant closes runs from the due instant before it up to
it: `[previous due, due)`. Pure functions, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: monthly digests fall on day 1-28, which every month has
MAX_MONTH_DAY = 28


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class ScheduleSpec:
    """When a digest is due: `cadence`, on `weekday` (0 = Monday) or month `day`, at `at`."""

    cadence: Cadence
    at: time
    weekday: int | None = None
    day: int | None = None

    @property
    def minute_of_day(self) -> int:
        return self.at.hour * 60 + self.at.minute

    @classmethod
    def from_row(
        cls, *, cadence: str, minute_of_day: int, weekday: int | None, day: int | None
    ) -> ScheduleSpec:
        at = time(minute_of_day // 60, minute_of_day % 60)
        return cls(Cadence(cadence), at, weekday, day)


def parse_schedule(args: list[str]) -> ScheduleSpec | None:
    """`daily HH:MM`, `weekly DAY HH:MM` (mon … sun) or `monthly N HH:MM` (N = 1-28);
    None for anything else."""
    words = [a.strip().lower() for a in args]
    if not words or words[0] not in set(Cadence):
        return None
    cadence = Cadence(words[0])
    expected = 2 if cadence == Cadence.DAILY else 3
    if len(words) != expected:
        return None
    at = _clock_time(words[-1])
    if at is None:
        return None
    if cadence == Cadence.DAILY:
        return ScheduleSpec(cadence, at)
    if cadence == Cadence.WEEKLY:
        if words[1][:3] not in WEEKDAYS:
            return None
        return ScheduleSpec(cadence, at, weekday=WEEKDAYS.index(words[1][:3]))
    if not words[1].isascii() or not words[1].isdigit():
        return None
    day = int(words[1])
    return ScheduleSpec(cadence, at, day=day) if 1 <= day <= MAX_MONTH_DAY else None


def _clock_time(word: str) -> time | None:
    hours, sep, minutes = word.partition(":")
    if not sep or not (hours + minutes).isascii() or not (hours + minutes).isdigit():
        return None
    if len(minutes) != 2 or not 1 <= len(hours) <= 2:
        return None
    h, m = int(hours), int(minutes)
    return time(h, m) if h < 24 and m < 60 else None


def shift(spec: ScheduleSpec, day: date, periods: int) -> date:
    """The local date `periods` periods after (or before, if negative) `day`."""
    if spec.cadence == Cadence.DAILY:
        return day + timedelta(days=periods)
    if spec.cadence == Cadence.WEEKLY:
        return day + timedelta(weeks=periods)
    months = day.year * 12 + day.month - 1 + periods
    return date(months // 12, months % 12 + 1, min(day.day, MAX_MONTH_DAY))


def _at(spec: ScheduleSpec, day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, spec.at, tzinfo=tz)


def last_due(spec: ScheduleSpec, *, now: datetime, tz: tzinfo) -> datetime:
    """The latest due instant at or before `now`."""
    today = now.astimezone(tz).date()
    if spec.cadence == Cadence.WEEKLY:
        assert spec.weekday is not None
        candidate = today - timedelta(days=(today.weekday() - spec.weekday) % 7)
    elif spec.cadence == Cadence.MONTHLY:
        assert spec.day is not None
        candidate = today.replace(day=spec.day)
    else:
        candidate = today
    while _at(spec, candidate, tz) > now:
        candidate = shift(spec, candidate, -1)
    return _at(spec, candidate, tz)


def next_due(spec: ScheduleSpec, *, now: datetime, tz: tzinfo) -> datetime:
    """The earliest due instant after `now`."""
    last = last_due(spec, now=now, tz=tz)
    return _at(spec, shift(spec, last.astimezone(tz).date(), 1), tz)


def period_before(spec: ScheduleSpec, end: datetime, *, tz: tzinfo) -> tuple[datetime, datetime]:
    """The period that ends at `end`: one cadence long, `[start, end)`, in local calendar
    terms (a week is 7 local days, a month runs to the same day of the next month)."""
    local = end.astimezone(tz)
    start_day = shift(spec, local.date(), -1)
    start = datetime.combine(start_day, local.time(), tzinfo=tz)
    return start, end


#: `/digest` without a schedule covers the last week
DEFAULT_SPEC = ScheduleSpec(Cadence.WEEKLY, time(0, 0), weekday=0)

Period = tuple[datetime, datetime]


def with_previous(spec: ScheduleSpec | None, end: datetime, *, tz: tzinfo) -> tuple[Period, Period]:
    """The period ending at `end` and the one before it, which the digest compares it with."""
    spec = spec or DEFAULT_SPEC
    period = period_before(spec, end, tz=tz)
    return period, period_before(spec, period[0], tz=tz)


def on_demand_end(now: datetime) -> datetime:
    """`/digest` covers the last period up to the end of the current minute (so a report of a
    moment ago is in it; a second /digest within the same minute is the same period, and is
    not sent again)."""
    start_of_minute = now.replace(second=0, microsecond=0)
    return start_of_minute if start_of_minute == now else start_of_minute + timedelta(minutes=1)
