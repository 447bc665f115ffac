"""Reminders of volunteer events (issue 15): 24 hours and 2 hours before the start, each
sent once, also when the bot was down over its time and restarted after, under the
controllable clock."""

from __future__ import annotations

from botapi_sandbox import Person
from tests.conversation.conftest import Bot, onboard

# NOW is 2026-11-02 17:30 in Shanghai: the event starts three days later
LINE = "/event xinhua-road | 楼道清理 | 2026-11-05 17:30 | 2h | 3 号楼楼道 | 10"


async def publish_and_sign_up(planner: Person, resident: Person, line: str) -> None:
    await planner.send(line)
    await planner.expect_message(containing="楼道清理")
    await planner.tap("✅ Publish")
    await planner.expect_message(containing="is published")
    await resident.expect_message(containing="楼道清理")
    await resident.tap("🙋 报名")
    await resident.expect_message(containing="✅ 您已报名")


async def test_both_reminders_go_once_across_restarts(
    bot: Bot, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await publish_and_sign_up(planner, resident, LINE)

    await bot.stop()  # down over the 24-hour mark
    bot.clock.advance(days=2, minutes=1)
    await bot.start()
    first = await resident.expect_message(containing="⏰ 明天有活动：楼道清理")
    assert first.buttons() == ["取消报名"]
    await bot.restart()
    await resident.expect_no_message()

    bot.clock.advance(hours=22)  # 2 h before the start, and a minute past
    await bot.restart()
    await resident.expect_message(containing="⏰ 2 小时后有活动：楼道清理")
    await bot.restart()
    await resident.expect_no_message()
    await planner.expect_no_message()


async def test_a_reminder_due_while_running_goes_at_its_time(
    bot: Bot, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    # 2 h 1 min before the start: only the 2-hour reminder is still to come
    await publish_and_sign_up(
        planner, resident, LINE.replace("2026-11-05 17:30", "2026-11-02 19:31")
    )
    await resident.expect_no_message()
    await bot.restart()  # the jobs come from the row; the clock has not reached them
    await resident.expect_no_message()
    bot.clock.advance(minutes=2)
    await bot.restart()
    await resident.expect_message(containing="⏰ 2 小时后有活动：楼道清理")
    await resident.expect_no_message()
