"""The committees' digests as JobQueue jobs, derived from the `digest_schedule` rows.

At start-up every schedule gets a job at its next due instant, and a schedule whose latest
period ended while the bot was down (and after the schedule was set) gets a catch-up job
`CATCH_UP_DELAY_SECONDS` after start-up. A change (`/digest_schedule`, `/unlink`, the bot
removed from a group) derives that chat's jobs again (`refresh`). A job queues the digest of
the period that has just ended (`storage.digests.queue_due_digest`); the unique `digest_run`
row makes a second queueing of the same period do nothing, so a catch-up and a regular run,
or two restarts, never send a period twice (tests/conversation/test_digest.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, Job, JobQueue

from handlers.context import Clock, CustomContext, HandlerConfig
from storage.db import session_scope
from storage.digests import Scheduled, active_schedules, has_due, queue_due_digest, schedule_of
from storage.periods import next_due

logger = logging.getLogger(__name__)

CATCH_UP_DELAY_SECONDS = 30


def job_name(linked_chat_id: int) -> str:
    return f"digest:{linked_chat_id}"


def catch_up_name(linked_chat_id: int) -> str:
    return f"digest_catch_up:{linked_chat_id}"


class DigestJobs:
    """Keeps one job per schedule row (plus a catch-up after start-up when one was missed)."""

    def __init__(self, engine: AsyncEngine, clock: Clock, config: HandlerConfig) -> None:
        self._engine = engine
        self._clock = clock
        self._config = config
        self._job_queue: JobQueue[Any] | None = None

    async def start(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Derive every job from the rows (and catch up what was missed)."""
        self._job_queue = application.job_queue
        async with session_scope(self._engine) as session:
            schedules = await active_schedules(session)
        now = self._clock()
        for found in schedules:
            self._schedule(found)
            if has_due(found, now=now, tz=self._config.timezone):
                self._queue().run_once(
                    self.catch_up,
                    when=CATCH_UP_DELAY_SECONDS,
                    name=catch_up_name(_id(found)),
                    data=_id(found),
                )

    async def refresh(self, linked_chat_id: int) -> None:
        """The chat's schedule changed (or went): its job is derived again from its row."""
        if self._job_queue is None:  # not started yet: start() reads the rows
            return
        for job in self._job_queue.get_jobs_by_name(job_name(linked_chat_id)):
            job.schedule_removal()
        async with session_scope(self._engine) as session:
            found = await schedule_of(session, linked_chat_id=linked_chat_id)
        if found is not None:
            self._schedule(found)

    def _queue(self) -> JobQueue[Any]:
        assert self._job_queue is not None
        return self._job_queue

    def _schedule(self, found: Scheduled) -> None:
        """A job at the schedule's next due instant, by the bot's clock."""
        now = self._clock()
        due = next_due(found.spec, now=now, tz=self._config.timezone)
        self._queue().run_once(
            self.on_due,
            when=max(timedelta(0), due - now),
            name=job_name(_id(found)),
            data=_id(found),
        )

    async def on_due(self, context: CustomContext) -> None:
        """A period has ended: queue its digest, then wait for the next one."""
        linked_chat_id = _job_data(context.job)
        await self._send_due(context, linked_chat_id)
        await self.refresh(linked_chat_id)

    async def catch_up(self, context: CustomContext) -> None:
        """After start-up: the period that ended while the bot was down, if it was not sent."""
        await self._send_due(context, _job_data(context.job))

    async def _send_due(self, context: CustomContext, linked_chat_id: int) -> None:
        async with context.session() as session:
            run = await queue_due_digest(
                session,
                linked_chat_id=linked_chat_id,
                now=context.now(),
                tz=self._config.timezone,
                first_response_hours=self._config.first_response_hours,
            )
        if run is not None:
            logger.info("digest: queued run %s for linked chat %s", run, linked_chat_id)
            context.bot_data.services.wake_outbox()


def _id(found: Scheduled) -> int:
    assert found.chat.id is not None
    return found.chat.id


def _job_data(job: Job[Any] | None) -> int:
    assert job is not None
    assert isinstance(job.data, int)
    return job.data
