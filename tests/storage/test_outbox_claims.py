"""The outbox's promise, on SQLite and PostgreSQL: claimed before sent, nothing lost, and
duplicates only for what was in flight when a sender died."""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.error import NetworkError

from bot.outbox import OutboxSender
from handlers.context import utc_now
from storage.db import make_engine, session_scope
from storage.models import OutboxMessage, OutboxStatus, Person
from storage.outbox import (
    MAX_ATTEMPTS,
    claim_due,
    count_by_status,
    enqueue,
    mark_blocked,
    mark_sent,
    postpone,
    prune_sent,
    release,
    sweep_stale_claims,
)
from tests.factories import NOW, make_person
from tests.storage.outbox_fakes import RecordingBot

ROOT = Path(__file__).parents[2]
NO_GAP = timedelta(0)  # these tests are about claims, not the one-a-second pace per chat


async def queue(session: AsyncSession, people: list[Person], count: int) -> list[int]:
    """`count` rows spread over `people`, each with its own text (its reference)."""
    ids = []
    for n in range(count):
        message_id = await enqueue(
            session,
            person=people[n % len(people)],
            kind="info_received",
            params={"report_id": n + 1},
            now=NOW,
        )
        assert message_id is not None
        ids.append(message_id)
    return ids


async def rows(engine: AsyncEngine) -> list[OutboxMessage]:
    async with session_scope(engine) as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.exec(query)).all())


async def test_claim_mark_postpone_block(session: AsyncSession) -> None:
    alice = await make_person(session)
    bob = await make_person(session)
    carol = await make_person(session)
    first = await enqueue(session, person=alice, kind="status", params={"n": 1}, now=NOW)
    keyed = await enqueue(session, person=alice, kind="status", params={}, now=NOW, dedupe_key="k")
    again = await enqueue(session, person=alice, kind="status", params={}, now=NOW, dedupe_key="k")
    assert again is None  # the dedupe key holds
    to_bob = await enqueue(session, person=bob, kind="status", params={}, now=NOW)
    to_carol = await enqueue(session, person=carol, kind="status", params={}, now=NOW)
    assert first is not None
    assert keyed is not None
    assert to_bob is not None
    assert to_carol is not None

    # one row per chat: Alice's second waits for her first
    claimed = await claim_due(session, now=NOW, limit=2, claimer="a")
    assert [m.id for m in claimed] == [first, to_bob]
    assert {m.status for m in claimed} == {OutboxStatus.SENDING}
    assert {(m.claimed_by, m.claimed_at, m.attempts) for m in claimed} == {("a", NOW, 1)}
    # a second sender gets only what is left, and not Alice's second while her first is out
    assert [m.id for m in await claim_due(session, now=NOW, limit=10, claimer="b")] == [to_carol]

    # a 429 gives the claim back: pending later, the attempt not counted
    await postpone(
        session,
        message_id=first,
        claimer="a",
        until=NOW + timedelta(seconds=5),
        error="429",
        count_attempt=False,
    )
    assert await claim_due(session, now=NOW, limit=10, claimer="a") == []
    # only the claimer may mark a row
    assert not await mark_sent(
        session, message_id=to_carol, claimer="a", telegram_message_id=1, now=NOW
    )
    assert await mark_sent(
        session, message_id=to_carol, claimer="b", telegram_message_id=77, now=NOW
    )
    await mark_blocked(session, message_id=to_bob, claimer="a", chat_id=bob.telegram_id)
    await session.refresh(bob)
    assert bob.unreachable
    assert await enqueue(session, person=bob, kind="status", params={}, now=NOW) is None
    assert await count_by_status(session) == {
        OutboxStatus.PENDING: 2,
        OutboxStatus.SENT: 1,
        OutboxStatus.BLOCKED: 1,
    }
    later = NOW + timedelta(seconds=5)
    (retried,) = await claim_due(session, now=later, limit=10, claimer="a")
    assert (retried.id, retried.attempts, retried.last_error) == (first, 1, "429")
    await mark_sent(session, message_id=first, claimer="a", telegram_message_id=78, now=later)
    assert [m.id for m in await claim_due(session, now=later, limit=10, claimer="a")] == [keyed]


