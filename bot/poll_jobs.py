"""Closing polls at their time: one JobQueue job per open poll, derived from the `poll` rows.

At start-up every open poll gets a job at its `closes_at` (at once for one that came due
while the bot was down); opening a poll (`Services.polls_changed`) adds its job. A job stops
every copy not stopped yet, each by stopPoll (paced by the rate limiter, as every request
with a chat id), recording each as it goes, then closes the poll once and queues the result
(`storage.poll_votes.finish`); the outbox sends it with its chart. Every step reads and
writes rows, so a restart in the middle closes the poll all the same
(tests/conversation/test_polls.py::test_a_poll_closes_by_itself_after_a_restart).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, JobQueue

from handlers.context import Clock, CustomContext, replace_job
from storage.db import session_scope
from storage.poll_models import Poll
from storage.poll_votes import copies_to_stop, finish, mark_stopped, open_polls, poll_by_id

logger = logging.getLogger(__name__)

RETRY_SECONDS = 60  # a copy Telegram could not stop now (network, 5xx) is tried again


def job_name(poll_id: int) -> str:
    return f"poll_close:{poll_id}"


class PollJobs:
    """Keeps one closing job per open poll."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._job_queue: JobQueue[Any] | None = None

    async def start(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._job_queue = application.job_queue
        async with session_scope(self._engine) as session:
            polls = await open_polls(session)
        for poll in polls:
            self._schedule(poll)

    async def refresh(self, poll_id: int) -> None:
        """A poll was opened: its job, from its row."""
        if self._job_queue is None:
            return
        async with session_scope(self._engine) as session:
            poll = await poll_by_id(session, poll_id=poll_id)
        if poll is not None and poll.closes_at is not None:
            self._schedule(poll)

    def _schedule(self, poll: Poll, *, delay: timedelta | None = None) -> None:
        assert self._job_queue is not None
        assert poll.id is not None
        assert poll.closes_at is not None
        when = delay if delay is not None else max(timedelta(0), poll.closes_at - self._clock())
        replace_job(self._job_queue, self.on_due, name=job_name(poll.id), when=when, data=poll.id)

    async def on_due(self, context: CustomContext) -> None:
        job = context.job
        assert job is not None
        assert isinstance(job.data, int)
        await self.close(context, job.data)

    async def close(self, context: CustomContext, poll_id: int) -> None:
        """Stop every copy, then close the poll and queue its result (once)."""
        async with context.session() as session:
            copies = await copies_to_stop(session, poll_id=poll_id)
        unstopped = False
        for copy in copies:
            assert copy.id is not None
            counts: list[int] | None = None
            voters: int | None = None
            try:
                stopped = await context.bot.stop_poll(copy.chat_id, copy.message_id)
                counts = [option.voter_count for option in stopped.options]
                voters = stopped.total_voter_count
            except (BadRequest, Forbidden) as exc:  # closed already, deleted, bot removed
                logger.info("poll %s: copy in %s not stopped (%s)", poll_id, copy.chat_id, exc)
            except TelegramError as exc:
                logger.warning("poll %s: stopping in %s failed (%s)", poll_id, copy.chat_id, exc)
                unstopped = True
                continue
            async with context.session() as session:
                await mark_stopped(
                    session,
                    copy_id=copy.id,
                    counts=counts,
                    voters=voters,
                    now=context.now(),
                )
        if unstopped:  # try those again later; the result waits for them
            async with context.session() as session:
                poll = await poll_by_id(session, poll_id=poll_id)
            if poll is not None:
                self._schedule(poll, delay=timedelta(seconds=RETRY_SECONDS))
            return
        async with context.session() as session:
            closed = await finish(session, poll_id=poll_id, now=context.now())
        if closed is not None:
            logger.info("poll %s closed: %s voters", poll_id, closed.voters)
            context.bot_data.services.wake_outbox()
