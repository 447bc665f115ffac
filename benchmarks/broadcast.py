"""The broadcast engine (issue 13): how fast a notice reaches a whole community at Telegram's
limits, and how long a resident waits for a reply while one goes out.

The bot runs as in production (`build_application`, its AIORateLimiter, the outbox sender,
`OUTBOX_CHAT_GAP_SECONDS` = 1) against the Bot API sandbox enforcing Telegram's limits
(30 messages a second, one a second per chat, 20 a minute per group, 429 beyond). Three
phases, in one run, on one fresh SQLite database:

1. `idle`: a resident sends /help every 1.5 s, nothing else happens: the baseline latency;
2. `during`: the same resident, while a notice goes to `--latency-recipients` residents;
3. `throughput`: a notice to `--recipients` residents, from Send to the last delivery,
   against Telegram's floor (recipients / 30 s: 334 s for 10,000), reported as a ratio.

    .venv/bin/python -m benchmarks.broadcast                       # 10,000: about 7 minutes
    .venv/bin/python -m benchmarks.broadcast --recipients 1000 --latency-recipients 300

It writes `benchmarks/results/broadcast.json` (or `--output`) and prints a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_OUTPUT = Path(__file__).with_name("results") / "broadcast.json"
TELEGRAM_PER_SECOND = 30
ADMIN = 9000
TALKER = 8000  # a resident of Tianzifang, outside every notice's audience
ASK_EVERY = 1.5  # a person's pace; Telegram allows about one message a second to one chat


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def latency_summary(values: list[float]) -> dict[str, float]:
    return {
        "replies": len(values),
        "p50_ms": round(1000 * statistics.median(values), 1),
        "p99_ms": round(1000 * percentile(values, 0.99), 1),
        "max_ms": round(1000 * max(values), 1),
    }


async def _add_residents(url: str, slug: str, ids: Iterable[int]) -> list[int]:
    from sqlmodel import select

    from storage.db import make_engine, session_scope
    from storage.models import Community
    from storage.people import create_person

    now = datetime.now(UTC)
    engine = make_engine(url)
    added = []
    async with session_scope(engine) as session:
        community = (await session.exec(select(Community).where(Community.slug == slug))).one()
        for user_id in ids:
            person, _ = await create_person(
                session, telegram_id=user_id, first_name=f"R{user_id}", locale="zh", now=now
            )
            person.community_id = community.id
            session.add(person)
            added.append(user_id)
    await engine.dispose()
    return added


def _delivered(sandbox: Any, chats: set[int]) -> int:
    sent = sandbox.calls_of("sendMessage")
    return sum(1 for c in sent if c.ok and int(c.params["chat_id"]) in chats)


async def _ask_until(talker: Any, stop: asyncio.Event) -> list[float]:
    """/help every ASK_EVERY seconds until `stop`; each reply's wait, in seconds."""
    waits = []
    while not stop.is_set():
        await asyncio.sleep(ASK_EVERY)
        started = time.monotonic()
        await talker.send("/help")
        await talker.expect_message(containing="How it works", timeout=60)
        waits.append(time.monotonic() - started)
    return waits


async def _notice(admin: Any, slug: str, count: int) -> None:
    await admin.send(f"/notice {slug} | 通道清理公示 | 12 月 5 日起清理 3 号楼后通道。")
    await admin.expect_message(containing="通道清理公示", timeout=60)
    await admin.expect_message(containing=f"{count:,} residents", timeout=60)
    await admin.tap(f"📨 Send ({count:,})")
    await admin.expect_edit(containing="Sending: 0", timeout=60)


async def _wait_delivered(sandbox: Any, chats: set[int], within: float) -> float:
    """Seconds until every chat got its message (raises after `within` seconds)."""
    started = time.monotonic()
    done = await sandbox.wait_for(lambda: _delivered(sandbox, chats) >= len(chats) or None, within)
    if not done:
        raise RuntimeError(f"{_delivered(sandbox, chats)} of {len(chats)} after {within} s")
    return time.monotonic() - started