async def test_a_postponed_row_holds_back_the_later_ones_to_its_chat(
    session: AsyncSession,
) -> None:
    """A chat's messages go in the order written: while Alice's first row waits out an error's
    backoff, her second (due now) is not claimed; Bob's is. Once her first has failed for
    good, it no longer holds her second back."""
    alice, bob = await make_person(session), await make_person(session)
    first, second, to_bob = await queue(session, [alice, alice, bob], 3)
    (claimed,) = await claim_due(session, now=NOW, limit=1, claimer="a")
    assert claimed.id == first
    await postpone(
        session,
        message_id=first,
        claimer="a",
        until=NOW + timedelta(seconds=1),
        error="502",
        count_attempt=True,
    )
    assert [m.id for m in await claim_due(session, now=NOW, limit=10, claimer="a")] == [to_bob]
    assert await claim_due(session, now=NOW, limit=10, claimer="a") == []
    now = NOW
    for _ in range(MAX_ATTEMPTS - 1):  # the first row keeps failing until it is given up
        now += timedelta(minutes=5)
        (again,) = await claim_due(session, now=now, limit=10, claimer="a")
        assert again.id == first, "her second never goes before her first"
        await postpone(
            session, message_id=first, claimer="a", until=now, error="502", count_attempt=True
        )
    statuses = {m.id: m.status for m in await session.exec(select(OutboxMessage))}
    assert statuses[first] == OutboxStatus.FAILED
    assert [m.id for m in await claim_due(session, now=now, limit=10, claimer="a")] == [second]


async def test_errors_count_until_the_row_fails(session: AsyncSession) -> None:
    alice = await make_person(session)
    message_id = await enqueue(session, person=alice, kind="status", params={}, now=NOW)
    assert message_id is not None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (row,) = await claim_due(session, now=NOW, limit=1, claimer="a")
        assert row.attempts == attempt
        await postpone(
            session, message_id=message_id, claimer="a", until=NOW, error="502", count_attempt=True
        )
    assert await count_by_status(session) == {OutboxStatus.FAILED: 1}
    assert await claim_due(session, now=NOW, limit=1, claimer="a") == []


async def test_release_gives_unsent_claims_back_uncounted(session: AsyncSession) -> None:
    people = [await make_person(session) for _ in range(3)]
    ids = await queue(session, people, 3)
    await claim_due(session, now=NOW, limit=3, claimer="a")
    await release(session, message_ids=ids[1:], claimer="b", until=NOW)  # not b's: no change
    assert await count_by_status(session) == {OutboxStatus.SENDING: 3}
    await release(session, message_ids=ids[1:], claimer="a", until=NOW)
    again = await claim_due(session, now=NOW, limit=3, claimer="c")
    assert [(m.id, m.attempts) for m in again] == [(ids[1], 1), (ids[2], 1)]


async def test_the_sweeper_returns_a_dead_senders_claims(session: AsyncSession) -> None:
    alice, bob = await make_person(session), await make_person(session)
    old, fresh = await queue(session, [alice, bob], 2)
    await claim_due(session, now=NOW, limit=1, claimer="dead")
    await claim_due(session, now=NOW + timedelta(minutes=4), limit=1, claimer="alive")
    swept = await sweep_stale_claims(
        session, now=NOW + timedelta(minutes=6), claim_timeout=timedelta(minutes=5)
    )
    assert swept == 1
    (row,) = await claim_due(session, now=NOW + timedelta(minutes=6), limit=5, claimer="new")
    assert (row.id, row.attempts) == (old, 2)
    statuses = {m.id: m.status for m in await session.exec(select(OutboxMessage))}
    assert statuses == {old: OutboxStatus.SENDING, fresh: OutboxStatus.SENDING}


