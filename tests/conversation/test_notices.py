"""Notices to whole communities (issue 13): /notice in one line or as a wizard, the preview,
Send once, the status message, /notices and the residents' /settings, through the sandbox."""

from __future__ import annotations

from sqlmodel import select

from bot.notice_progress import NOTICE_PROGRESS_JOB
from botapi_sandbox import Person, Sandbox, SentMessage, make_photo
from storage.models import OutboxMessage
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_triage import accept, open_inbox, run_job, submit, to_stage

ONE_LINE = (
    "/notice xinhua-road | 楼后通道清理公示 | 12 月 5 日起清理 3 号楼后通道，请提前移走个人物品。"
)
TITLE = "楼后通道清理公示"


def person(sandbox: Sandbox, user_id: int, name: str, language: str = "zh-hans") -> Person:
    return sandbox.person(user_id=user_id, first_name=name, language_code=language)


async def opt_out(someone: Person) -> None:
    await someone.send("/settings")
    await someone.expect_message(containing="社区公示：接收")
    await someone.tap("🔕 不再接收公示")
    await someone.expect_edit(containing="社区公示：不接收")


async def expect_preview(planner: Person, audience: str) -> SentMessage:
    """The notice as residents get it, then the control message with the audience."""
    notice = await planner.expect_message(containing=TITLE)
    assert "Xinhua Road Community" in notice.text, "the preview is in the planner's language"
    return await planner.expect_message(containing=f"To: {audience}")


async def test_one_line_notice_reaches_each_resident_who_accepts_notices_once(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person, alice: Person
) -> None:
    bob = person(sandbox, 1003, "老周")
    elsewhere = person(sandbox, 1004, "小陈")
    await onboard(resident)
    await onboard(alice, english=True)
    await onboard(bob)
    await opt_out(bob)
    await onboard(elsewhere, community="曹家渡社区")

    await planner.send(ONE_LINE)
    control = await expect_preview(planner, "Xinhua Road Community: 2 residents + 0 groups")
    assert control.buttons() == ["📨 Send (2)", "✖ Cancel"]
    await resident.expect_no_message()  # nothing is sent before Send

    await planner.tap("📨 Send (2)")
    status = await planner.expect_edit(containing="Sending: 0 / 2")
    assert status.message_id == control.message_id, "the preview's buttons become the status"
    got = await resident.expect_message(containing=TITLE)
    assert "12 月 5 日起清理 3 号楼后通道" in got.text
    assert "新华路社区" in got.text, "each resident reads it in their own language"
    english = await alice.expect_message(containing=TITLE)
    assert "Xinhua Road Community" in english.text
    await bob.expect_no_message()
    await elsewhere.expect_no_message()
    await resident.expect_no_message()
    await alice.expect_no_message()

    await run_job(bot, NOTICE_PROGRESS_JOB)
    final = await planner.expect_edit(containing="Sent: 2 / 2 delivered")
    assert "unreachable 0, failed 0" in final.text


async def test_send_pressed_twice_sends_once(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await planner.send(ONE_LINE)
    control = await expect_preview(planner, "Xinhua Road Community: 1 resident + 0 groups")
    await planner.tap("📨 Send (1)", message=control)
    await planner.tap("📨 Send (1)", message=control)
    await planner.expect_callback_answer(containing="has been sent already")
    await resident.expect_message(containing=TITLE)
    await resident.expect_no_message()
    async with bot.session() as session:
        rows = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "notice"))
        ).all()
    assert len(rows) == 1


