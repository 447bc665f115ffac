"""A sender in a process of its own, killed with SIGKILL between a send and its mark.

python -m tests.storage.outbox_worker DATABASE_URL LOG_FILE KILL_AFTER_SENDS BATCH
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from bot.outbox import OutboxSender
from handlers.context import utc_now
from storage.db import make_engine
from tests.storage.outbox_fakes import RecordingBot, kill_self_after


async def main(url: str, log: Path, kill_after: int, batch: int) -> None:
    engine = make_engine(url)
    bot = RecordingBot(log=log, after_send=kill_self_after(kill_after))
    sender = OutboxSender(engine, utc_now, batch=batch, chat_gap=timedelta(0))
    while await sender.drain_once(bot.as_bot()):
        pass
    await engine.dispose()


if __name__ == "__main__":
    url, log, kill_after, batch = sys.argv[1:5]
    asyncio.run(main(url, Path(log), int(kill_after), int(batch)))