async def test_a_row_whose_senders_keep_dying_fails(session: AsyncSession) -> None:
    alice = await make_person(session)
    (message_id,) = await queue(session, [alice], 1)
    now = NOW
    for _ in range(MAX_ATTEMPTS):
        assert [m.id for m in await claim_due(session, now=now, limit=1, claimer="x")] == [
            message_id
        ]
        now += timedelta(minutes=10)
        await sweep_stale_claims(session, now=now, claim_timeout=timedelta(minutes=5))
    assert await count_by_status(session) == {OutboxStatus.FAILED: 1}


async def test_sent_rows_are_pruned_after_the_retention(session: AsyncSession) -> None:
    people = [await make_person(session) for _ in range(3)]
    old, recent, waiting = await queue(session, people, 3)
    await claim_due(session, now=NOW, limit=2, claimer="a")
    await mark_sent(session, message_id=old, claimer="a", telegram_message_id=1, now=NOW)
    await mark_sent(
        session, message_id=recent, claimer="a", telegram_message_id=2, now=NOW + timedelta(days=2)
    )
    pruned = await prune_sent(session, now=NOW + timedelta(days=31), retention=timedelta(days=30))
    assert pruned == 1
    left = [m.id for m in await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))]
    assert left == [recent, waiting]


async def test_two_senders_deliver_each_row_once(database_url: str) -> None:
    """Two senders, each with its own engine, drain 500 rows together: each sent once."""
    setup = make_engine(database_url)
    async with session_scope(setup) as session:
        people = [await make_person(session) for _ in range(25)]
        ids = await queue(session, people, 500)
    engines = [make_engine(database_url), make_engine(database_url)]
    bots = [RecordingBot(), RecordingBot()]
    # each of 25 people gets 20 rows: no gap between messages to one chat here (claims only)
    senders = [OutboxSender(engine, utc_now, batch=20, chat_gap=NO_GAP) for engine in engines]

    async def drain(sender: OutboxSender, bot: RecordingBot) -> None:
        while await sender.drain_once(bot.as_bot()):
            pass

    await asyncio.gather(*(drain(s, b) for s, b in zip(senders, bots, strict=True)))
    sent = Counter(bots[0].sent + bots[1].sent)
    assert len(sent) == 500
    assert max(sent.values()) == 1, [m for m, n in sent.items() if n > 1][:5]
    assert bots[0].sent, "both senders took part"
    assert bots[1].sent, "both senders took part"
    assert {m.status for m in await rows(setup)} == {OutboxStatus.SENT}
    assert [m.id for m in await rows(setup)] == ids
    for engine in [setup, *engines]:
        await engine.dispose()


async def test_a_sender_killed_between_send_and_mark(database_url: str, tmp_path: Path) -> None:
    """SIGKILL right after Telegram answered the 7th send, before its mark: after the claim
    timeout another sender delivers the rest. Every row arrives; the one send in flight at
    the kill is the only one that arrives twice."""
    engine = make_engine(database_url)
    async with session_scope(engine) as session:
        people = [await make_person(session) for _ in range(5)]
        await queue(session, people, 30)
    log = tmp_path / "sent.log"
    worker = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "tests.storage.outbox_worker", database_url, str(log), "7", "10"),
        cwd=ROOT,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(worker.communicate(), timeout=60)
    assert worker.returncode == -9, stderr.decode()
    before_kill = [tuple(line.split("\t", 1)) for line in log.read_text().splitlines()]
    assert len(before_kill) == 7
    statuses = Counter(m.status for m in await rows(engine))
    # six marked, the seventh sent but not marked, three claimed and never tried, 20 waiting
    assert statuses == {"sent": 6, "sending": 4, "pending": 20}

    later = utc_now() + timedelta(minutes=10)
    survivor = OutboxSender(
        engine, lambda: later, claim_timeout=timedelta(minutes=5), chat_gap=NO_GAP
    )
    bot = RecordingBot()
    await survivor.housekeeping(force=True)
    while await survivor.drain_once(bot.as_bot()):
        pass
    delivered = Counter([(str(chat), text) for chat, text in bot.sent] + before_kill)
    assert len(delivered) == 30, "nothing lost"
    twice = [m for m, n in delivered.items() if n > 1]
    assert twice == [before_kill[-1]], "only the send in flight at the kill came twice"
    assert {m.status for m in await rows(engine)} == {OutboxStatus.SENT}
    await engine.dispose()


