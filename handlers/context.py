"""The typed context every handler receives, and the services it carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from storage.callers import CallerState
from storage.db import session_scope

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class HandlerConfig:
    """What handlers need to know of the settings (built from them in `bot.app`)."""

    media_dir: Path
    timezone: ZoneInfo
    default_locale: str
    admin_ids: frozenset[int]
    reports_per_hour: int
    departments: tuple[str, ...]
    first_response_hours: int = 48
    flood_limit: int = 30  # updates per person per window; an album of 10 photos is 10
    flood_window_seconds: float = 10.0
    album_settle_seconds: float = 1.0
    # days a report may stay in accepted / planned / in_progress (STALE_*_DAYS)
    stale_days: Mapping[str, int] = field(
        default_factory=lambda: {"accepted": 7, "planned": 30, "in_progress": 14}
    )


def _nothing() -> None:
    return None


async def _nothing_for(_linked_chat_id: int) -> None:
    return None


@dataclass(frozen=True)
class Services:
    config: HandlerConfig
    engine: AsyncEngine
    clock: Clock = utc_now
    wake_outbox: Callable[[], None] = _nothing  # tells the outbox sender new rows are there
    # a linked chat's digest schedule changed: its jobs are derived again (bot/digest_jobs.py)
    digests_changed: Callable[[int], Awaitable[None]] = _nothing_for
    # a poll was opened: its closing job is derived from its row (bot/poll_jobs.py)
    polls_changed: Callable[[int], Awaitable[None]] = _nothing_for
    # a ballot opened: its closing job is derived from its row (bot/ballot_jobs.py)
    ballot_opened: Callable[[int], Awaitable[None]] = _nothing_for
    # an event was published: its reminder jobs are derived from its row (bot/event_jobs.py)
    events_changed: Callable[[int], Awaitable[None]] = _nothing_for


class BotData:
    """Application-wide data; set once by `bot.app.build_application`."""

    services: Services
    outbox: Any  # the outbox sender (bot/outbox.py); handlers only call services.wake_outbox
    flood: Any  # handlers.gate.FloodCounter


class CustomContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Typed access to the services: `context.session()`, `context.config`, `context.now()`."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        # The sender as read at the start of this update (a context lives for one update):
        # handlers.common.load_caller reads it once, every handler of the update shares it.
        self.caller_state: CallerState | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def config(self) -> HandlerConfig:
        return self.bot_data.services.config

    def session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """One unit of work: commits at the end of the block, rolls back on error."""
        return session_scope(self.bot_data.services.engine)

    def now(self) -> datetime:
        return self.bot_data.services.clock()


def replace_job(
    job_queue: JobQueue[Any],
    callback: Callable[[CustomContext], Coroutine[Any, Any, None]],
    *,
    name: str,
    when: float | timedelta,
    data: object,
    chat_id: int | None = None,
    user_id: int | None = None,
) -> None:
    """The one job called `name`: any earlier job of that name is dropped first (a schedule
    derived again from its row, an album's answer moved on by its next photo)."""
    for job in job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    job_queue.run_once(
        callback,
        when=when,
        name=name,
        data=data,
        chat_id=chat_id,
        user_id=user_id,
    )
