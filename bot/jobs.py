"""Scheduled work. Every job reads its state from rows, so a restart loses nothing and a
missed run is caught up by the next one."""

from __future__ import annotations

import logging
from datetime import datetime, time, tzinfo

from handlers.context import CustomContext
from storage.inbox import queue_overdue_notices
from storage.lifecycle import auto_close

logger = logging.getLogger(__name__)

AUTO_CLOSE_JOB = "auto_close"
MORNING_JOB = "planner_morning"
MORNING_CATCH_UP_JOB = "planner_morning_catch_up"
CATCH_UP_DELAY_SECONDS = 30
AUTO_CLOSE_EVERY_SECONDS = 600


def morning_missed(now: datetime, *, tz: tzinfo, morning: time) -> bool:
    """Whether today's morning time has passed: a bot started after it sends the list once
    (the per-day dedupe key makes a second list that day impossible)."""
    return now.astimezone(tz).time() >= morning


async def auto_close_job(context: CustomContext) -> None:
    """Close resolved reports nobody rated within 7 days (their followers are told)."""
    async with context.session() as session:
        closed = await auto_close(session, now=context.now())
    if closed:
        logger.info("auto-closed %d reports", len(closed))
        context.bot_data.services.wake_outbox()


async def morning_job(context: CustomContext) -> None:
    """Each planner's overdue reports and reports stuck in a stage, once a day."""
    now = context.now()
    day = now.astimezone(context.config.timezone).date().isoformat()
    async with context.session() as session:
        queued = await queue_overdue_notices(
            session,
            now=now,
            hours=context.config.first_response_hours,
            day=day,
            stale_days=context.config.stale_days,
        )
    if queued:
        context.bot_data.services.wake_outbox()