async def run(recipients: int, latency_recipients: int) -> dict[str, Any]:
    from bot.app import build_application
    from bot.runner import polling
    from bot.settings import load_settings
    from botapi_sandbox import Sandbox
    from storage.db import make_engine

    from .databases import fresh_sqlite

    with tempfile.TemporaryDirectory() as tmp:
        async with fresh_sqlite(Path(tmp)) as url:
            first = range(100_000, 100_000 + latency_recipients)
            during_ids = await _add_residents(url, "xinhua-road", first)
            second = range(200_000, 200_000 + recipients)
            bulk_ids = await _add_residents(url, "caojiadu", second)
            sandbox = Sandbox()
            await sandbox.start()
            for user_id in [*during_ids, *bulk_ids]:
                sandbox.person(user_id=user_id, first_name=f"R{user_id}", language_code="zh-hans")
            admin = sandbox.person(user_id=ADMIN, first_name="Admin", language_code="en")
            talker = sandbox.person(user_id=TALKER, first_name="Alice", language_code="en")
            settings = load_settings(
                _env_file=None,
                telegram_bot_token=sandbox.token,
                telegram_api_base_url=sandbox.base_url,
                database_url=url,
                media_dir=Path(tmp) / "media",
                admin_ids=str(ADMIN),
            )
            engine = make_engine(url)
            application = build_application(settings, engine=engine)
            sandbox.telegram_limits()
            try:
                async with polling(application):
                    await talker.send("/start")
                    await talker.expect_message(containing="I will speak English", timeout=60)

                    stop = asyncio.Event()
                    asking = asyncio.create_task(_ask_until(talker, stop))
                    await asyncio.sleep(5)
                    stop.set()
                    idle = await asking

                    stop = asyncio.Event()
                    await _notice(admin, "xinhua-road", latency_recipients)
                    asking = asyncio.create_task(_ask_until(talker, stop))
                    during_seconds = await _wait_delivered(
                        sandbox, set(during_ids), latency_recipients
                    )
                    stop.set()
                    during = await asking

                    await _notice(admin, "caojiadu", recipients)
                    seconds = await _wait_delivered(sandbox, set(bulk_ids), 10 * recipients)
            finally:
                await sandbox.stop()
                await engine.dispose()
    floor = recipients / TELEGRAM_PER_SECOND
    limited = sum(1 for c in sandbox.calls if c.error_code == 429)
    return {
        "recipients": recipients,
        "seconds": round(seconds, 1),
        "telegram_floor_seconds": round(floor, 1),
        "ratio_to_floor": round(seconds / floor, 3),
        "messages_per_second": round(recipients / seconds, 2),
        "refused_with_429": limited,
        "reply_latency": {
            "idle": latency_summary(idle),
            "during_notice": {
                **latency_summary(during),
                "notice_recipients": latency_recipients,
                "notice_seconds": round(during_seconds, 1),
            },
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--latency-recipients", type=int, default=1_000)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    result = asyncio.run(run(args.recipients, args.latency_recipients))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    idle, during = result["reply_latency"]["idle"], result["reply_latency"]["during_notice"]
    lines = [
        f"notice to {result['recipients']:,} residents: {result['seconds']} s "
        f"(Telegram's floor {result['telegram_floor_seconds']} s, ratio "
        f"{result['ratio_to_floor']}), {result['refused_with_429']} sends refused with 429",
        f"reply to /help, idle: p50 {idle['p50_ms']} ms, p99 {idle['p99_ms']} ms "
        f"({idle['replies']} replies)",
        f"reply to /help during a notice to {during['notice_recipients']:,}: "
        f"p50 {during['p50_ms']} ms, p99 {during['p99_ms']} ms ({during['replies']} replies)",
        f"written to {args.output}",
    ]
    os.write(1, ("\n".join(lines) + "\n").encode())


if __name__ == "__main__":
    main()
