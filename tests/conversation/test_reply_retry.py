"""A reply that meets Telegram's 5xx is retried a few times, then ends in the error path."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.transport import REPLY_RETRIES
from botapi_sandbox import Person, Sandbox
from tests.conversation.conftest import Bot, onboard


@pytest.fixture
async def quick_bot(bot: Bot) -> Bot:
    """The bot with short pauses between retries, so a test does not wait seconds."""
    bot.settings = bot.settings.model_copy(update={"telegram_retry_first_seconds": 0.05})
    await bot.restart()
    return bot


def help_replies(sandbox: Sandbox, person: Person) -> list[bool]:
    """Each sendMessage of the /help text to `person`: True when Telegram accepted it."""
    return [
        call.ok
        for call in sandbox.calls_of("sendMessage")
        if call.params.get("chat_id") == person.user_id and "怎么用" in call.params["text"]
    ]


async def test_a_reply_that_meets_two_500s_still_arrives(
    quick_bot: Bot, sandbox: Sandbox, resident: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(resident)
    sandbox.fail_next("sendMessage", error_code=500, count=2, chat_id=resident.user_id)
    await resident.send("/help")
    await resident.expect_message(containing="怎么用", timeout=10)
    await resident.expect_no_message()  # no apology, no second copy
    assert help_replies(sandbox, resident) == [False, False, True]
    retries = [r for r in caplog.records if r.name == "bot.transport"]
    assert len(retries) == 2
    assert all("sendMessage" in r.getMessage() and r.exc_info is None for r in retries)


async def test_a_tap_answered_during_a_502_is_retried_too(
    quick_bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    """Not only messages: every Bot API request a handler makes (here answerCallbackQuery)."""
    await resident.send("/language")
    await resident.expect_message(containing="请选择语言")
    sandbox.fail_next("answerCallbackQuery", error_code=502)
    await resident.tap("✓ 中文")
    await resident.expect_message(containing="好的，以后我用中文和您交流", timeout=10)
    answers = [c.ok for c in sandbox.calls_of("answerCallbackQuery")]
    assert answers == [False, True]


async def test_a_permanent_500_ends_in_the_logged_error_path(
    quick_bot: Bot, sandbox: Sandbox, resident: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(resident)
    attempts = REPLY_RETRIES + 1
    # the reply, then the apology, each fail every attempt
    sandbox.fail_next("sendMessage", error_code=500, count=2 * attempts, chat_id=resident.user_id)
    started = time.monotonic()
    await resident.send("/help")
    incidents: list[logging.LogRecord] = []
    while not incidents and time.monotonic() - started < 10:
        await asyncio.sleep(0.05)
        incidents = [r for r in caplog.records if r.name == "microspace.incidents"]
    assert incidents, "the failed reply reached the error handler"
    assert "Internal Server Error" in str(incidents[0].exc_info and incidents[0].exc_info[1])
    await resident.expect_no_message()
    assert help_replies(sandbox, resident) == [False] * attempts
    await resident.send("/help")  # Telegram is back: the bot is still serving
    await resident.expect_message(containing="怎么用", timeout=10)
