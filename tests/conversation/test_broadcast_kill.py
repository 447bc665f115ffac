"""The broadcast engine across a crash (issue 13): `microspace run` SIGKILLed half-way through
a notice with photos to 500 residents and 2 committee chats, and restarted. Every recipient
gets the notice; a recipient gets it twice only if theirs was the one send in flight at the
kill (the outbox sends one row at a time), at Telegram's limits as the sandbox enforces them."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

from sqlmodel import select

from botapi_sandbox import Person, Sandbox, make_photo
from storage.db import make_engine, session_scope
from storage.models import Community
from storage.people import create_person
from tests.conversation.test_process import environment, processes, run_bot
from tests.factories import NOW

__all__ = ["environment", "processes"]  # the fixtures, shared with test_process.py

ADMIN = 9000
CROWD = range(30_000, 30_500)
COUNCILS = (-100_951, -100_952)
TITLE = "楼后通道清理公示"


async def add_crowd(database_url: str, sandbox: Sandbox) -> None:
    engine = make_engine(database_url)
    async with session_scope(engine) as session:
        xinhua = (
            await session.exec(select(Community).where(Community.slug == "xinhua-road"))
        ).one()
        for user_id in CROWD:
            person, _ = await create_person(
                session, telegram_id=user_id, first_name=f"R{user_id}", locale="zh", now=NOW
            )
            person.community_id = xinhua.id
            session.add(person)
    await engine.dispose()
    for user_id in CROWD:
        sandbox.person(user_id=user_id, first_name=f"R{user_id}", language_code="zh-hans")


def albums(sandbox: Sandbox) -> Counter[int]:
    """Albums Telegram accepted, by chat."""
    return Counter(int(c.params["chat_id"]) for c in sandbox.calls_of("sendMediaGroup") if c.ok)


async def test_a_broadcast_killed_half_way_resumes_after_a_restart(
    sandbox: Sandbox,
    environment: dict[str, str],
    processes: list[asyncio.subprocess.Process],
    tmp_path: Path,
) -> None:
    environment.update(ADMIN_IDS=str(ADMIN), OUTBOX_CLAIM_TIMEOUT_SECONDS="5")
    await add_crowd(environment["DATABASE_URL"], sandbox)
    sandbox.telegram_limits()
    admin: Person = sandbox.person(user_id=ADMIN, first_name="Admin", language_code="en")
    first = await run_bot(environment, tmp_path, processes)
    for chat_id in COUNCILS:
        council = sandbox.group(chat_id=chat_id, title=f"议事会 {chat_id}")
        await council.member(admin).send("/link committee xinhua-road")
        await council.expect_message(containing="新华路社区", timeout=30)  # start-up too
    await admin.send(f"/notice xinhua-road | {TITLE} | 12 月 5 日起清理 3 号楼后通道。")
    await admin.expect_message(containing=TITLE)
    await admin.expect_message(containing="500 residents + 2 groups")
    await admin.send_album([make_photo(seed=90), make_photo(seed=91)])
    for _ in range(2):
        await admin.expect_message()
    await admin.expect_message(containing="500 residents + 2 groups")
    await admin.tap("📨 Send (502)")
    await admin.expect_edit(containing="Sending: 0 / 502")

    half = await sandbox.wait_for(lambda: sum(albums(sandbox).values()) >= 250 or None, 60)
    assert half, "half of the notice went out"
    first.send_signal(signal.SIGKILL)  # mid-broadcast: no shutdown, no goodbye
    await first.wait()
    before_restart = sum(albums(sandbox).values())
    assert before_restart < len(CROWD), "killed while there was still some to send"

    second = await run_bot(environment, tmp_path, processes)
    recipients = {*CROWD, *COUNCILS}
    everyone = await sandbox.wait_for(lambda: set(albums(sandbox)) >= recipients or None, 90)
    assert everyone, f"only {len(albums(sandbox))} of {len(recipients)} chats got the notice"
    await admin.expect_edit(containing="Sent: 502 / 502 delivered", timeout=30)
    twice = {chat: n for chat, n in albums(sandbox).items() if n > 1}
    assert sum(n - 1 for n in twice.values()) <= 1, f"more than the one in flight: {twice}"

    second.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(second.wait(), timeout=30) == 0
