"""Starting and stopping an Application by long polling inside a running event loop.

`microspace run` uses PTB's own `run_polling`; the demo and the tests need the same start-up
inside a loop they already own (next to the Bot API sandbox), and a clean stop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application


async def start_polling(
    application: Application[Any, Any, Any, Any, Any, Any], *, poll_seconds: int = 1
) -> None:
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0, timeout=poll_seconds, allowed_updates=Update.ALL_TYPES
    )


async def stop_polling(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
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
