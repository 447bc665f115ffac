"""The bare echo bots the conversation benchmark compares against.

Each replies to a text with the same text and does nothing else: what is left is the cost of
the framework and its HTTP client. They run in the bot's process (benchmarks/bot_process.py),
against the same sandbox as our bot. The PTB echo bot runs either on PTB's own HTTP client
(HTTPXRequest) or on ours (bot/aiohttp_request.py, without the retries), so our bot can be
compared with a bare bot on the same client too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
)
from telegram.ext import MessageHandler as PtbMessageHandler
from telegram.ext import filters as ptb_filters

from bot.aiohttp_request import AiohttpRequest
from bot.runner import polling

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

#: how to install the optional one
AIOGRAM_HINT = "pip install -e '.[bench]'"


def aiogram_version() -> str | None:
    """aiogram's version, or None when it is not installed (its row is then skipped)."""
    if find_spec("aiogram") is None:
        return None
    return str(import_module("aiogram").__version__)


async def _ptb_echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def ptb_echo_application(
    token: str, api_url: str, *, paced: bool, aiohttp: bool = False
) -> AnyApplication:
    """A bare python-telegram-bot Application; ``paced`` adds PTB's AIORateLimiter;
    ``aiohttp`` puts its requests and getUpdates on our AiohttpRequest (the pool sizes of
    bot/app.py, no retry wrapper) instead of PTB's HTTPXRequest."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
    )
    if aiohttp:
        builder = builder.request(AiohttpRequest(connection_pool_size=256)).get_updates_request(
            AiohttpRequest(connection_pool_size=1)
        )
    if paced:
        limiter: BaseRateLimiter[Any] = AIORateLimiter(max_retries=3)
        builder = builder.rate_limiter(limiter)
    application: AnyApplication = builder.build()
    application.add_handler(PtbMessageHandler(ptb_filters.TEXT, _ptb_echo))
    return application


@asynccontextmanager
async def running_ptb_echo(
    token: str, api_url: str, *, paced: bool, aiohttp: bool = False
) -> AsyncIterator[None]:
    async with polling(ptb_echo_application(token, api_url, paced=paced, aiohttp=aiohttp)):
        yield


@asynccontextmanager
async def running_aiogram_echo(token: str, api_url: str) -> AsyncIterator[None]:
    """A bare aiogram 3 bot with its defaults (it handles updates as concurrent tasks).

    aiogram has no built-in pacing, so this bot only runs unpaced.
    """
    from aiogram import Bot, Dispatcher, F
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dispatcher = Dispatcher()

    async def echo(message: Message) -> None:
        if message.text is not None:
            await message.answer(message.text)

    dispatcher.message.register(echo, F.text)
    task = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1), name="aiogram"
    )
    try:
        yield
    finally:
        with contextlib.suppress(RuntimeError):  # "polling is not started" if it never did
            await dispatcher.stop_polling()
        await task
