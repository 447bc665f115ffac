"""An update's first read is held open for its step (storage/db.py `hold`), and ends before
the update waits for anything but the database (bot/update_unit.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlmodel import select
from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from botapi_sandbox import Person, Sandbox
from handlers.buttons import DraftCategory
from handlers.common import load_caller
from handlers.context import CustomContext
from storage.db import holding
from storage.models import Category
from storage.models import Person as PersonRow
from tests.conftest import DATABASES
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_triage import submit

HELD_GROUP = -100  # before every group of bot/app.py
BOTH_DATABASES = pytest.mark.parametrize("bot_database_url", DATABASES, indirect=True)


def connections_at_each_request(bot: Bot, sandbox: Sandbox) -> list[tuple[str, int]]:
    """(method, database connections checked out) as each Bot API request arrives."""
    seen: list[tuple[str, int]] = []
    dispatch = sandbox.dispatch

    async def counting(method_name: str, raw: dict[str, object]) -> Any:
        seen.append((method_name, bot.engine.pool.checkedout()))  # type: ignore[attr-defined]
        return await dispatch(method_name, raw)

    sandbox.dispatch = counting  # type: ignore[method-assign]
    return seen


async def test_no_bot_api_request_is_made_while_an_update_holds_the_database(
    bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    """SQLite has one connection, and each unit of work runs without giving the event loop
    away, so a connection still out when a request arrives is a read held across it."""
    seen = connections_at_each_request(bot, sandbox)
    await onboard(resident)
    await submit(resident, seed=1)
    await resident.send("随便说说")  # no step takes it: the read is held, then a reply
    await resident.expect_message(containing="我没看懂")
    await resident.send("/myreports")
    await resident.expect_message(containing="您的报告共 1 份")
    replies = [method for method, _ in seen if method != "getUpdates"]
    assert len(replies) >= 14, seen
    assert [entry for entry in seen if entry[1] != 0] == []


async def all_connections_back(bot: Bot, within: float = 2.0) -> bool:
    """Whether the bot's pool is seen with no connection out within `within` seconds. The
    outbox sender takes one for a moment now and then (on PostgreSQL, while this test runs);
    a read left held never gives its connection back."""
    deadline = time.monotonic() + within
    while bot.engine.pool.checkedout():  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


def record_holding(bot: Bot) -> list[bool]:
    """A handler before all others that reads the caller and stops the update there; what
    it saw: whether the read was held."""
    held: list[bool] = []

    async def read_only(update: Update, context: CustomContext) -> None:
        await load_caller(update, context)
        held.append(holding())
        raise ApplicationHandlerStop

    assert bot.application is not None
    bot.application.add_handler(
        MessageHandler(filters.Regex("^read only$"), read_only), group=HELD_GROUP
    )
    return held


@BOTH_DATABASES
async def test_a_read_held_by_an_update_that_never_uses_it_ends_with_the_update(
    bot: Bot, resident: Person
) -> None:
    held = record_holding(bot)
    await onboard(resident)
    await resident.send("read only")
    await resident.expect_no_message()
    assert held == [True]
    assert await all_connections_back(bot)
    await resident.send("随便说说")  # the bot goes on as before
    await resident.expect_message(containing="我没看懂")


@BOTH_DATABASES
async def test_a_read_that_wrote_is_committed_at_once_and_not_held(
    bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    """A first contact creates the person, a new name is kept: those writes are committed
    at once, so a step that then fails cannot take them back with it."""
    held = record_holding(bot)
    await resident.send("read only")  # first contact: created
    await resident.send("read only")  # known, same name: held
    renamed = Person(sandbox, {**resident.user, "first_name": "王阿姨（新）"})
    await renamed.send("read only")  # a new name: written
    await resident.expect_no_message()
    assert held == [False, True, False]


@BOTH_DATABASES
async def test_a_new_name_is_kept_when_the_step_of_its_update_fails(
    bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    await onboard(resident)
    renamed = Person(sandbox, {**resident.user, "first_name": "王阿姨（新）"})
    stale = DraftCategory(draft_id=999_999, category=next(iter(Category))).encode()
    await renamed.tap_data(stale)  # no such draft: the step is refused and rolled back
    assert "按钮已失效" in ((await renamed.expect_callback_answer()).text or "")
    await resident.expect_no_message()
    async with bot.session() as session:
        row = (await session.exec(select(PersonRow))).one()
    assert row.first_name == "王阿姨（新）"


@BOTH_DATABASES
async def test_a_step_refused_after_a_held_read_is_answered_from_what_was_read(
    bot: Bot, sandbox: Sandbox, resident: Person
) -> None:
    """The step's rollback ends the unit the read began; what was read stays readable for the
    answer (no apology, no incident)."""
    await onboard(resident)
    stale = DraftCategory(draft_id=999_999, category=next(iter(Category))).encode()
    await resident.tap_data(stale)
    assert "按钮已失效" in ((await resident.expect_callback_answer()).text or "")
    await resident.expect_no_message()
