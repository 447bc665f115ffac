"""What `microspace run` does before it serves, and the one line it prints when that fails.

The database must open (a fault there is a configuration to fix: one line naming
DATABASE_URL, exit 1). The Bot API may be down for a while (Telegram, the network, or a
local Bot API server still starting): the bot waits for it with backoff, one log line
per retry, with no overall limit, as the polling loop does mid-run; a supervisor that
restarted an exited bot would only do the same, noisier. SIGTERM ends the wait
(tests/conversation/test_process.py). A token the API rejects is a configuration fault
again: one line naming TELEGRAM_BOT_TOKEN.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.settings import StartupError
from bot.transport import Backoff, single_attempts
from storage.db import upgrade

logger = logging.getLogger(__name__)


def one_line(text: object) -> str:
    """Any message folded onto one line (database drivers like several, indented)."""
    return re.sub(r"\s+", " ", str(text)).strip()


def _make_directory(where: Path) -> None:
    """The SQLite file's directory, or a StartupError saying why it cannot be made."""
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        failed = Path(exc.filename) if exc.filename else where
        reason = exc.strerror or one_line(exc)
        if failed.exists() and not failed.is_dir():
            reason = "a file of that name is in the way"
        raise StartupError(
            f"DATABASE_URL: cannot create the directory {failed.absolute()} for the SQLite "
            f"file ({reason}); point DATABASE_URL at a writable place"
        ) from None


def open_database(url: str) -> None:
    """Bring the schema up to date, or raise StartupError saying why the database won't open."""
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database not in (None, "", ":memory:"):
        _make_directory(Path(str(parsed.database)).parent)
    try:
        upgrade(url)
    except DBAPIError as exc:
        reason = one_line(exc.orig) if exc.orig is not None else one_line(exc)
        advice = (
            "check that its directory exists and is writable"
            if sqlite
            else "check that the server is running, the host and port are right, "
            "and the database exists"
        )
        shown = parsed.render_as_string(hide_password=True)
        raise StartupError(f"DATABASE_URL: cannot open {shown} ({reason}); {advice}") from None


def warm_up_photo_hashing() -> None:
    """Process one tiny photo as a resident's is processed, and throw it away.

    The first perceptual hash imports scipy (0.1 to 0.4 s here, by the disk cache); paid
    at start-up, the first resident's photo does not wait for it. Only `microspace run` does
    this: at import time of storage it would slow every command and test process.
    Test: tests/unit/test_startup.py.
    """
    from PIL import Image

    from storage.media import store_photo

    picture = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(picture, format="JPEG")
    with tempfile.TemporaryDirectory(prefix="microspace-warm-up-") as scratch:
        store_photo(picture.getvalue(), media_dir=Path(scratch))


def _rejected(error: InvalidToken, base_url: str) -> str:
    answer = one_line(error.__cause__ or "")  # PTB's own message quotes the token
    if "Not Found" in answer:
        return (
            f"TELEGRAM_API_BASE_URL: {base_url} answered 404 Not Found to getMe, so it is not "
            "a Bot API server or the token is malformed; give a Bot API server's address "
            "(e.g. http://127.0.0.1:8081) and check TELEGRAM_BOT_TOKEN"
        )
    answer = answer or "Unauthorized"
    return (
        f"TELEGRAM_BOT_TOKEN was rejected by the Bot API at {base_url} ({answer}); "
        "get the bot's current token from @BotFather"
    )


def _pause_after(error: TelegramError, pauses: Iterator[float]) -> float:
    pause = next(pauses)
    if isinstance(error, RetryAfter):  # the rate limiter's own retries did not suffice
        wait = error.retry_after
        return max(pause, wait.total_seconds() if isinstance(wait, timedelta) else float(wait))
    return pause


async def wait_for_api(
    application: Application[Any, Any, Any, Any, Any, Any], *, backoff: Backoff, base_url: str
) -> None:
    """Initialize the application (PTB asks getMe), waiting for as long as the API fails.

    One warning line per retry, naming TELEGRAM_API_BASE_URL and the reason; no overall
    limit (see the module doc). Raises StartupError when the token is rejected.
    """
    pauses = backoff.pauses()
    attempt = 0
    while True:
        attempt += 1
        try:
            with single_attempts():  # this loop is the retry: one failure, one line
                await application.initialize()
            return
        except InvalidToken as exc:
            raise StartupError(_rejected(exc, base_url)) from None
        except TelegramError as exc:
            pause = _pause_after(exc, pauses)
            logger.warning(
                "Bot API at %s (TELEGRAM_API_BASE_URL) is not answering (%s); "
                "retrying in %.1f s (attempt %d)",
                base_url,
                one_line(exc),
                pause,
                attempt,
            )
            await asyncio.sleep(pause)
