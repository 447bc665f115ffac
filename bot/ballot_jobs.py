"""Closing priority ballots (issue 14) as JobQueue jobs derived from the `ballot` rows.

At start-up every open ballot gets a job at its `closes_at` (at once when that passed while
the bot was down), and opening a ballot adds its job (`refresh`). A job calls
`storage.ballot_tally.close_ballot`, whose guarded UPDATE closes a ballot once however many
jobs or processes ask, and whose result rows are deduplicated per recipient
(tests/conversation/test_ballots.py::test_a_ballot_closes_across_a_restart).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, JobQueue

from handlers.context import Clock, CustomContext, replace_job
from storage.ballot_models import Ballot, BallotStatus
from storage.ballot_tally import close_ballot, open_ballots
from storage.db import session_scope

logger = logging.getLogger(__name__)


def job_name(ballot_id: int) -> str:
    return f"ballot_close:{ballot_id}"


class BallotJobs:
    """One closing job per open ballot."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._job_queue: JobQueue[Any] | None = None

    async def start(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._job_queue = application.job_queue
        async with session_scope(self._engine) as session:
            ballots = await open_ballots(session)
        for ballot in ballots:
            self._schedule(ballot)

    async def refresh(self, ballot_id: int) -> None:
        """A ballot opened: its job is derived from its row."""
        if self._job_queue is None:  # not started yet: start() reads the rows
            return
        async with session_scope(self._engine) as session:
            ballot = await session.get(Ballot, ballot_id)
        if ballot is not None and ballot.status == BallotStatus.OPEN:
            self._schedule(ballot)

    def _schedule(self, ballot: Ballot) -> None:
        assert self._job_queue is not None
        assert ballot.id is not None
        assert ballot.closes_at is not None
        replace_job(
            self._job_queue,
            self.on_due,
            name=job_name(ballot.id),
            when=max(timedelta(0), ballot.closes_at - self._clock()),
            data=ballot.id,
        )

    async def on_due(self, context: CustomContext) -> None:
        job = context.job
        assert job is not None
        ballot_id = int(job.data)  # type: ignore[call-overload]
        async with context.session() as session:
            closed = await close_ballot(session, ballot_id=ballot_id, now=context.now())
        if closed is None:
            logger.info("ballot %s: not closed (not open, or not due by this clock)", ballot_id)
            return
        logger.info("ballot %s closed; result queued", ballot_id)
        context.bot_data.services.wake_outbox()
