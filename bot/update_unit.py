"""Where an update's held read ends: before each Bot API request, and when the update is done.

An update's first read (its sender, storage/callers.py `begin_update`) is held open so that the
update's step continues it as one transaction (storage/db.py, `hold`). A held read keeps a
database connection, and SQLite has one, so it must end before the update waits for anything
but the database. The Bot API is what handlers wait for; the two hooks here end the read
before every request an update makes (its turn under the rate limiter included) and after its
last handler, whatever happened in between (tests/conversation/test_held_unit.py).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application, BaseRateLimiter

from handlers.context import BotData, CustomContext
from storage.db import release_held

JSONDict = dict[str, Any]  # as PTB types a Bot API answer
_Application = Application[Any, CustomContext, dict[Any, Any], dict[Any, Any], BotData, Any]


class ReleasingRateLimiter(BaseRateLimiter[Any]):
    """A rate limiter that ends the task's held read, then lets `inner` pace the request."""

    def __init__(self, inner: BaseRateLimiter[Any]) -> None:
        self.inner = inner

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> bool | JSONDict | list[JSONDict]:
        await release_held()
        return await self.inner.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


class UnitApplication(_Application):
    """PTB's Application, whose updates end their held read when their handlers are done."""

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            await release_held()
