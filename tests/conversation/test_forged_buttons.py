"""Forged and malformed callback data: every payload that is not exactly one of the bot's
button families is answered "this button has expired", nothing crashes, nothing changes."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import SQLModel, col, select

from botapi_sandbox import Person
from storage.models import (
    OutboxMessage,
    PendingInput,
    PersonRole,
    Report,
    ReportDraft,
    ReportEvent,
    ReportFollower,
)
from storage.models import Person as PersonRow
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_report_flow import report_until_review
from tests.conversation.test_triage import open_inbox, submit

# "²" is a digit to str.isdigit(), but int() refuses it; "１" (full width) and "١" (Arabic-
# Indic) are digits to the regex \d and to int(), but no button of ours writes them.
PLANNER_PAYLOADS = [
    "com:²",
    "com:１",
    "comp:١",
    "lang:en\n",
    "comp:²",
    "my:²",
    "rep:²",
    "lang:²",
    "rate:1:²",
    "rate:²:5",
    "t:²:1:acc",
    "t:1:²:acc",
    "t:1:1:mg:²",
    "t:1:1:dr:²",
    "rv:²:1",
    "rv:1:²",
    # negative numbers
    "com:-1",
    "rep:-5",
    "rate:1:-1",
    "t:-1:1:acc",
    "my:-2",
    # huge numbers (a PostgreSQL integer would overflow)
    "com:" + "9" * 30,
    "rep:999999999999",
    "my:99999999999999999999",
    "rate:" + "9" * 12 + ":5",
    "t:" + "9" * 20 + ":1:acc",
    # out of range, or unknown words
    "rate:1:6",
    "t:1:1:dr:9",
    "t:1:1:dep:nowhere",
    "t:1:1:go:closed",
    "t:1:1:fly",
    "lang:fr",
    # extra or missing fields, stray whitespace
    "rate:1:5:9",
    "rate:1",
    "com:1:2",
    "t:1:1:acc:extra",
    "t:1:1",
    "lang:en:x",
    "rep:1:",
    "com:1\n",
    "rate:1:5\n",
    " com:1",
    # empty, and 64 bytes of junk
    "",
    "x" * 64,
    "t:" + "1" * 62,
    ":" * 64,
]
DRAFT_PAYLOADS = [
    "d:²:ok",
    "d:1:me:²",
    "d:1:me:-1",
    "d:1:me:" + "9" * 20,
    "d:1:cat:²",
    "d:1:edit:²",
    "d:1:edit:nothing",
    "d:1:ok:extra",
    "d:-1:ok",
    "d:1:",
    "d:1:OK",
]


async def _snapshot(bot: Bot) -> list[dict[str, object]]:
    tables: list[type[SQLModel]] = [
        Report,
        ReportEvent,
        ReportDraft,
        ReportFollower,
        PersonRow,
        PersonRole,
        PendingInput,
        OutboxMessage,
    ]
    rows: list[dict[str, object]] = []
    async with bot.session() as session:
        for table in tables:
            found = await session.exec(select(table).order_by(col(table.id)))  # type: ignore[attr-defined]
            rows += [{"table": table.__name__, **row.model_dump()} for row in found.all()]
    return rows


async def _tap_each(person: Person, payloads: list[str], expired: str) -> None:
    wrong: dict[str, str | None] = {}
    for data in payloads:
        await person.tap_data(data)
        answer = await person.expect_callback_answer()
        if expired not in (answer.text or "") or not answer.show_alert:
            wrong[data] = answer.text
    assert wrong == {}, f"not answered as expired: {sorted(wrong)}"


async def test_forged_payloads_expire_for_an_admin_planner(
    bot: Bot, admin: Person, resident: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(resident)
    await submit(resident, seed=1)  # report 1 exists; the admin may act on it
    await open_inbox(admin, "R-000001")
    before = await _snapshot(bot)
    with caplog.at_level(logging.ERROR, logger="microspace.incidents"):
        await _tap_each(admin, PLANNER_PAYLOADS, "This button has expired")
        await admin.expect_no_message()
    assert [r for r in caplog.records if r.name == "microspace.incidents"] == []
    assert await _snapshot(bot) == before


async def test_forged_payloads_expire_on_a_live_review_card(
    bot: Bot, resident: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(resident)
    await report_until_review(resident)
    before = await _snapshot(bot)
    with caplog.at_level(logging.ERROR, logger="microspace.incidents"):
        await _tap_each(resident, DRAFT_PAYLOADS + PLANNER_PAYLOADS[:6], "按钮已失效")
        await resident.expect_no_message()
    assert [r for r in caplog.records if r.name == "microspace.incidents"] == []
    assert await _snapshot(bot) == before
    await resident.tap("✅ 确认提交")  # the real button still works
    await resident.expect_message(containing="R-000001")
