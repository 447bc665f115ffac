"""The HTTP layer under every Bot API request: a few retries when Telegram fails on its side.

PTB retries only 429s (AIORateLimiter) and its own polling; a rate limiter must not handle
other errors (BaseRateLimiter.process_request's contract), so the retries live one layer
down, in the request object every bot method goes through: `RetryingRequest` is our
aiohttp-based request (bot/aiohttp_request.py) with `do_request` wrapped. Replies, button
answers, file downloads and the outbox's sends all pass here; getUpdates does not (it has a
request of its own, and PTB's polling loop retries it for ever).

Retried, at most `retries` times with pauses from a `Backoff`, one log line each:

- an answer with HTTP status 500 or above: Telegram failed on its side. A 5xx to
  sendMessage may or may not have delivered; a bounded retry is the agreed trade-off;
- a network error before any answer, by aiohttp's exception types: the connection refused,
  DNS or TLS failing (`ClientConnectorError`), the connection reset (`ClientOSError`,
  `ClientConnectionResetError`), the server closing it without an answer
  (`ServerDisconnectedError`), and a timeout while waiting for a free connection or
  connecting (`ConnectionTimeoutError`).

Not retried: a timeout while reading the answer (aiohttp's `SocketTimeoutError`) or of an
upload as a whole (Telegram may be working on it, and a repeat could deliver a message
twice after a long wait already), any other error once the request may be in the works (an
answer cut short, `ClientPayloadError`), and any 4xx, 429 included, which the rate limiter
above handles. Tests: tests/unit/test_transport.py and tests/conversation/test_reply_retry.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import aiohttp
from telegram.error import NetworkError, TelegramError
from telegram.request import BaseRequest, RequestData

from bot.aiohttp_request import AiohttpRequest
from bot.settings import Settings

logger = logging.getLogger(__name__)

REPLY_RETRIES = 3  # with the default first pause of 0.5 s: 0.5 + 1 + 2 s at most
# Failures before any answer, after which a repeat is safe enough (see the module doc).
_RETRIED_ERRORS = (
    aiohttp.ClientConnectorError,  # refused, DNS, TLS handshake: never connected
    aiohttp.ClientOSError,  # reset, broken pipe while sending
    aiohttp.ClientConnectionResetError,
    aiohttp.ServerDisconnectedError,  # closed without an answer
    aiohttp.ConnectionTimeoutError,  # waiting for a free connection, or connecting
)

_single_attempts: ContextVar[bool] = ContextVar("single_attempts", default=False)


@dataclass(frozen=True)
class Backoff:
    """Pauses that start at `first` seconds and double, none longer than `cap`."""

    first: float
    cap: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Backoff:
        """TELEGRAM_RETRY_FIRST_SECONDS, doubling up to TELEGRAM_RETRY_MAX_SECONDS."""
        return cls(
            first=settings.telegram_retry_first_seconds, cap=settings.telegram_retry_max_seconds
        )

    def pauses(self) -> Iterator[float]:
        pause = self.first
        while True:
            yield min(pause, self.cap)
            pause *= 2


@contextmanager
def single_attempts() -> Iterator[None]:
    """Requests made inside this block (in this task) are not retried here.

    For callers with a retry loop of their own (the start-up wait in bot/startup.py), so
    that one failure is one line in the log, not four.
    """
    token = _single_attempts.set(True)
    try:
        yield
    finally:
        _single_attempts.reset(token)


def _method(url: str) -> str:
    """The Bot API method of a request URL, for the log.

    Never the URL: it holds the token (test_two_5xx_are_retried_and_the_answer_returned).
    """
    if "/file/bot" in url:
        return "file download"
    return url.rsplit("/", 1)[-1]


def _status(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def retryable(error: NetworkError) -> bool:
    """A network error after which repeating the request is safe enough (see module doc)."""
    return isinstance(error.__cause__, _RETRIED_ERRORS)


class RetryingRequest(AiohttpRequest):
    """AiohttpRequest whose failed requests are retried a few times (see the module doc)."""

    def __init__(self, *, backoff: Backoff, retries: int = REPLY_RETRIES, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._backoff = backoff
        self._retries = retries

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        retries = 0 if _single_attempts.get() else self._retries
        pauses = self._backoff.pauses()
        for attempt in range(1, retries + 2):
            try:
                code, payload = await super().do_request(
                    url,
                    method,
                    request_data,
                    read_timeout=read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                )
            except NetworkError as error:
                if attempt > retries or not retryable(error):
                    raise
                reason = str(error)
            else:
                if code < HTTPStatus.INTERNAL_SERVER_ERROR or attempt > retries:
                    return code, payload
                reason = _status(code)
            pause = next(pauses)
            logger.warning(
                "Bot API %s failed (%s); retry %d of %d in %.1f s",
                _method(url),
                reason,
                attempt,
                retries,
                pause,
            )
            await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """As PTB's, without its traceback in the log: an answer that is not JSON (a web
        server that is no Bot API, a proxy's error page) is reported by the caller."""
        text = payload.decode("utf-8", "replace")
        try:
            data = json.loads(text)
        except ValueError:
            logger.debug("Bot API answer is not JSON: %.200r", text)
            raise TelegramError("Invalid server response") from None
        if not isinstance(data, dict):
            raise TelegramError("Invalid server response")
        return data
