"""The Application factory: one ordered place where every feature is assembled."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
)

import prompts
from bot.aiohttp_request import AiohttpRequest
from bot.ballot_jobs import BallotJobs
from bot.digest_jobs import DigestJobs
from bot.event_jobs import EventJobs
from bot.jobs import (
    AUTO_CLOSE_EVERY_SECONDS,
    AUTO_CLOSE_JOB,
    CATCH_UP_DELAY_SECONDS,
    MORNING_CATCH_UP_JOB,
    MORNING_JOB,
    auto_close_job,
    morning_job,
    morning_missed,
)
from bot.notice_progress import (
    NOTICE_PROGRESS_JOB,
    NOTICE_PROGRESS_SECONDS,
    notice_progress_job,
)
from bot.outbox import OutboxSender
from bot.poll_jobs import PollJobs
from bot.settings import Settings
from bot.transport import Backoff, RetryingRequest
from bot.update_unit import ReleasingRateLimiter, UnitApplication
from handlers import (
    ballot_vote,
    ballots,
    department,
    digest,
    event_manage,
    event_signup,
    events,
    gate,
    groups,
    myreports,
    notices,
    poll_votes,
    polls,
    rating,
    report,
    roles,
    start,
    stats,
    triage,
)
from handlers import settings as resident_settings
from handlers.context import BotData, Clock, CustomContext, HandlerConfig, Services, utc_now
from handlers.errors import on_error
from storage.db import make_engine

logger = logging.getLogger(__name__)

MicrospaceApp = Application[Any, CustomContext, dict[Any, Any], dict[Any, Any], BotData, Any]

# Every group sees every update (in ascending order) unless a handler raises
# ApplicationHandlerStop; within one group only the first matching handler runs.
FLOOD_GROUP = -20  # too many updates from one person: dropped, with one note
GATE_GROUP = -10  # private-chat check: stops everything else for group chats
INPUT_GROUP = -5  # a planner's typed answer to a pending question; stops the update if taken
NOTICE_INPUT_GROUP = -4  # a planner's message while writing a notice; stops the update if taken
POLL_INPUT_GROUP = -3  # a planner's message while writing a poll; stops the update if taken
EVENT_INPUT_GROUP = -2  # a planner's message while writing an event; stops the update if taken
FEATURE_GROUP = 0  # all features, in the order below
HELP_GROUP = 5  # after the resident's /help, a planner's own commands (planners only)

RESIDENT_COMMANDS = (
    "start",
    "report",
    "myreports",
    "myevents",
    "language",
    "community",
    "settings",
    "help",
    "cancel",
)


def telegram_pace() -> AIORateLimiter:
    """Telegram's limits as an even pace: at most 30 requests in any second and 20 in any
    minute per group. PTB's defaults (30 a second, 20 a minute) let a full burst go at once
    and then refill, so a busy second could hold nearly 60 and a minute 40, which Telegram
    answers with 429s: one at a time, 29 a second (one token, refilled every 1/29 s), and
    one every 3.1 s per group, keep any second to 1 + 29 and any minute per group to 1 + 19.
    Measured, not proved: against the sandbox's limits a 300-recipient notice drew 23
    refusals with PTB's defaults and 2 with this pace (`python -m benchmarks.broadcast`).
    A 429 that still comes holds every request for its retry_after, then the request is
    tried again (3 times)."""
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / 29,
        group_max_rate=1,
        group_time_period=3.1,
        max_retries=3,
    )


def handler_config(settings: Settings) -> HandlerConfig:
    return HandlerConfig(
        media_dir=settings.media_dir,
        timezone=settings.tz,
        default_locale=settings.default_locale,
        admin_ids=settings.admin_ids,
        reports_per_hour=settings.reports_per_hour,
        first_response_hours=settings.first_response_hours,
        departments=settings.departments,
        stale_days=settings.stale_days,
    )


async def _register_commands(application: MicrospaceApp) -> None:
    """The command menu in each language (English as Telegram's default)."""
    for locale in prompts.LOCALES:
        commands = [
            BotCommand(name, prompts.render(f"commands.{name}", locale))
            for name in RESIDENT_COMMANDS
        ]
        language = None if locale == "en" else locale
        await application.bot.set_my_commands(commands, language_code=language)


def _schedule(application: MicrospaceApp, settings: Settings, clock: Clock) -> None:
    """Jobs are derived from rows each time they run; only their timing lives here."""
    job_queue = application.job_queue
    assert job_queue is not None
    job_queue.run_repeating(
        auto_close_job,
        interval=AUTO_CLOSE_EVERY_SECONDS,
        first=5,
        name=AUTO_CLOSE_JOB,
    )
    job_queue.run_daily(
        morning_job,
        time=settings.planner_morning_time.replace(tzinfo=settings.tz),
        name=MORNING_JOB,
    )
    job_queue.run_repeating(
        notice_progress_job,
        interval=NOTICE_PROGRESS_SECONDS,
        first=NOTICE_PROGRESS_SECONDS,
        name=NOTICE_PROGRESS_JOB,
    )
    if morning_missed(clock(), tz=settings.tz, morning=settings.planner_morning_time):
        job_queue.run_once(morning_job, when=CATCH_UP_DELAY_SECONDS, name=MORNING_CATCH_UP_JOB)


def reply_request(settings: Settings) -> RetryingRequest:
    """The HTTP layer of every request but getUpdates, with PTB's default pool size."""
    return RetryingRequest(backoff=Backoff.from_settings(settings), connection_pool_size=256)


def get_updates_request() -> AiohttpRequest:
    """getUpdates' own HTTP layer: one connection, no retries here (PTB's polling loop
    retries getUpdates itself), PTB's default timeouts (it adds the poll's to the read);
    tests/unit/test_app_requests.py."""
    return AiohttpRequest(connection_pool_size=1)


def build_application(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock = utc_now,
    config: HandlerConfig | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> MicrospaceApp:
    """A ready-to-start Application talking to `settings.telegram_api_base_url`.

    The rate limiter defaults to PTB's AIORateLimiter (Telegram's 30 messages/s overall and
    20/min per group, and up to 3 retries of a 429). Under it, every request but getUpdates
    goes through `RetryingRequest`: a few retries of 5xx and network errors (bot/transport.py).
    Both it and getUpdates' request are aiohttp-based (bot/aiohttp_request.py).
    """
    engine = engine or make_engine(settings.database_url)
    config = config or handler_config(settings)
    digests = DigestJobs(engine, clock, config)
    poll_jobs = PollJobs(engine, clock)
    ballot_jobs = BallotJobs(engine, clock)
    event_jobs = EventJobs(engine, clock)
    sender = OutboxSender(
        engine,
        clock,
        claim_timeout=timedelta(seconds=settings.outbox_claim_timeout_seconds),
        retention=timedelta(days=settings.outbox_retention_days),
        chat_gap=timedelta(seconds=settings.outbox_chat_gap_seconds),
        media_dir=settings.media_dir,
    )

    async def post_init(application: MicrospaceApp) -> None:
        await _register_commands(application)
        _schedule(application, settings, clock)
        await digests.start(application)
        await poll_jobs.start(application)
        await ballot_jobs.start(application)
        await event_jobs.start(application)
        sender.start(application.bot)

    async def post_stop(_application: MicrospaceApp) -> None:
        await sender.stop()

    application: MicrospaceApp = (
        ApplicationBuilder()
        .application_class(UnitApplication)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.base_file_url)
        .request(reply_request(settings))
        .get_updates_request(get_updates_request())
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .rate_limiter(ReleasingRateLimiter(rate_limiter or telegram_pace()))
        .context_types(ContextTypes(context=CustomContext, bot_data=BotData))
        .post_init(post_init)
        .post_stop(post_stop)
        .build()
    )
    application.bot_data.services = Services(
        config=config,
        engine=engine,
        clock=clock,
        wake_outbox=sender.wake,
        digests_changed=digests.refresh,
        polls_changed=poll_jobs.refresh,
        ballot_opened=ballot_jobs.refresh,
        events_changed=event_jobs.refresh,
    )
    application.bot_data.outbox = sender
    services = application.bot_data.services
    application.bot_data.flood = gate.FloodCounter(
        limit=services.config.flood_limit, window_seconds=services.config.flood_window_seconds
    )
    flood_handlers, private_handlers = gate.build_gatekeepers()
    application.add_handlers(flood_handlers, group=FLOOD_GROUP)
    application.add_handlers(private_handlers, group=GATE_GROUP)
    application.add_handlers(triage.build_input_handlers(), group=INPUT_GROUP)
    application.add_handlers(notices.build_input_handlers(), group=NOTICE_INPUT_GROUP)
    application.add_handlers(polls.build_input_handlers(), group=POLL_INPUT_GROUP)
    application.add_handlers(events.build_input_handlers(), group=EVENT_INPUT_GROUP)
    # One group, so that exactly one handler answers each update. The order matters:
    # planner commands and buttons (whose checks live in handlers/roles.py); the resident
    # features' commands, menu labels and inline buttons (/report with a reference is the
    # planners' and comes first); then any other private message, routed by the resident's
    # draft; last, buttons nobody claimed (stale or forged) and unknown commands.
    application.add_handlers(
        [
            *roles.build_handlers(),
            *triage.build_handlers(),
            *rating.build_handlers(),
            *stats.build_handlers(),
            *groups.build_handlers(),
            *department.build_handlers(),
            *digest.build_handlers(),
            *notices.build_handlers(),
            *polls.build_handlers(),
            *poll_votes.build_handlers(),
            *ballots.build_handlers(),
            *ballot_vote.build_handlers(),
            *events.build_handlers(),
            *event_manage.build_handlers(),
            *event_signup.build_handlers(),
            *resident_settings.build_handlers(),
            *start.build_handlers(),
            *myreports.build_handlers(),
            *report.build_handlers(),
            report.catch_all(),
            *gate.build_fallbacks(),
        ],
        group=FEATURE_GROUP,
    )
    application.add_handlers(roles.build_help_handlers(), group=HELP_GROUP)
    application.add_error_handler(on_error)
    return application
