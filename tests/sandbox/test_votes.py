"""Votes in the sandbox: `person.vote(message, options)` gives the updates Telegram sends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, Update

from botapi_sandbox import Sandbox, SentMessage

ALICE, BOB = 1001, 1002


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    box = Sandbox()
    await box.start()
    try:
        yield box
    finally:
        await box.stop()
    assert box.response_problems == []


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    tg_bot = Bot(sandbox.token, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url)
    async with tg_bot:
        yield tg_bot


async def updates(bot: Bot, after: int = 0) -> tuple[Update, ...]:
    return await bot.get_updates(offset=after, timeout=0)


def snapshot(sandbox: Sandbox, chat_id: int, message_id: int) -> SentMessage:
    return sandbox.find_chat(chat_id).messages[message_id].snapshot()


async def test_a_non_anonymous_vote_gives_a_poll_answer_then_the_new_totals(
    sandbox: Sandbox, bot: Bot
) -> None:
    alice = sandbox.person(ALICE, "Alice")
    sent = await bot.send_poll(
        ALICE, "Name?", ["A", "B", "C"], is_anonymous=False, allows_multiple_answers=True
    )
    assert sent.poll is not None
    await alice.vote(snapshot(sandbox, ALICE, sent.message_id), [0, 2])
    got = await updates(bot)
    assert [u.poll_answer is not None for u in got] == [True, False]
    answer, poll = got[0].poll_answer, got[1].poll
    assert answer is not None
    assert poll is not None
    assert answer.poll_id == sent.poll.id
    assert answer.user is not None
    assert answer.user.id == ALICE
    assert answer.option_ids == (0, 2)
    assert [o.voter_count for o in poll.options] == [1, 0, 1]
    assert poll.total_voter_count == 1

    await alice.vote(snapshot(sandbox, ALICE, sent.message_id), [])  # retracted
    retracted = await updates(bot, got[-1].update_id + 1)
    assert retracted[0].poll_answer is not None
    assert retracted[0].poll_answer.option_ids == ()
    assert retracted[1].poll is not None
    assert [o.voter_count for o in retracted[1].poll.options] == [0, 0, 0]
    assert "Alice votes nothing (retracted)" in alice.transcript()


async def test_an_anonymous_poll_in_a_group_gives_only_totals(sandbox: Sandbox, bot: Bot) -> None:
    alice, bob = sandbox.person(ALICE, "Alice"), sandbox.person(BOB, "Bob")
    group = sandbox.group(chat_id=-100900, title="Committee")
    sent = await bot.send_poll(-100900, "Which bench?", ["North", "South"])
    message = snapshot(sandbox, -100900, sent.message_id)
    await group.member(alice).vote(message, [1])
    await group.member(bob).vote(message, [1])
    await group.member(alice).vote(message, [0])  # changed her mind
    got = await updates(bot)
    assert all(u.poll_answer is None for u in got), "no voter is named in an anonymous poll"
    last = got[-1].poll
    assert last is not None
    assert [o.voter_count for o in last.options] == [1, 1]
    assert last.total_voter_count == 2


async def test_votes_telegram_would_not_allow_fail_the_test(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    sent = await bot.send_poll(ALICE, "One?", ["A", "B"])
    message = snapshot(sandbox, ALICE, sent.message_id)
    with pytest.raises(AssertionError, match="one answer"):
        await alice.vote(message, [0, 1])
    with pytest.raises(AssertionError, match="no option"):
        await alice.vote(message, [2])
    await bot.stop_poll(ALICE, sent.message_id)
    with pytest.raises(AssertionError, match="closed"):
        await alice.vote(message, [0])
    assert await updates(bot) == ()


async def test_bot_asks_for_poll_updates_or_gets_none(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    sent = await bot.send_poll(ALICE, "Name?", ["A", "B"], is_anonymous=False)
    await bot.get_updates(timeout=0, allowed_updates=["message"])
    await alice.vote(snapshot(sandbox, ALICE, sent.message_id), [1])
    assert await bot.get_updates(timeout=0, allowed_updates=["message"]) == ()
