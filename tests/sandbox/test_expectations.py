"""Expectations that can fail: strict reading order, and "nothing more" by a barrier, not a nap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from botapi_sandbox import Sandbox

ALICE = 1001
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as box:
        yield box


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(sandbox.token, base_url=sandbox.base_url) as tg_bot:
        yield tg_bot


async def test_an_unexpected_message_in_between_fails(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    await bot.send_message(ALICE, "Sorry, something went wrong (incident 0A12)")
    await bot.send_message(ALICE, "Welcome!")
    with pytest.raises(AssertionError, match="got 'Sorry, something went wrong") as caught:
        await alice.expect_message(containing="Welcome", timeout=0.2)
    assert "expected the next bot message containing 'Welcome'" in str(caught.value)


async def test_messages_are_read_in_order_and_skipped_only_on_purpose(
    sandbox: Sandbox, bot: Bot
) -> None:
    alice = sandbox.person(ALICE, "Alice")
    for text in ("one", "two", "three"):
        await bot.send_message(ALICE, text)
    assert (await alice.expect_message(containing="one")).text == "one"
    assert (await alice.skip_message()).text == "two"
    assert (await alice.expect_message()).text == "three"
    with pytest.raises(AssertionError, match="no new bot message containing 'four' within"):
        await alice.expect_message(containing="four", timeout=0.1)


async def test_expect_no_message_fails_on_an_unread_message(sandbox: Sandbox, bot: Bot) -> None:
    alice = sandbox.person(ALICE, "Alice")
    await alice.expect_no_message()
    await bot.send_message(ALICE, "a late reply")
    with pytest.raises(AssertionError, match="expected no new bot message, got 'a late reply'"):
        await alice.expect_no_message()
    await alice.expect_message(containing="late")
    await alice.expect_no_message()


async def test_settling_needs_the_bot_to_fetch_every_update(sandbox: Sandbox) -> None:
    alice = sandbox.person(ALICE, "Alice")
    await alice.send("is anyone there?")
    with pytest.raises(AssertionError, match=r"did not fetch 1 queued update\(s\)"):
        await alice.expect_no_message(timeout=0.2)


def slow_application(sandbox: Sandbox, delay: float) -> AnyApplication:
    """A bot that answers each text and each button after ``delay`` seconds of work."""

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await asyncio.sleep(delay)
        await update.effective_message.reply_text(f"done with {update.effective_message.text}")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await asyncio.sleep(delay)
        await update.callback_query.answer(f"pressed by {update.callback_query.from_user.id}")

    app = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, answer))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


@pytest.fixture
async def slow_bot(sandbox: Sandbox) -> AsyncIterator[AnyApplication]:
    app = slow_application(sandbox, delay=0.3)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_the_barrier_waits_for_handling_not_only_fetching(
    sandbox: Sandbox, slow_bot: AnyApplication
) -> None:
    """PTB fetches the next batch while it still handles the last: "fetched" is not "handled".

    With only the sandbox's half of the barrier, the late reply is not there yet when
    ``expect_no_message`` looks, and a bot that answers something it should not would pass.
    With the application's half (its update queue joined), the reply is seen.
    """
    alice = sandbox.person(ALICE, "Alice")
    await alice.send("first")
    await sandbox.settle()  # only "fetched": the handler is still at work
    assert alice.messages == []
    remove = sandbox.on_settle(slow_bot.update_queue.join)
    await alice.send("second")
    with pytest.raises(AssertionError, match="expected no new bot message, got 'done with first'"):
        await alice.expect_no_message()
    assert [m.text for m in alice.messages] == ["done with first", "done with second"]
    remove()


async def test_a_group_member_acts_in_the_group(sandbox: Sandbox, slow_bot: AnyApplication) -> None:
    alice = sandbox.person(ALICE, "Alice")
    council = sandbox.group(-100500, "Council")
    sandbox.on_settle(slow_bot.update_queue.join)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Vote", callback_data="vote")]])
    await slow_bot.bot.send_message(-100500, "Vote here", reply_markup=markup)
    await council.expect_message(containing="Vote here")
    member = council.member(alice)
    assert member.user_id == ALICE
    await member.send("hello council")
    await council.expect_message(containing="done with hello council")
    await member.tap("Vote")
    assert (await council.expect_callback_answer()).text == f"pressed by {ALICE}"
    await council.expect_no_message()
    assert alice.messages == [], "nothing went to Alice's private chat"
    assert "Alice @ Council taps [Vote]" in council.transcript()
