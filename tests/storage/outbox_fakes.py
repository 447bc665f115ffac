"""A stand-in for `telegram.Bot` that records what the outbox sender sends, for storage tests.

The conversation tests send through the Bot API sandbox; these tests are about claims and
marks between senders, so a recorder is enough, and it lets a test stop a sender at an
exact point (after Telegram answered, before the mark).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from telegram import Bot


@dataclass(frozen=True)
class Sent:
    message_id: int


@dataclass
class RecordingBot:
    """Records (chat_id, text) of every send; `after_send` runs once Telegram "answered"."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    log: Path | None = None  # also append each send here, flushed (survives a SIGKILL)
    after_send: Callable[[int], None] | None = None
    delay: float = 0.001  # a network round trip, so that senders interleave

    async def send_message(self, chat_id: int, text: str, **_kwargs: Any) -> Sent:
        await asyncio.sleep(self.delay)
        self.sent.append((chat_id, text))
        if self.log is not None:
            with self.log.open("a", encoding="utf-8") as out:
                out.write(f"{chat_id}\t{text}\n")
                out.flush()
                os.fsync(out.fileno())
        if self.after_send is not None:
            self.after_send(len(self.sent))
        return Sent(message_id=len(self.sent))

    def as_bot(self) -> Bot:
        return cast(Bot, self)


def kill_self_after(sends: int) -> Callable[[int], None]:
    """SIGKILL this process right after the `sends`-th send, before its mark: no cleanup."""

    def check(count: int) -> None:
        if count >= sends:
            os.kill(os.getpid(), signal.SIGKILL)

    return check
