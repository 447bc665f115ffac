"""The outbox sender: drains `outbox_message` rows to Telegram, at its limits, exactly once.

Rows are written by storage in the same transaction as the change that causes them. The
sender renders each in the recipient's locale, sends it through the bot (whose
AIORateLimiter paces requests and retries 429s), and records the outcome in its own
transaction right after Telegram answered:

- sent: marked sent with Telegram's message id; never sent again, also after a crash;
- 429 beyond the rate limiter's retries: postponed by `retry_after`, not counted as a failure;
- network errors and 5xx: retried with exponential backoff, at most MAX_ATTEMPTS times;
- "bot was blocked by the user": the person is marked unreachable and their rows stop;
- any other 400: the row is marked failed with Telegram's description (a bug to look at).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

import prompts
from handlers.buttons import Rate
from handlers.context import Clock
from storage.db import session_scope
from storage.models import OutboxMessage, format_ref
from storage.outbox import backoff, due_messages, mark_blocked, mark_failed, mark_sent, postpone

logger = logging.getLogger(__name__)


def render(message: OutboxMessage) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of an outbox row, in the recipient's locale."""
    locale, params = message.locale, message.params
    ref = format_ref(int(params["report_id"])) if "report_id" in params else ""
    if message.kind == "status":
        duplicate_of, reason = params.get("duplicate_of"), params.get("reason")
        text = prompts.render(
            "notify.status",
            locale,
            ref=ref,
            status=prompts.render(f"status.{params['status']}", locale),
            note=params.get("note")
            or (prompts.render_text(f"triage.reason_{reason}", locale) if reason else ""),
            duplicate_of=format_ref(int(duplicate_of)) if duplicate_of else "",
        )
        return text, None
    if message.kind == "rate":
        report_id = int(params["report_id"])
        stars = [
            InlineKeyboardButton("⭐" * n, callback_data=Rate(report_id, n).encode())
            for n in range(1, 6)
        ]
        not_fixed = InlineKeyboardButton(
            prompts.render("buttons.not_fixed", locale), callback_data=Rate(report_id, 0).encode()
        )
        keyboard = InlineKeyboardMarkup([stars[:3], stars[3:], [not_fixed]])
        return prompts.render("notify.rate", locale, ref=ref), keyboard
    if message.kind == "reopened":
        given = params.get("stars") or 0
        return prompts.render("notify.reopened", locale, ref=ref, stars=given), None
    if message.kind == "info_received":
        return prompts.render("notify.info_received", locale, ref=ref), None
    if message.kind == "overdue":
        refs = [format_ref(int(i)) for i in params.get("report_ids", [])]
        return prompts.render("notify.overdue", locale, count=len(refs), refs=refs), None
    raise ValueError(f"unknown outbox kind {message.kind!r}")


class OutboxSender:
    """One task that drains due rows; `wake()` after a commit makes it look at once."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        batch: int = 30,
        idle_seconds: float = 1.0,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._batch = batch
        self._idle = idle_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self, bot: Bot) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(bot), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self, bot: Bot) -> None:
        while True:
            try:
                sent = await self.drain_once(bot)
            except Exception:  # the sender must survive anything one row or the db throws
                logger.exception("outbox: drain failed; retrying shortly")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle)

    async def drain_once(self, bot: Bot) -> int:
        """Send what is due now; returns how many rows were handled."""
        async with session_scope(self._engine) as session:
            rows = await due_messages(session, now=self._clock(), limit=self._batch)
        for row in rows:
            pause = await self._send(bot, row)
            if pause is not None:  # Telegram asked us to slow down: stop this batch
                await asyncio.sleep(pause)
                break
        return len(rows)

    async def _send(self, bot: Bot, row: OutboxMessage) -> float | None:
        assert row.id is not None
        try:
            text, markup = render(row)
        except (ValueError, KeyError) as exc:
            async with session_scope(self._engine) as session:
                await mark_failed(session, message_id=row.id, error=f"render: {exc}")
            return None
        try:
            sent = await bot.send_message(row.chat_id, text, reply_markup=markup)
        except RetryAfter as exc:
            seconds = _seconds(exc.retry_after)
            await self._postpone(row, timedelta(seconds=seconds), str(exc), count=False)
            return seconds
        except Forbidden as exc:
            logger.info("outbox: chat %s blocked the bot (%s)", row.chat_id, exc.message)
            async with session_scope(self._engine) as session:
                await mark_blocked(session, message_id=row.id, chat_id=row.chat_id)
            return None
        except BadRequest as exc:
            logger.error("outbox: row %s refused by Telegram: %s", row.id, exc.message)
            async with session_scope(self._engine) as session:
                await mark_failed(session, message_id=row.id, error=exc.message)
            return None
        except (NetworkError, TelegramError) as exc:
            await self._postpone(row, backoff(row.attempts), str(exc), count=True)
            return None
        async with session_scope(self._engine) as session:
            await mark_sent(
                session, message_id=row.id, telegram_message_id=sent.message_id, now=self._clock()
            )
        return None

    async def _postpone(
        self, row: OutboxMessage, delay: timedelta, error: str, *, count: bool
    ) -> None:
        assert row.id is not None
        async with session_scope(self._engine) as session:
            await postpone(
                session,
                message_id=row.id,
                until=self._clock() + delay,
                error=error,
                count_attempt=count,
            )


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
