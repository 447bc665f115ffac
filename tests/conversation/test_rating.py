"""Satisfaction as the 12345 hotlines ask it (issue 12): 满意 / 基本满意 / 不满意 / 没修好.

The first two close the report and count as satisfied; the other two reopen it and tell its
planners; every answer counts as rated. The star buttons of before still answer sensibly.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from botapi_sandbox import Person, Sandbox
from storage.models import Report
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_triage import resolve_one

ASKED = "您对处理结果满意吗"


async def the_report(bot: Bot) -> Report:
    async with bot.session() as session:
        report: Report = (await session.exec(select(Report))).one()
    return report


async def stats_line(planner: Person) -> str:
    await planner.send("/stats")
    stats = await planner.expect_message(containing="Last 30 days")
    (line,) = [line for line in stats.text.splitlines() if "Satisfaction rate" in line]
    return line


async def test_mostly_satisfied_closes_and_counts_as_satisfied(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await resolve_one(planner, resident)
    ask = await resident.expect_message(containing=ASKED)
    await resident.tap("🙂 基本满意")
    answer = await resident.expect_edit(containing=f"您的评价：🙂 基本满意。谢谢！{ref} 已办结")
    assert answer.message_id == ask.message_id
    assert answer.buttons() == []
    await resident.expect_message(containing="有新进展：已办结")
    await planner.expect_no_message()  # nothing for the planners: it is done
    report = await the_report(bot)
    assert (report.status, report.rating) == ("closed", "mostly_satisfied")
    assert await stats_line(planner) == (
        "😊 Satisfaction rate: 100% (1 of 1 answers satisfied or mostly satisfied)"
    )


async def test_not_fixed_reopens_tells_the_planners_and_counts_as_rated(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await resolve_one(planner, resident)
    await resident.expect_message(containing=ASKED)
    await resident.tap("❌ 没修好")
    await resident.expect_edit(containing=f"您的评价：❌ 没修好。{ref} 已重新打开")
    await resident.expect_message(containing="有新进展：已重新打开")
    told = await planner.expect_message(containing=f"answered “❌ Not fixed” on {ref}")
    assert "the report was reopened" in told.text  # in the planner's language
    report = await the_report(bot)
    assert (report.status, report.rating) == ("reopened", "not_fixed")
    assert await stats_line(planner) == (
        "😊 Satisfaction rate: 0% (0 of 1 answers satisfied or mostly satisfied)"
    )


@pytest.mark.parametrize(
    ("stars", "answer", "status"),
    [
        (5, "satisfied", "closed"),
        (4, "mostly_satisfied", "closed"),
        (3, "not_satisfied", "reopened"),
        (0, "not_fixed", "reopened"),
    ],
)
async def test_a_star_button_of_before_is_read_on_the_new_scale(
    bot: Bot,
    sandbox: Sandbox,
    planner: Person,
    resident: Person,
    stars: int,
    answer: str,
    status: str,
) -> None:
    """A `rate:<id>:<stars>` button sent before the new scale, still in a resident's chat."""
    await onboard(resident)
    ref = await resolve_one(planner, resident)
    ask = await resident.expect_message(containing=ASKED)
    report = await the_report(bot)
    await resident.tap_data(f"rate:{report.id}:{stars}", ask)
    label = {
        "satisfied": "😊 满意",
        "mostly_satisfied": "🙂 基本满意",
        "not_satisfied": "😞 不满意",
        "not_fixed": "❌ 没修好",
    }[answer]
    await resident.expect_edit(containing=f"您的评价：{label}。")
    await resident.expect_message(containing="有新进展：")
    if status == "reopened":
        await planner.expect_message(containing=f"on {ref}; the report was reopened")
    await planner.expect_no_message()
    report = await the_report(bot)
    assert (report.status, report.rating) == (status, answer)


async def test_an_answer_to_a_report_no_longer_resolved_has_expired(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await resolve_one(planner, resident)
    ask = await resident.expect_message(containing=ASKED)
    await resident.tap("😊 满意")
    await resident.expect_edit()
    await resident.expect_message(containing="有新进展：已办结")
    report = await the_report(bot)
    await resident.tap_data(f"sat:{report.id}:not_fixed", ask)  # a second tap, too late
    expired = await resident.expect_callback_answer()
    assert "已失效" in (expired.text or "")
    await resident.expect_no_message()
    assert (await the_report(bot)).rating == "satisfied"
