"""The Application factory: one ordered place where every feature is assembled."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

import prompts
from bot.settings import Settings
from handlers import gate, myreports, report, start
from handlers.context import BotData, Clock, CustomContext, HandlerConfig, Services, utc_now
from handlers.errors import on_error
from storage.db import make_engine

logger = logging.getLogger(__name__)

MicrospaceApp = Application[Any, CustomContext, dict[Any, Any], dict[Any, Any], BotData, Any]

# Handler groups run in ascending order; within a group the first matching handler wins.
GATE_GROUP = -10  # private-chat check: stops everything else for group chats
FEATURE_GROUP = 0  # commands, menu buttons and inline buttons of each feature
CONVERSATION_GROUP = 10  # any other private message, routed by the resident's draft
FALLBACK_GROUP = 20  # stale or forged buttons, unknown commands

COMMANDS = ("start", "report", "myreports", "language", "community", "help", "cancel")


def handler_config(settings: Settings) -> HandlerConfig:
    return HandlerConfig(
        media_dir=settings.media_dir,
        timezone=settings.tz,
        default_locale=settings.default_locale,
        admin_ids=settings.admin_ids,
        reports_per_hour=settings.reports_per_hour,
    )


async def _register_commands(application: MicrospaceApp) -> None:
    """The command menu in each language (English as Telegram's default)."""
    for locale in prompts.LOCALES:
        commands = [
            BotCommand(name, prompts.render(f"commands.{name}", locale)) for name in COMMANDS
        ]
        language = None if locale == "en" else locale
        await application.bot.set_my_commands(commands, language_code=language)


async def _post_init(application: MicrospaceApp) -> None:
    await _register_commands(application)


def build_application(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock = utc_now,
    config: HandlerConfig | None = None,
) -> MicrospaceApp:
    """A ready-to-start Application talking to `settings.telegram_api_base_url`."""
    context_types = ContextTypes(context=CustomContext, bot_data=BotData)
    application: MicrospaceApp = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .context_types(context_types)
        .post_init(_post_init)
        .build()
    )
    application.bot_data.services = Services(
        config=config or handler_config(settings),
        engine=engine or make_engine(settings.database_url),
        clock=clock,
    )
    application.add_handlers(gate.build_gatekeepers(), group=GATE_GROUP)
    application.add_handlers(
        [*start.build_handlers(), *myreports.build_handlers(), *report.build_handlers()],
        group=FEATURE_GROUP,
    )
    application.add_handler(report.catch_all(), group=CONVERSATION_GROUP)
    application.add_handlers(gate.build_fallbacks(), group=FALLBACK_GROUP)
    application.add_error_handler(on_error)
    return application


def allowed_updates() -> list[str]:
    return Update.ALL_TYPES
