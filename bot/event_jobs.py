"""Reminders of volunteer events (issue 15) as JobQueue jobs derived from the `event` rows.

At start-up every published event still to start gets a job for each reminder (24 hours and
2 hours before the start; at once when its time passed while the bot was down), and
publishing an event adds its jobs (`refresh`). A job calls
`storage.event_reminders.queue_reminders`, whose rows carry a dedupe key per event, person
and reminder, so each reminder is queued once however many jobs or restarts ask
(tests/conversation/test_event_reminders.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, JobQueue

from handlers.context import Clock, CustomContext, replace_job
from storage.db import session_scope
from storage.event_models import Event, EventStatus
from storage.event_reminders import REMINDERS, due, events_to_remind, queue_reminders

logger = logging.getLogger(__name__)


def job_name(event_id: int, which: str) -> str:
    return f"event_remind:{event_id}:{which}"


class EventJobs:
    """One job per reminder of each published event still to start."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._job_queue: JobQueue[Any] | None = None

    async def start(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._job_queue = application.job_queue
        async with session_scope(self._engine) as session:
            events = await events_to_remind(session, now=self._clock())
        for event in events:
            self._schedule(event)

    async def refresh(self, event_id: int) -> None:
        """An event was published: its jobs are derived from its row."""
        if self._job_queue is None:  # not started yet: start() reads the rows
            return
        async with session_scope(self._engine) as session:
            event = await session.get(Event, event_id)
        if event is not None and event.status == EventStatus.PUBLISHED:
            self._schedule(event)

    def _schedule(self, event: Event) -> None:
        assert self._job_queue is not None
        assert event.id is not None
        for which in REMINDERS:
            replace_job(
                self._job_queue,
                self.on_due,
                name=job_name(event.id, which),
                when=max(timedelta(0), due(event, which) - self._clock()),
                data=(event.id, which),
            )

    async def on_due(self, context: CustomContext) -> None:
        job = context.job
        assert job is not None
        data: tuple[int, str] = job.data  # type: ignore[assignment]
        event_id, which = data
        async with context.session() as session:
            queued = await queue_reminders(
                session,
                event_id=int(event_id),
                which=str(which),
                now=context.now(),
                tz=context.config.timezone,
            )
        logger.info("event %s: reminder %s queued to %d", event_id, which, queued)
        if queued:
            context.bot_data.services.wake_outbox()
