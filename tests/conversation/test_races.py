"""Two planners on one report, and a resident whose confirmation crashed half-way: the one
who comes second is told what happened, and nobody gets an apology for it."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from bot.transport import REPLY_RETRIES
from botapi_sandbox import Person, Sandbox
from storage.models import PendingInput, Report, ReportEvent
from storage.models import Person as PersonRow
from tests.conversation.conftest import Bot, make_planner, onboard
from tests.conversation.test_report_flow import report_until_review
from tests.conversation.test_triage import (
    accept,
    expect_next_in_inbox,
    open_inbox,
    open_report,
    submit,
)


@pytest.fixture
def no_incidents(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.ERROR, logger="microspace.incidents"):
        yield
    assert [r.getMessage() for r in caplog.records if r.name == "microspace.incidents"] == []


async def two_planners(sandbox: Sandbox, admin: Person, *, first: str = "Li") -> list[Person]:
    li = sandbox.person(user_id=3001, first_name=first, language_code="en")
    wu = sandbox.person(user_id=3002, first_name="Wu", language_code="en")
    await make_planner(admin, li)
    await make_planner(admin, wu)
    return [li, wu]


async def events_of(bot: Bot, report_id: int) -> list[tuple[str | None, str]]:
    async with bot.session() as session:
        rows = await session.exec(
            select(ReportEvent)
            .where(ReportEvent.report_id == report_id)
            .order_by(col(ReportEvent.id))
        )
        return [(e.from_status, e.to_status) for e in rows.all()]


@pytest.mark.usefixtures("no_incidents")
@pytest.mark.parametrize("asked", ["note", "question", "merge"])
async def test_typing_after_another_planner_moved_the_report(
    bot: Bot, sandbox: Sandbox, admin: Person, resident: Person, asked: str
) -> None:
    li, wu = await two_planners(sandbox, admin)
    await onboard(resident)
    other = await submit(resident, seed=1, at=(31.2080, 121.4280))
    ref = await submit(resident, seed=2)
    if asked == "note":  # Li is asked for the note of a stage
        await open_report(li, ref)
        await accept(li, ref)
        await expect_next_in_inbox(li, other)  # the inbox goes on with the other report
        await open_report(li, ref)
        await li.tap("📣 Note for residents")
        await li.expect_message(containing="type a note for the residents")
    else:  # Li is asked for a question, or for the reference to merge into
        await open_report(li, ref)
        await li.tap("❓ Needs info" if asked == "question" else "🔗 Merge by reference")
        await li.expect_message(containing="type")
    await open_report(wu, ref)  # meanwhile, Wu moves the same report
    if asked == "note":
        await wu.tap("📅 Planned")  # moves at once
        await wu.expect_message(containing=f"{ref} is now: planned")
    else:
        await accept(wu, ref, department="🌳 Greening")
    await li.send(other if asked == "merge" else "Volunteers come on Saturday")
    handled = await li.expect_message(containing="already handled")
    assert f"{ref} was already handled by Wu" in handled.text
    await li.send("hello")  # the question is closed: this is not taken as its answer
    await li.expect_message(containing="I didn't catch that")
    async with bot.session() as session:
        assert (await session.exec(select(PendingInput))).all() == []
    moves = await events_of(bot, int(ref[2:]))
    expected = (
        ["submitted", "accepted", "planned"] if asked == "note" else ["submitted", "accepted"]
    )
    assert [to for _, to in moves] == expected


@contextmanager
def lands_first(bot: Bot, *, planner_id: int, report_id: int) -> Iterator[list[bool]]:
    """Another planner's acceptance commits in the instant between our read of the report and
    our guarded `UPDATE report`, as it would from another process."""
    path = make_url(bot.settings.database_url).database
    assert path is not None
    fired: list[bool] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if fired or not statement.lstrip().upper().startswith("UPDATE REPORT SET"):
            return
        fired.append(True)
        with closing(sqlite3.connect(path)) as other:
            (at,) = other.execute("SELECT max(at) FROM report_event").fetchone()
            other.execute(
                "UPDATE report SET status = 'accepted', version = version + 1, "
                "department = 'sanitation' WHERE id = ?",
                (report_id,),
            )
            other.execute(
                "INSERT INTO report_event (report_id, actor_id, at, from_status, to_status, "
                "public_note, private_note) VALUES (?, ?, ?, 'submitted', 'accepted', '', '')",
                (report_id, planner_id, at),
            )
            other.commit()

    event.listen(bot.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield fired
    finally:
        event.remove(bot.engine.sync_engine, "before_cursor_execute", before)


async def both_at_the_department_menu(
    sandbox: Sandbox, admin: Person, resident: Person
) -> tuple[Person, Person, str]:
    """Li & Co and Wu both opened the inbox on the resident's report and tapped Accept."""
    li, wu = await two_planners(sandbox, admin, first="Li & Co")
    await onboard(resident)
    ref = await submit(resident, seed=1)
    for planner in (li, wu):
        await open_inbox(planner, ref)
        await planner.tap("✅ Accept")
        await planner.expect_edit()
    return li, wu, ref


@pytest.mark.usefixtures("no_incidents")
async def test_two_planners_pick_a_department_at_once(
    bot: Bot, sandbox: Sandbox, admin: Person, resident: Person
) -> None:
    li, wu, ref = await both_at_the_department_menu(sandbox, admin, resident)
    async with bot.session() as session:
        li_row = (await session.exec(select(PersonRow).where(PersonRow.telegram_id == 3001))).one()
    with lands_first(bot, planner_id=li_row.id or 0, report_id=1) as fired:
        await wu.tap("🌳 Greening")
        answer = await wu.expect_callback_answer()
    assert fired, "the other planner's move landed inside Wu's unit of work"
    assert answer.text == f"{ref} was already handled by Li & Co (it is now: accepted)."
    await wu.expect_no_message()
    await resident.expect_no_message()  # told of nothing Wu did
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
    assert (report.status, report.department, report.version) == ("accepted", "sanitation", 2)


@pytest.mark.usefixtures("no_incidents")
async def test_a_stale_department_menu_names_who_was_first(
    bot: Bot, sandbox: Sandbox, admin: Person, resident: Person
) -> None:
    li, wu, ref = await both_at_the_department_menu(sandbox, admin, resident)
    await li.tap("🧹 Sanitation")
    await li.expect_message(containing=f"{ref} is now: accepted")
    await wu.tap("🌳 Greening")
    answer = await wu.expect_callback_answer()
    assert answer.text == f"{ref} was already handled by Li & Co (it is now: accepted)."


async def test_confirm_again_after_a_crash_gives_the_reference(
    bot: Bot, sandbox: Sandbox, resident: Person, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(resident)
    await report_until_review(resident)
    # right after the commit, and beyond the request layer's own retries
    sandbox.fail_next("answerCallbackQuery", error_code=502, count=REPLY_RETRIES + 1)
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="抱歉，出了点问题")
    await resident.tap("✅ 确认提交")  # the review card still shows its buttons
    receipt = await resident.expect_message(containing="R-")
    assert "R-000001" in receipt.text
    async with bot.session() as session:
        assert len((await session.exec(select(Report))).all()) == 1
    await resident.tap("📷 反映问题")  # a new report is a new draft, with its own buttons
    await resident.expect_message(containing="第 1 步")
