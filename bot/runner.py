"""Starting and stopping an Application by long polling inside a running event loop.

`serve()` is `microspace run`'s whole life: wait for the Bot API (bot/startup.py), poll
until SIGINT or SIGTERM, stop cleanly. The demo and the tests use `start_polling` and
`stop_polling` inside a loop they already own (next to the Bot API sandbox).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.settings import StartupError
from bot.startup import one_line, wait_for_api
from bot.transport import Backoff

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def start_polling(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    poll_seconds: int = 1,
    bootstrap_retries: int = 0,
) -> None:
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0,
        timeout=poll_seconds,
        bootstrap_retries=bootstrap_retries,
        allowed_updates=Update.ALL_TYPES,
        error_callback=_polling_failed,
    )


def _polling_failed(error: TelegramError) -> None:
    """getUpdates failed mid-run; PTB's polling loop retries it with backoff, for ever."""
    logger.warning("getUpdates failed (%s); polling goes on after a pause", one_line(error))


async def stop_polling(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    await application.bot.shutdown()  # its HTTP clients, also when start-up never finished
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


@asynccontextmanager
async def polling(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run the application for the duration of the block."""
    await start_polling(application)
    try:
        yield application
    finally:
        await stop_polling(application)


async def _unless_stopped(step: Awaitable[None], stopping: asyncio.Event) -> bool:
    """Run `step` unless a stop signal comes first; True when `step` finished."""
    task = asyncio.ensure_future(step)
    stop = asyncio.ensure_future(stopping.wait())
    await asyncio.wait((task, stop), return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if not task.done():
        task.cancel()
        return False
    task.result()  # re-raise what went wrong
    return True


async def serve(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    backoff: Backoff,
    base_url: str,
    poll_seconds: int = 10,
) -> None:
    """Wait for the Bot API, poll until SIGINT or SIGTERM, then stop cleanly (exit 0)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping.set)
    try:
        if not await _unless_stopped(
            wait_for_api(application, backoff=backoff, base_url=base_url), stopping
        ):
            logger.info("stopped while waiting for the Bot API")
            return
        try:
            # deleteWebhook: retried by PTB until it answers (-1), like getUpdates later
            await start_polling(application, poll_seconds=poll_seconds, bootstrap_retries=-1)
        except TelegramError as exc:  # setMyCommands failed beyond the request's retries
            raise StartupError(
                f"TELEGRAM_API_BASE_URL: the Bot API at {base_url} failed during start-up "
                f"({one_line(exc)}); the next start tries again"
            ) from None
        await stopping.wait()
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        await stop_polling(application)