async def test_rows_to_one_chat_go_a_chat_gap_apart(database_url: str) -> None:
    """Telegram: about one message a second to one chat. Of three rows to Alice and one to
    Bob, one of Alice's goes with Bob's; the next waits out the gap, then the last. A row
    written for Alice meanwhile does not overtake those waiting: her messages keep their
    order."""
    engine = make_engine(database_url)
    async with session_scope(engine) as session:
        alice, bob = await make_person(session), await make_person(session)
        await queue(session, [alice, alice, alice, bob], 4)
    now = [NOW]
    sender = OutboxSender(engine, lambda: now[0], chat_gap=timedelta(seconds=1))
    bot = RecordingBot()
    assert await sender.drain_once(bot.as_bot()) == 2  # Alice's first and Bob's
    assert [chat for chat, _ in bot.sent] == [alice.telegram_id, bob.telegram_id]
    assert await sender.drain_once(bot.as_bot()) == 0
    assert len(bot.sent) == 2, "nothing more to Alice before the gap has passed"
    async with session_scope(engine) as session:  # written now, due at once
        later = await enqueue(
            session, person=alice, kind="info_received", params={"report_id": 9}, now=NOW
        )
    assert later is not None
    for _ in range(3):
        now[0] += timedelta(seconds=1)
        await sender.drain_once(bot.as_bot())
    to_alice = [text for chat, text in bot.sent if chat == alice.telegram_id]
    assert [ref for text in to_alice for ref in re.findall(r"R-\d+", text)] == [
        "R-000001",
        "R-000002",
        "R-000003",
        "R-000009",
    ]
    assert {m.status for m in await rows(engine)} == {OutboxStatus.SENT}
    await engine.dispose()


async def test_a_failed_send_does_not_let_the_next_message_overtake_it(database_url: str) -> None:
    """Telegram fails Alice's first message (a 502): it is postponed, and her second, due at
    once, waits for it; she gets them in the order they were written."""
    engine = make_engine(database_url)
    async with session_scope(engine) as session:
        alice = await make_person(session)
        await queue(session, [alice, alice], 2)
    now = [NOW]
    sender = OutboxSender(engine, lambda: now[0], chat_gap=NO_GAP)
    bot = RecordingBot()
    answers = iter([NetworkError("Bad Gateway")])

    async def flaky_send(chat_id: int, text: str, **kwargs: Any) -> Any:
        failure = next(answers, None)
        if failure is not None:
            raise failure
        return await RecordingBot.send_message(bot, chat_id, text, **kwargs)

    bot.send_message = flaky_send  # type: ignore[method-assign]
    assert await sender.drain_once(bot.as_bot()) == 1  # her first, failed and postponed
    assert await sender.drain_once(bot.as_bot()) == 0, "her second waits for her first"
    assert bot.sent == []
    now[0] += timedelta(seconds=1)  # the backoff after one failed attempt
    while await sender.drain_once(bot.as_bot()):
        pass
    assert [re.findall(r"R-\d+", text) for _, text in bot.sent] == [["R-000001"], ["R-000002"]]
    assert {m.status for m in await rows(engine)} == {OutboxStatus.SENT}
    await engine.dispose()
