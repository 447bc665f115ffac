"""Issue 12: nothing destroyed by one stray tap (cancel asks first; edited photos are kept
until new ones arrive), voice welcome as the words, and a resident's answer reaching the
planner's question (words or a photo), even with a draft open."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import col, select

from botapi_sandbox import Person, Sandbox, make_photo
from storage.models import DraftPhoto, Report, ReportDraft, ReportPhoto
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_report_flow import report_until_review
from tests.conversation.test_triage import expect_card, open_inbox, submit


async def stored_files(bot: Bot) -> int:
    return len(await asyncio.to_thread(lambda: list(Path(bot.media_dir).rglob("*.jpg"))))


async def test_cancel_asks_before_discarding_and_keep_going_keeps_everything(
    bot: Bot, resident: Person
) -> None:
    await onboard(resident)
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.send_photo(make_photo(seed=2))
    await resident.expect_message(containing="已收到 2 张照片")
    await resident.tap("✖ 取消")  # a stray tap
    asked = await resident.expect_message(containing="要放弃这份报告吗？里面的 2 张照片会被删除。")
    assert asked.buttons() == ["🗑 放弃这份报告", "↩ 继续填写"]
    await resident.tap("↩ 继续填写")
    again = await resident.expect_message(containing="好的，我们接着来。")
    assert "已收到 2 张照片" in again.text, "the same question again"
    async with bot.session() as session:
        assert len((await session.exec(select(DraftPhoto))).all()) == 2
    await resident.tap("🗑 放弃这份报告", message=asked)  # still answers
    await resident.expect_message(containing="已取消这份报告，照片已删除")
    async with bot.session() as session:
        assert (await session.exec(select(ReportDraft))).all() == []
    assert await stored_files(bot) == 0


async def test_the_review_cards_cancel_asks_too(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await report_until_review(resident)
    card = resident.messages[-1]
    await resident.tap("✖ 取消", message=card)
    await resident.expect_message(containing="要放弃这份报告吗？里面的 1 张照片会被删除。")
    await resident.tap("↩ 继续填写")
    await resident.expect_message(containing="请确认您的报告")
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")


async def test_editing_the_photos_keeps_them_until_new_ones_arrive(
    bot: Bot, resident: Person
) -> None:
    await onboard(resident)
    await report_until_review(resident)
    async with bot.session() as session:
        (old,) = (await session.exec(select(DraftPhoto))).all()
    await resident.tap("✏ 修改")
    await resident.expect_edit()
    await resident.tap("照片")
    asked = await resident.expect_message(containing="收到后会替换原来的 1 张")
    assert asked.keyboard() == ["↩ 返回确认", "✖ 取消"]
    await resident.tap("↩ 返回确认", message=asked)  # changed their mind: nothing lost
    review = await resident.expect_message(containing="请确认您的报告")
    assert "📷 照片：1 张" in review.text
    async with bot.session() as session:
        kept = (await session.exec(select(DraftPhoto))).all()
    assert [p.file_unique_id for p in kept] == [old.file_unique_id]

    await resident.tap("✏ 修改")
    await resident.expect_edit()
    await resident.tap("照片")
    await resident.expect_message(containing="收到后会替换原来的 1 张")
    await resident.send_photo(make_photo(seed=50))
    await resident.expect_message(containing="已收到 1 张照片")  # the new set starts at one
    await resident.send_photo(make_photo(seed=51))
    await resident.expect_message(containing="已收到 2 张照片")
    await resident.tap("➡ 照片好了，下一步")
    review = await resident.expect_message(containing="请确认您的报告")
    assert "📷 照片：2 张" in review.text
    async with bot.session() as session:
        new = (await session.exec(select(DraftPhoto))).all()
    assert old.file_unique_id not in [p.file_unique_id for p in new]
    assert await stored_files(bot) == 2, "the replaced photo's file is deleted"


async def test_a_voice_message_is_the_words_and_planners_get_it_with_the_card(
    bot: Bot, sandbox: Sandbox, resident: Person, planner: Person
) -> None:
    await onboard(resident)
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.send_voice()  # not yet: a hint of what to send now
    hint = await resident.expect_message(containing="语音我会在「说明」那一步收下")
    assert "发送位置" not in hint.text
    await resident.tap("📍 发送我的位置", latitude=31.2069, longitude=121.4273)
    await resident.expect_message(containing="第 3 步")
    await resident.tap("🗑 垃圾与杂物堆放")
    asked = await resident.expect_message(containing="第 4 步")
    assert "发语音" in asked.text
    await resident.send_voice(duration=12)
    review = await resident.expect_message(containing="请确认您的报告")
    assert "🎤 语音说明：已收到" in review.text
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
    assert report.voice_file_id
    assert report.description == ""

    await planner.send("/inbox")
    await planner.expect_message(containing="waiting, oldest first")
    card = await expect_card(planner, "R-000001", voice=True)  # the voice itself, to listen to
    assert "🎤 the resident left a voice note" in card.text
    (sent,) = sandbox.calls_of("sendVoice")
    assert sent.params["voice"] == report.voice_file_id


async def ask_for_more(planner: Person, resident: Person, ref: str) -> None:
    await open_inbox(planner, ref)
    await planner.tap("❓ Needs info")
    await planner.expect_message(containing="type your question")
    await planner.send("Which building is it behind?")
    await planner.expect_message(containing="is now: needs more information")
    await planner.expect_message(containing="inbox is empty")
    await resident.expect_message(containing="Which building is it behind?")


async def test_words_answer_the_question_even_with_a_draft_open(
    bot: Bot, resident: Person, planner: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await resident.send_photo(make_photo(seed=2))  # a new report, begun meanwhile
    await resident.expect_message(containing="已收到 1 张照片")
    await ask_for_more(planner, resident, ref)
    await resident.send("在12号楼后面，靠近车棚")
    thanks = await resident.expect_message(containing=f"您的回复已加到 {ref}")
    assert thanks.keyboard() == [], "the draft's keyboard stays"
    told = await planner.expect_message(containing=f"answered your question on {ref}")
    assert "💬 在12号楼后面，靠近车棚" in told.text, "the planner reads the answer itself"
    await resident.tap("➡ 照片好了，下一步")  # the draft is where it was
    await resident.expect_message(containing="第 2 步")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
    assert (report.status, report.awaiting_info) == ("needs_info", False)


async def test_a_photo_answers_the_question_and_joins_the_report(
    bot: Bot, resident: Person, planner: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await ask_for_more(planner, resident, ref)
    await resident.send_photo(make_photo(seed=9), caption="就是这栋楼")
    await resident.expect_message(containing=f"您的回复已加到 {ref}")
    told = await planner.expect_message(containing=ref)
    assert told.photo, "the planner sees the photo itself"
    assert "with a photo" in told.text
    assert "💬 就是这栋楼" in told.text
    async with bot.session() as session:
        photos = (await session.exec(select(ReportPhoto).order_by(col(ReportPhoto.position)))).all()
        drafts = (await session.exec(select(ReportDraft))).all()
    assert [p.position for p in photos] == [1, 2], "added to the report's photos"
    assert drafts == [], "not turned into a new report"
    await planner.send("/inbox")  # back in the inbox, with both photos
    await planner.expect_message(containing="waiting, oldest first")
    await expect_card(planner, ref, photos=2)


async def test_an_album_answers_the_question_whole(
    bot: Bot, resident: Person, planner: Person
) -> None:
    """Older residents often send several photos at once: every photo of the album joins
    the report, it is answered once, and none of them starts a new report."""
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await ask_for_more(planner, resident, ref)
    await resident.send_album([make_photo(seed=11), make_photo(seed=12), make_photo(seed=13)])
    await resident.expect_message(containing=f"您的回复已加到 {ref}")
    await planner.expect_message(containing=ref)  # the first photo, with the answer's words
    await resident.expect_no_message()
    async with bot.session() as session:
        photos = (await session.exec(select(ReportPhoto).order_by(col(ReportPhoto.position)))).all()
        drafts = (await session.exec(select(ReportDraft))).all()
    assert [p.position for p in photos] == [1, 2, 3, 4], "the whole album joined the report"
    assert drafts == [], "no photo of the album started a new report"
