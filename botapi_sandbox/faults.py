"""Fault injection: scripted failures, blocked users and rate limits.

Errors produced here are deliberate, so they are marked ``injected`` and never recorded as
rejections.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from .errors import ApiError

__all__ = ["Faults", "default_description", "is_send_method"]

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: failure injected by the sandbox",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def default_description(error_code: int, retry_after: int | None) -> str:
    if error_code == 429:
        return f"Too Many Requests: retry after {retry_after}"
    if error_code in _DEFAULT_DESCRIPTIONS:
        return _DEFAULT_DESCRIPTIONS[error_code]
    try:
        return HTTPStatus(error_code).phrase
    except ValueError:
        return f"Error {error_code}"


def is_send_method(method: str) -> bool:
    """Methods that post a new message to a chat (what Telegram's flood limits count)."""
    lower = method.lower()
    if lower == "sendchataction":
        return False
    return lower.startswith("send") or lower in ("copymessage", "forwardmessage", "copymessages")


@dataclass
class _FailRule:
    method: str  # lower case
    error_code: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | None


class Faults:
    """State of all injected faults of one sandbox."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._rules: list[_FailRule] = []
        self.blocked: set[int] = set()
        self.per_chat_per_second: float | None = None
        self.global_per_second: float | None = None
        self.per_group_per_minute: float | None = None
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._group_windows: dict[int, deque[float]] = {}

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | None = None,
    ) -> None:
        if error_code == 429 and retry_after is None:
            retry_after = 1
        self._rules.append(
            _FailRule(
                method=method.lower(),
                error_code=error_code,
                description=description or default_description(error_code, retry_after),
                retry_after=retry_after,
                remaining=count,
                chat_id=chat_id,
            )
        )

    def rate_limit(
        self,
        per_chat_per_second: float | None = None,
        global_per_second: float | None = None,
        per_group_per_minute: float | None = None,
    ) -> None:
        self.per_chat_per_second = per_chat_per_second
        self.global_per_second = global_per_second
        self.per_group_per_minute = per_group_per_minute
        self._global_window.clear()
        self._chat_windows.clear()
        self._group_windows.clear()

    def check(self, method: str, chat_id: int | None, private_user: int | None) -> None:
        """Raise the injected :class:`ApiError` this call should get, if any."""
        lower = method.lower()
        for rule in self._rules:
            if rule.method != lower or rule.remaining <= 0:
                continue
            if rule.chat_id is not None and rule.chat_id != chat_id:
                continue
            rule.remaining -= 1
            self._rules = [r for r in self._rules if r.remaining > 0]
            raise ApiError(
                rule.error_code, rule.description, retry_after=rule.retry_after, injected=True
            )
        if private_user is not None and private_user in self.blocked and chat_id is not None:
            raise ApiError(403, "Forbidden: bot was blocked by the user", injected=True)
        if is_send_method(method):
            self._check_rate(chat_id)

    def _check_rate(self, chat_id: int | None) -> None:
        now = self._monotonic()
        windows: list[tuple[deque[float], int, float]] = []  # (sends, capacity, seconds)

        def per_second(window: deque[float], rate: float) -> None:
            span = max(1.0, 1.0 / rate)  # seconds the window covers
            windows.append((window, max(1, math.floor(rate * span)), span))

        if self.global_per_second:
            per_second(self._global_window, self.global_per_second)
        if self.per_chat_per_second and chat_id is not None:
            per_second(self._chat_windows.setdefault(chat_id, deque()), self.per_chat_per_second)
        if self.per_group_per_minute and chat_id is not None and chat_id < 0:
            group = self._group_windows.setdefault(chat_id, deque())
            windows.append((group, max(1, math.floor(self.per_group_per_minute)), 60.0))
        for window, capacity, span in windows:
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= capacity:
                wait = max(1, math.ceil(window[0] + span - now))
                raise ApiError(
                    429, f"Too Many Requests: retry after {wait}", retry_after=wait, injected=True
                )
        for window, _, _ in windows:
            window.append(now)
