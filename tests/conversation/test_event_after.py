"""After a volunteer event (issue 15): the planner invites the linked report's followers in
one step, marks attendance from the sign-up list, hours are tallied per volunteer,
`/myevents` shows them, and the CSV holds no Telegram id."""

from __future__ import annotations

import csv
import io

from sqlmodel import select

from botapi_sandbox import Person, Sandbox
from storage.models import Community
from storage.models import Person as PersonRow
from tests.conversation.conftest import Bot, onboard
from tests.factories import make_report

LINE = "/event xinhua-road | 3 号楼后墙墙绘 | 2026-11-05 09:00 | 3h | 3 号楼后墙 | 20"


async def test_followers_attendance_hours_my_events_and_the_csv(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    reporter = sandbox.person(user_id=1004, first_name="张叔叔", language_code="zh-hans")
    await onboard(resident)
    await onboard(reporter, community="曹家渡社区")  # lives elsewhere, reported here
    async with bot.session() as session:
        person = (await session.exec(select(PersonRow).where(PersonRow.telegram_id == 1004))).one()
        report = await make_report(session, media_dir=bot.media_dir, reporter=person)
        xinhua = (
            await session.exec(select(Community).where(Community.slug == "xinhua-road"))
        ).one()
        report.community_id = xinhua.id or 0  # a report of Xinhua Road, by a neighbour
        session.add(report)
        ref = report.ref

    await planner.send(LINE)
    await planner.expect_message(containing="3 号楼后墙墙绘")
    await planner.send(ref)
    await planner.expect_message(containing=f"Report: {ref}")
    await planner.tap("✅ Publish")
    await planner.expect_message(containing="is published")
    await resident.expect_message(containing="3 号楼后墙墙绘")
    await reporter.expect_no_message()

    await planner.send("/events")
    await planner.expect_message(containing="Signed up 0/20")
    await planner.tap("📣 Invite the report's followers")
    await planner.expect_message(containing="Invited 1 followers")
    await reporter.expect_message(containing="3 号楼后墙墙绘")
    await planner.tap("📣 Invite the report's followers")  # again: nobody twice
    await planner.expect_message(containing="Invited 0 followers")
    for person in (resident, reporter):
        await person.tap("🙋 报名")
        await person.expect_message(containing="✅ 您已报名")

    await planner.send("/events")
    await planner.expect_message(containing="Signed up 2/20")
    await planner.tap("✅ Mark attendance")
    listed = await planner.expect_message(containing="attendance")
    assert listed.buttons() == ["⬜ 1. 王阿姨", "⬜ 2. 张叔叔"]
    await planner.tap("⬜ 1. 王阿姨")
    await planner.expect_callback_answer(containing="once the event has started")
    bot.clock.advance(days=3)  # the event is over
    await planner.tap("⬜ 1. 王阿姨")
    edited = await planner.expect_edit()
    assert edited.buttons() == ["✅ 1. 王阿姨", "⬜ 2. 张叔叔"]

    await resident.send("/myevents")
    mine = await resident.expect_message(containing="志愿时长共 3 小时")
    assert "3 号楼后墙墙绘 · 2026-11-05 09:00 · ✅ 已参加" in mine.text
    await reporter.send("/myevents")
    theirs = await reporter.expect_message(containing="志愿时长共 0 小时")
    assert "已报名" in theirs.text

    await planner.send("/events")
    await planner.expect_message(containing="attended 1")
    await planner.tap("📄 Sign-up list as CSV")
    document = await planner.expect_message(containing="no Telegram accounts")
    assert document.method == "sendDocument"
    assert document.document is not None
    stored = sandbox.files.get(document.document)
    assert stored is not None
    assert stored.data is not None
    text = stored.data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["number", "first_name", "status", "attended", "hours"]
    assert rows[2:] == [
        ["1", "王阿姨", "confirmed", "yes", "3"],
        ["2", "张叔叔", "confirmed", "no", "0"],
    ]
    for telegram_id in (resident.user_id, reporter.user_id):
        assert str(telegram_id) not in text
