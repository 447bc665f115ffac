"""Committee digests: schedules as rows, and a period's digest queued once through the outbox.

`queue_digest` writes a `digest_run` row (unique per chat and period) and, in the same
transaction, the outbox rows that carry it: the text (`digest`) and the chart
(`digest_chart`). A second call for the same period finds the run and queues nothing, so no
period is ever sent twice; the outbox then sends each row with its own guarantee (nothing
lost; a repeat only if the process died between Telegram's answer and the mark). Proved by
tests/conversation/test_digest.py (`test_a_missed_digest_is_caught_up_once_after_a_restart`).

Every figure comes from storage/stats.py, whose definitions (response, resolution,
satisfaction, overdue: storage/rules.py) are the ones /stats uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.communities import community_name, get_community
from storage.digest_sections import digest_sections
from storage.models import (
    ChatKind,
    DigestRun,
    DigestSchedule,
    LinkedChat,
    OutboxMessage,
)
from storage.periods import ScheduleSpec, last_due, with_previous
from storage.stats import (
    Stats,
    busiest_places,
    category_status_counts,
    overdue_count,
    report_stats,
)
from storage.writes import insert_or_skip

#: outbox kinds (bot/outbox.py renders them)
DIGEST_TEXT = "digest"
DIGEST_CHART = "digest_chart"
LOCAL_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Scheduled:
    """A committee chat's schedule, with the chat it belongs to."""

    schedule: DigestSchedule
    chat: LinkedChat

    @property
    def spec(self) -> ScheduleSpec:
        row = self.schedule
        return ScheduleSpec.from_row(
            cadence=row.cadence, minute_of_day=row.minute_of_day, weekday=row.weekday, day=row.day
        )


async def set_schedule(
    session: AsyncSession, *, linked_chat_id: int, spec: ScheduleSpec, by: int | None, now: datetime
) -> DigestSchedule:
    """Create or replace the chat's schedule. Periods that ended before `now` are never caught
    up for it (`set_at`)."""
    values: dict[str, Any] = {
        "cadence": spec.cadence.value,
        "weekday": spec.weekday,
        "day": spec.day,
        "minute_of_day": spec.minute_of_day,
        "set_by": by,
        "set_at": now,
    }
    row = DigestSchedule(linked_chat_id=linked_chat_id, **values)
    stored = await insert_or_skip(session, row, conflict=("linked_chat_id",))
    if stored is not None:
        return stored
    existing = (
        await session.exec(
            select(DigestSchedule).where(DigestSchedule.linked_chat_id == linked_chat_id)
        )
    ).one()
    for name, value in values.items():
        setattr(existing, name, value)
    session.add(existing)
    await session.flush()
    return existing


async def clear_schedule(session: AsyncSession, *, linked_chat_id: int) -> bool:
    """Stop the chat's digests; False when it had no schedule."""
    found = await schedule_of(session, linked_chat_id=linked_chat_id)
    if found is None:
        return False
    await session.delete(found.schedule)
    await session.flush()
    return True


async def schedule_of(session: AsyncSession, *, linked_chat_id: int) -> Scheduled | None:
    """The schedule of a linked chat that is active, if it has one."""
    found = await _schedules(session, linked_chat_id=linked_chat_id)
    return found[0] if found else None


async def active_schedules(session: AsyncSession) -> list[Scheduled]:
    """Every schedule of a linked committee chat (what the jobs are derived from)."""
    return await _schedules(session, linked_chat_id=None)


async def _schedules(session: AsyncSession, *, linked_chat_id: int | None) -> list[Scheduled]:
    query = (
        select(DigestSchedule, LinkedChat)
        .join(LinkedChat, col(LinkedChat.id) == col(DigestSchedule.linked_chat_id))
        .where(col(LinkedChat.active), LinkedChat.kind == ChatKind.COMMITTEE)
        .order_by(col(DigestSchedule.id))
    )
    if linked_chat_id is not None:
        query = query.where(DigestSchedule.linked_chat_id == linked_chat_id)
    return [Scheduled(s, c) for s, c in (await session.exec(query)).all()]