async def test_wizard_with_an_album_and_a_report_before_and_after(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await open_inbox(planner, ref)
    await accept(planner, ref)
    await planner.expect_message(containing="The inbox is empty")
    await resident.expect_message(containing="已受理")
    for stage, word in (("📅 Planned", "已列入计划"), ("🔨 Work started", "处理中")):
        await to_stage(planner, ref, stage)
        await resident.expect_message(containing=word)
    await open_inbox_report(planner, ref)
    await planner.tap("✅ Resolved")
    await planner.expect_message(containing="after")
    await planner.send_photo(make_photo(seed=50))
    await planner.expect_message(containing="is now: resolved")
    await resident.expect_message(containing="已解决")
    await resident.expect_message(containing="您对处理结果满意吗")

    await planner.send("/notice")
    await planner.expect_message(containing="Please send its title")
    await planner.send(TITLE)
    await planner.expect_message(containing="Please send the notice's text")
    await planner.send("通道已清理完毕，谢谢大家配合。")
    await expect_preview(planner, "Xinhua Road Community: 1 resident + 0 groups")
    await planner.send_album([make_photo(seed=60), make_photo(seed=61)])
    album = [await planner.expect_message() for _ in range(2)]
    assert all(m.photo and m.media_group_id == album[0].media_group_id for m in album)
    assert TITLE in (album[0].caption or ""), "a short notice is the album's caption"
    await planner.expect_message(containing="To: Xinhua Road Community: 1 resident ")
    await planner.send(ref)
    album = [await planner.expect_message() for _ in range(4)]
    assert all(m.photo for m in album), "the planner's photos, then the report's before/after"
    assert f"Report {ref} (before and after photos)" in (album[0].caption or "")
    control = await planner.expect_message(containing="To: Xinhua Road Community")
    assert f"👥 Only followers of {ref}" in control.buttons()

    await planner.tap(f"👥 Only followers of {ref}")
    await planner.expect_edit(containing=f"1 follower of report {ref}")
    await planner.tap("📨 Send (1)")
    await planner.expect_edit(containing="Sending: 0 / 1")
    got = [await resident.expect_message() for _ in range(4)]
    assert all(m.photo and m.media_group_id == got[0].media_group_id for m in got)
    assert f"相关报告 {ref}" in (got[0].caption or "")
    await resident.expect_no_message()


async def open_inbox_report(planner: Person, ref: str) -> None:
    from tests.conversation.test_triage import open_report

    await open_report(planner, ref)


async def test_a_long_notice_is_refused_naming_the_part(bot: Bot, planner: Person) -> None:
    await planner.send(f"/notice xinhua-road | {'标' * 101} | 正文")
    await planner.expect_message(containing="the title is 1 characters over")
    await planner.send(f"/notice xinhua-road | {TITLE} | {'字' * 4096}")
    refused = await planner.expect_message(containing="the text is")
    assert "characters over" in refused.text
    await planner.expect_no_message()


async def test_a_resident_may_not_send_notices(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await resident.send(ONE_LINE)
    await resident.expect_message(containing="抱歉，您没有权限")
    await resident.send("/notices")
    await resident.expect_message(containing="抱歉，您没有权限")


async def test_a_blocked_resident_is_counted_unreachable_and_notices_lists_it(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person, alice: Person
) -> None:
    await onboard(resident)
    await onboard(alice, english=True)
    sandbox.block(alice.user_id)
    await planner.send(ONE_LINE)
    await expect_preview(planner, "Xinhua Road Community: 2 residents + 0 groups")
    await planner.tap("📨 Send (2)")
    await planner.expect_edit(containing="Sending: 0 / 2")
    await resident.expect_message(containing=TITLE)
    await sandbox.settle()
    await run_job(bot, NOTICE_PROGRESS_JOB)
    final = await planner.expect_edit(containing="Sent: 1 / 2 delivered")
    assert "unreachable 1, failed 0" in final.text
    edits = len(sandbox.edits)
    await run_job(bot, NOTICE_PROGRESS_JOB)  # a finished notice is left alone
    assert len(sandbox.edits) == edits
    await planner.send("/notices")
    listed = await planner.expect_message(containing="Recent notices (1)")
    assert TITLE in listed.text
    assert "delivered 1 / 2, unreachable 1, failed 0" in listed.text


async def test_settings_toggle_in_both_languages(bot: Bot, resident: Person, alice: Person) -> None:
    await onboard(resident)
    await opt_out(resident)
    await resident.tap("🔔 接收公示")
    await resident.expect_edit(containing="社区公示：接收")
    await onboard(alice, english=True)
    await alice.send("/settings")
    await alice.expect_message(containing="Community notices: on")
    await alice.tap("🔕 Stop notices")
    await alice.expect_edit(containing="Community notices: off")


async def test_stale_forged_and_cancelled_previews_are_answered(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await planner.send(ONE_LINE)
    old = await expect_preview(planner, "Xinhua Road Community: 1 resident + 0 groups")
    await planner.send_photo(make_photo(seed=70))
    photo = await planner.expect_message()
    assert photo.photo
    assert TITLE in (photo.caption or "")
    new = await planner.expect_message(containing="To: Xinhua Road Community")
    await planner.tap("📨 Send (1)", message=old)
    await planner.expect_callback_answer(containing="out of date")
    await planner.tap_data("nt:999999:1:send", message=new)
    await planner.expect_callback_answer(containing="not found")
    await planner.tap_data("nt:1:1:launch", message=new)
    await planner.expect_callback_answer(containing="expired")
    await planner.tap("✖ Cancel", message=new)
    await planner.expect_edit(containing="Cancelled; this notice was not sent.")
    await planner.tap("📨 Send (1)", message=new)
    await planner.expect_callback_answer(containing="was cancelled")
    await resident.expect_no_message()
    await planner.expect_no_message()


async def test_the_wizard_asks_the_community_when_there_are_several(
    bot: Bot, admin: Person, resident: Person
) -> None:
    await onboard(resident, community="曹家渡社区")
    await admin.send("/notice")
    choose = await admin.expect_message(containing="Which community is this notice for?")
    assert "Caojiadu Community" in choose.buttons()
    await admin.tap("Caojiadu Community")
    await admin.expect_message(containing="New notice · Caojiadu Community")
    await admin.send(TITLE)
    await admin.expect_message(containing="Please send the notice's text")
    await admin.send("周六上午清理。")
    await admin.expect_message(containing=TITLE)
    await admin.expect_message(containing="To: Caojiadu Community: 1 resident + 0 groups")
    await admin.tap("📨 Send (1)")
    await admin.expect_edit(containing="Sending: 0 / 1")
    got = await resident.expect_message(containing=TITLE)
    assert "曹家渡社区" in got.text


async def test_a_notice_reaches_the_linked_committee_chats_in_their_language(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    council = sandbox.group(chat_id=-100801, title="议事会")
    english = sandbox.group(chat_id=-100802, title="Joint meeting")
    department = sandbox.group(chat_id=-100803, title="环卫")
    await onboard(resident)
    for group, command, reply in (
        (council, "/link committee xinhua-road", "新华路社区"),
        (english, "/link committee xinhua-road en", "Xinhua Road Community"),
        (department, "/link department sanitation xinhua-road", ""),
    ):
        await group.member(planner).send(command)
        await group.expect_message(containing=reply)

    await planner.send(ONE_LINE)
    await expect_preview(planner, "Xinhua Road Community: 1 resident + 2 groups")
    await planner.tap("📨 Send (3)")
    await planner.expect_edit(containing="Sending: 0 / 3")
    await resident.expect_message(containing=TITLE)
    zh = await council.expect_message(containing=TITLE)
    assert "新华路社区" in zh.text
    en = await english.expect_message(containing=TITLE)
    assert "Xinhua Road Community" in en.text
    await department.expect_no_message()  # a department's chat is not the community's audience
    await run_job(bot, NOTICE_PROGRESS_JOB)
    await planner.expect_edit(containing="Sent: 3 / 3 delivered")
