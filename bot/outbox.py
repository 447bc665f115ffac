"""The outbox sender: claims due `outbox_message` rows, sends them at Telegram's limits, marks them.

What a row says is `bot/outbox_render.py`'s; this module sends it and records the outcome.

Rows are written by storage in the same transaction as the change that causes them. The
sender claims a batch (`pending -> sending`, committed), renders each row in the recipient's
locale, sends it through the bot (whose AIORateLimiter paces requests and retries 429s), and
records the outcome in its own transaction right after Telegram answered:

- sent: marked sent with Telegram's message id;
- 429 beyond the rate limiter's retries: back to pending after `retry_after`, the claim given
  back (not a failure), and the rest of the batch released unsent;
- network errors and 5xx: back to pending with exponential backoff, at most MAX_ATTEMPTS times;
- "bot was blocked by the user": the person is marked unreachable and their rows stop;
- any other 400: the row is marked failed with Telegram's description (a bug to look at).

What holds (storage/outbox.py says it once, with the tests that prove it): nothing is lost,
and a row is sent twice only if its process died between Telegram's answer and the mark.
Rows a dead sender left in `sending` go back to pending after `claim_timeout`; sent rows are
deleted after `retention`. Both run here, at most once a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.chart import digest_chart
from bot.outbox_render import Rendered, render
from bot.poll_chart import poll_chart
from handlers.context import Clock
from handlers.notice_view import deliver_notice
from handlers.poll_view import deliver_poll
from storage.db import session_scope
from storage.digests import DIGEST_CHART
from storage.models import OutboxMessage
from storage.outbox import (
    backoff,
    claim_due,
    mark_blocked,
    mark_failed,
    mark_sent,
    postpone,
    prune_sent,
    release,
    sweep_stale_claims,
)
from storage.poll_delivery import POLL_KIND, record_copy
from storage.poll_votes import POLL_RESULT

logger = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = timedelta(minutes=1)


def sender_name() -> str:
    """Who claims a row: host, process id and a nonce (a restarted process is someone else)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class OutboxSender:
    """One task that drains due rows; `wake()` after a commit makes it look at once."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        batch: int = 30,
        idle_seconds: float = 1.0,
        claim_timeout: timedelta = timedelta(minutes=5),
        retention: timedelta = timedelta(days=30),
        name: str | None = None,
        media_dir: Path | None = None,
        chat_gap: timedelta = timedelta(seconds=1),
    ) -> None:
        self._engine = engine
        self._media_dir = media_dir  # stored photos a notice sends as files
        self._clock = clock
        self._batch = batch
        self._idle = idle_seconds
        self.claim_timeout = claim_timeout
        self.retention = retention
        self.name = name or sender_name()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next_housekeeping = clock()
        self.chat_gap = chat_gap
        self._last_sent: dict[int, datetime] = {}  # chat -> when this sender last sent there
        self._gapped = False  # rows were given back for a chat's gap and are not sent yet

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
                await self.housekeeping()
                handled = await self.drain_once(bot)
            except Exception:  # the sender must survive anything one row or the db throws
                logger.exception("outbox: drain failed; retrying shortly")
                handled = 0
            if handled == 0:
                self._wake.clear()
                # rows given back for their chat's gap are due again in a gap, not an idle wait
                wait = (
                    min(self._idle, self.chat_gap.total_seconds()) if self._gapped else self._idle
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def housekeeping(self, *, force: bool = False) -> None:
        """Return dead senders' claims to pending and prune old sent rows (once a minute, or
        once per claim timeout when that is shorter)."""
        now = self._clock()
        if not force and now < self._next_housekeeping:
            return
        # at least as often as the claim timeout, so a dead sender's rows wait no longer
        self._next_housekeeping = now + min(HOUSEKEEPING_EVERY, self.claim_timeout)
        async with session_scope(self._engine) as session:
            swept = await sweep_stale_claims(session, now=now, claim_timeout=self.claim_timeout)
            pruned = await prune_sent(session, now=now, retention=self.retention)
        if swept:
            logger.warning("outbox: %d rows left in sending by a dead sender, queued again", swept)
        if pruned:
            logger.info("outbox: pruned %d sent rows older than %s", pruned, self.retention)

    async def drain_once(self, bot: Bot) -> int:
        """Claim what is due now and send it; returns how many rows were tried (claimed, less
        those given back for their chat's gap).

        Rows given back keep their place (`not_before` unchanged), so the messages to one chat
        go in the order they were written (`test_rows_to_one_chat_go_a_chat_gap_apart`)."""
        async with session_scope(self._engine) as session:
            rows = await claim_due(session, now=self._clock(), limit=self._batch, claimer=self.name)
        unsent: list[int | None] = [row.id for row in rows]
        too_soon: list[int | None] = []  # a chat this sender wrote to less than chat_gap ago
        try:
            for row in rows:
                unsent.remove(row.id)
                last = self._last_sent.get(row.chat_id)
                if last is not None and self._clock() < last + self.chat_gap:
                    too_soon.append(row.id)
                    continue
                pause = await self._send(bot, row)
                self._last_sent[row.chat_id] = self._clock()
                if pause is not None:  # Telegram asked us to slow down: give the rest back
                    await self._release(unsent)  # their turn comes after the pause
                    unsent = []
                    await asyncio.sleep(pause)
                    break
        finally:
            # Stopped or failed mid-batch: rows never tried are given back at once. The row
            # being sent when a cancel arrived stays claimed: whether Telegram got it is
            # unknown, so the sweeper sends it again after the claim timeout.
            if unsent:
                try:
                    await self._release(unsent)
                except Exception:
                    logger.exception("outbox: %d claims not given back; swept later", len(unsent))
            if too_soon:  # given back, tried again once the gap has passed (see `_run`)
                await self._release(too_soon)
            self._gapped = bool(too_soon)
            self._forget_quiet_chats()
        return len(rows) - len(too_soon)

    def _forget_quiet_chats(self) -> None:
        if len(self._last_sent) > 10_000:
            horizon = self._clock() - self.chat_gap
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > horizon}

    async def _release(self, message_ids: list[int | None]) -> None:
        ids = [i for i in message_ids if i is not None]
        async with session_scope(self._engine) as session:
            await release(session, message_ids=ids, claimer=self.name)

    async def _send(self, bot: Bot, row: OutboxMessage) -> float | None:
        assert row.id is not None
        try:
            rendered = render(row)
            if row.kind == DIGEST_CHART:
                rendered = replace(rendered, photo=await digest_chart(row.locale, row.params))
            if row.kind == POLL_RESULT:
                rendered = replace(rendered, photo=await poll_chart(row.locale, row.params))
        except (ValueError, KeyError) as exc:
            async with session_scope(self._engine) as session:
                await mark_failed(
                    session, message_id=row.id, claimer=self.name, error=f"render: {exc}"
                )
            return None
        try:
            sent = await self._deliver(bot, row, rendered)
        except RetryAfter as exc:
            seconds = _seconds(exc.retry_after)
            await self._postpone(row, timedelta(seconds=seconds), str(exc), count=False)
            return seconds
        except Forbidden as exc:
            logger.info("outbox: chat %s blocked the bot (%s)", row.chat_id, exc.message)
            async with session_scope(self._engine) as session:
                await mark_blocked(
                    session, message_id=row.id, claimer=self.name, chat_id=row.chat_id
                )
            return None
        except BadRequest as exc:
            logger.error("outbox: row %s refused by Telegram: %s", row.id, exc.message)
            async with session_scope(self._engine) as session:
                await mark_failed(session, message_id=row.id, claimer=self.name, error=exc.message)
            return None
        except (NetworkError, TelegramError) as exc:
            await self._postpone(row, backoff(row.attempts), str(exc), count=True)
            return None
        async with session_scope(self._engine) as session:
            marked = await mark_sent(
                session,
                message_id=row.id,
                claimer=self.name,
                telegram_message_id=sent.message_id,
                now=self._clock(),
            )
            if row.kind == POLL_KIND and sent.poll is not None:
                # the copy's Telegram poll id, with the mark: votes are matched by it
                await record_copy(
                    session,
                    poll_id=int(row.params["poll_id"]),
                    chat_id=row.chat_id,
                    message_id=sent.message_id,
                    telegram_poll_id=sent.poll.id,
                )
        if not marked:
            logger.warning("outbox: row %s was sent after its claim had timed out", row.id)
        return None

    async def _deliver(self, bot: Bot, row: OutboxMessage, rendered: Rendered) -> Message:
        """One message: the photo with the notice as its caption, or the text. A photo that
        Telegram refuses (say its file id is no longer valid) does not cost the notice: the
        text goes alone (tests/conversation/test_hearing_back.py). A notice may be an album
        (sendMediaGroup) and then its text: its first message is the one marked."""
        if row.kind == "notice":
            sent = await deliver_notice(
                bot, row.chat_id, row.params, row.locale, media_dir=self._media_dir
            )
            return sent[0]
        if row.kind == POLL_KIND:  # its pictures as an album, then the native poll (marked)
            return await deliver_poll(bot, row.chat_id, row.params)
        if isinstance(rendered.photo, bytes):  # a chart drawn for this row
            return await bot.send_photo(row.chat_id, rendered.photo, caption=rendered.text)
        if rendered.photo is not None and rendered.as_document:
            return await bot.send_document(
                row.chat_id, rendered.photo, caption=rendered.text, reply_markup=rendered.markup
            )
        if rendered.photo is not None:
            try:
                return await bot.send_photo(
                    row.chat_id, rendered.photo, caption=rendered.text, reply_markup=rendered.markup
                )
            except BadRequest as exc:
                logger.warning(
                    "outbox: row %s: photo refused (%s), text alone", row.id, exc.message
                )
        return await bot.send_message(row.chat_id, rendered.text, reply_markup=rendered.markup)

    async def _postpone(
        self, row: OutboxMessage, delay: timedelta, error: str, *, count: bool
    ) -> None:
        assert row.id is not None
        logger.warning(
            "outbox: row %s to chat %s postponed %.1f s: %s",
            row.id,
            row.chat_id,
            delay.total_seconds(),
            error,
        )
        async with session_scope(self._engine) as session:
            await postpone(
                session,
                message_id=row.id,
                claimer=self.name,
                until=self._clock() + delay,
                error=error,
                count_attempt=count,
            )


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