async def queue_digest(
    session: AsyncSession,
    *,
    chat: LinkedChat,
    period: tuple[datetime, datetime],
    previous: tuple[datetime, datetime],
    scheduled: bool,
    now: datetime,
    tz: tzinfo,
    first_response_hours: int,
) -> int | None:
    """Queue the digest of `period` (compared with `previous`) for a committee chat; the run's
    id, or None when this chat already had the digest of this period."""
    assert chat.id is not None
    assert chat.community_id is not None
    start, end = period
    run = DigestRun(linked_chat_id=chat.id, period_start=start, period_end=end, scheduled=scheduled)
    run.created_at = now
    stored = await insert_or_skip(
        session, run, conflict=("linked_chat_id", "period_start", "period_end")
    )
    if stored is None:
        return None
    params = await digest_params(
        session,
        community_id=chat.community_id,
        locale=chat.locale,
        period=period,
        previous=previous,
        tz=tz,
        first_response_hours=first_response_hours,
    )
    for kind in (DIGEST_TEXT, DIGEST_CHART):
        session.add(
            OutboxMessage(
                chat_id=chat.chat_id,
                locale=chat.locale,
                kind=kind,
                params=params,
                dedupe_key=f"digest:{stored.id}:{kind}",
                not_before=now,
                created_at=now,
            )
        )
    await session.flush()
    return stored.id


async def digest_params(
    session: AsyncSession,
    *,
    community_id: int,
    locale: str,
    period: tuple[datetime, datetime],
    previous: tuple[datetime, datetime],
    tz: tzinfo,
    first_response_hours: int,
) -> dict[str, Any]:
    """The figures of a digest, as the outbox row's parameters (plain JSON, no words)."""
    ids = [community_id]
    start, end = period
    hours = first_response_hours
    current = await report_stats(
        session, community_ids=ids, since=start, until=end, first_response_hours=hours
    )
    before = await report_stats(
        session,
        community_ids=ids,
        since=previous[0],
        until=previous[1],
        first_response_hours=hours,
    )
    community = await get_community(session, community_id=community_id)
    places = await busiest_places(session, community_ids=ids, since=start, until=end)
    return {
        "community": "" if community is None else community_name(community, locale),
        "since": start.astimezone(tz).strftime(LOCAL_FORMAT),
        "until": end.astimezone(tz).strftime(LOCAL_FORMAT),
        "new": current.total,
        "new_before": before.total,
        "by_category": current.by_category,
        "by_category_status": await category_status_counts(
            session, community_ids=ids, since=start, until=end
        ),
        "rates": {name: [value(current), value(before)] for name, value in RATES.items()},
        "overdue": await overdue_count(session, community_ids=ids, now=end, hours=hours),
        "places": [{"lat": lat, "lon": lon, "count": n} for lat, lon, n in places],
        # Later features' figures, one key each (storage/digest_sections.py: notices sent,
        # polls closed); handlers/digest_text.py renders every key it knows, in SECTIONS order.
        "sections": await digest_sections(
            session, community_id=community_id, since=start, until=end, tz=tz
        ),
    }


RATES: dict[str, Callable[[Stats], float | None]] = {
    "response": lambda s: s.response_rate,
    "median_hours": lambda s: s.median_hours_to_first_response,
    "resolution": lambda s: s.resolution_rate,
    "satisfaction": lambda s: s.satisfaction_rate,
}


def has_due(found: Scheduled, *, now: datetime, tz: tzinfo) -> bool:
    """Whether a period of this schedule has ended since it was set (sent or not)."""
    return last_due(found.spec, now=now, tz=tz) >= found.schedule.set_at


async def queue_due_digest(
    session: AsyncSession,
    *,
    linked_chat_id: int,
    now: datetime,
    tz: tzinfo,
    first_response_hours: int,
) -> int | None:
    """Queue the digest of the chat's latest period that has ended, unless it went out
    already (or ended before the schedule was set); the run's id, or None."""
    found = await schedule_of(session, linked_chat_id=linked_chat_id)
    if found is None or not has_due(found, now=now, tz=tz):
        return None
    due = last_due(found.spec, now=now, tz=tz)
    period, previous = with_previous(found.spec, due, tz=tz)
    return await queue_digest(
        session,
        chat=found.chat,
        period=period,
        previous=previous,
        scheduled=True,
        now=now,
        tz=tz,
        first_response_hours=first_response_hours,
    )
