"""A resident reports a corner, end to end, through the sandbox and into the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PIL import Image
from sqlmodel import select

from botapi_sandbox import Person, Sandbox, make_photo
from storage.lifecycle import transition
from storage.models import Person as PersonRow
from storage.models import Report, ReportDraft, ReportEvent, ReportPhoto, ReportStatus
from tests.conversation.conftest import Bot, onboard


async def report_until_review(person: Person, *, photos: int = 1, words: str = "") -> None:
    await person.tap("📷 反映问题")
    await person.expect_message(containing="第 1 步")
    for n in range(photos):
        await person.send_photo(make_photo(seed=100 + n))
        await person.expect_message(containing=f"已收到 {n + 1} 张照片")
    # the location button of the photos' keyboard: the pin says where and ends the photos
    await person.tap("📍 发送我的位置", latitude=31.2069, longitude=121.4273)
    placed = await person.expect_message(containing="第 3 步")
    assert placed.text.startswith("📍 地点：幸福小区 3 号楼附近，约 30 米\n\n"), "the place, then"
    await person.tap("🗑 垃圾与杂物堆放")
    await person.expect_message(containing="第 4 步")
    if words:
        await person.send(words)
    else:
        await person.tap("➡ 跳过")
    await person.expect_message(containing="请确认您的报告")


async def test_resident_reports_a_corner(bot: Bot, sandbox: Sandbox, resident: Person) -> None:
    await onboard(resident)
    await report_until_review(resident, words="楼后通道堆满旧家具 <晚上很暗> & 不安全")
    review = resident.messages[-1]
    assert review.photo, "the review card shows the first photo"
    assert "&lt;晚上很暗&gt; &amp; 不安全" in review.html, "user text is escaped"
    await resident.tap("✅ 确认提交")
    receipt = await resident.expect_message(containing="R-000001")
    assert "已提交" in receipt.text

    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
        person = (await session.exec(select(PersonRow))).one()
        photos = (await session.exec(select(ReportPhoto))).all()
        events = (await session.exec(select(ReportEvent))).all()
        drafts = (await session.exec(select(ReportDraft))).all()
    assert report.reporter_id == person.id
    assert person.telegram_id == resident.user_id
    assert report.category == "litter"
    assert (report.lat, report.lon) == (31.2069, 121.4273)
    assert report.description == "楼后通道堆满旧家具 <晚上很暗> & 不安全"
    assert not report.outside_area
    assert [(e.from_status, e.to_status, e.actor_id) for e in events] == [
        (None, "submitted", person.id)
    ]
    assert drafts == []
    assert len(photos) == 1
    stored = bot.media_dir / photos[0].path
    with Image.open(stored) as image:
        assert not image.getexif(), "EXIF (with GPS) is stripped from the stored copy"
    assert photos[0].telegram_file_id
    assert len(photos[0].phash) == 16


async def test_my_reports_lists_and_shows_history(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await report_until_review(resident)
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    await resident.send("/myreports")
    await resident.expect_message(containing="您的报告共 1 份")
    await resident.tap("R-000001 · 已提交")
    detail = await resident.expect_message(containing="进展")
    assert detail.photo, "a short history is the photo's caption: one message"
    assert detail.text.startswith("R-000001")
    assert "🗑 垃圾与杂物堆放" in detail.text
    assert "已提交" in detail.text


async def test_my_reports_pages_beyond_five(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    bot.clock.advance(hours=0)
    for n in range(6):
        if n and n % 3 == 0:
            bot.clock.advance(hours=2)  # stay under REPORTS_PER_HOUR=3
        await report_until_review(resident)
        await resident.tap("✅ 确认提交")
        await resident.expect_message(containing=f"R-00000{n + 1}")
    await resident.send("/myreports")
    first = await resident.expect_message(containing="您的报告共 6 份（第 1/2 页）")
    assert len(first.buttons()) == 6  # five reports and "next page"
    await resident.tap("下一页 ▶")
    page_two = await resident.expect_edit(containing="第 2/2 页")
    assert "R-000001 · 已提交" in page_two.buttons()


async def test_draft_survives_a_restart(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await resident.tap("📷 反映问题")
    await resident.expect_message(containing="第 1 步")
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.send_photo(make_photo(seed=2))
    await resident.expect_message(containing="已收到 2 张照片")

    await bot.restart()  # a new Application: nothing survives in memory

    await resident.send_photo(make_photo(seed=3))
    await resident.expect_message(containing="已收到 3 张照片")
    await resident.tap("➡ 照片好了，下一步")
    await resident.expect_message(containing="第 2 步")
    await bot.restart()
    await resident.send("幸福路12号楼后面")
    await resident.expect_message(containing="第 3 步")
    await resident.tap("🌳 绿化")
    await resident.expect_message(containing="第 4 步")
    await resident.tap("➡ 跳过")
    await resident.expect_message(containing="请确认您的报告")
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
        photos = (await session.exec(select(ReportPhoto))).all()
    assert report.address == "幸福路12号楼后面"
    assert report.category == "greenery"
    assert len(photos) == 3


async def test_report_in_english_with_edit(bot: Bot, alice: Person) -> None:
    await onboard(alice, english=True)
    await alice.tap("📷 Report a corner")
    await alice.expect_message(containing="Step 1")
    await alice.send_document(make_photo(seed=5), file_name="corner.jpg", mime_type="image/jpeg")
    await alice.expect_message(containing="Got 1 photo")
    await alice.tap("➡ Done with photos")
    await alice.expect_message(containing="Step 2")
    await alice.send_venue(31.2068, 121.4271, "Xinhua Road 321", "Lane 5, back yard")
    placed = await alice.expect_message(containing="Step 3")
    assert placed.text.startswith("📍 Where: Xinhua Road 321, Lane 5, back yard\n\n")
    await alice.tap("💡 Lighting and safety")
    await alice.expect_message(containing="Step 4")
    await alice.tap("➡ Skip")
    await alice.expect_message(containing="Please check your report")
    await alice.tap("✏ Edit")
    choices = await alice.expect_edit()
    await alice.tap("Category")
    await alice.expect_message(containing="Step 3")
    # the card keeps its choices (the question is a new message); they have expired
    await alice.tap("Place", message=choices)
    assert "expired" in ((await alice.expect_callback_answer()).text or "")
    await alice.tap("🌳 Greenery")
    review = await alice.expect_message(containing="Please check your report")
    assert "Greenery" in review.text
    await alice.tap("✅ Confirm")
    await alice.expect_message(containing="Your report number is R-000001")


async def test_cancel_at_each_step(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await resident.tap("📷 反映问题")
    await resident.expect_message(containing="第 1 步")
    await resident.tap("✖ 取消")
    await resident.expect_message(containing="已取消这份报告")
    await resident.tap("📷 反映问题")
    await resident.expect_message(containing="第 1 步")
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("➡ 照片好了，下一步")
    await resident.expect_message(containing="第 2 步")
    await resident.send("幸福路")
    await resident.expect_message(containing="第 3 步")
    await resident.tap("✖ 取消")  # on the category question's keyboard
    await resident.expect_message(containing="要放弃这份报告吗？里面的 1 张照片会被删除。")
    await resident.tap("🗑 放弃这份报告")
    await resident.expect_message(containing="已取消这份报告")
    await resident.send("/cancel")
    await resident.expect_message(containing="现在没有要取消的内容")
    async with bot.session() as session:
        assert (await session.exec(select(ReportDraft))).all() == []
        assert (await session.exec(select(Report))).all() == []
    leftovers = await asyncio.to_thread(lambda: list(Path(bot.media_dir).rglob("*.jpg")))
    assert leftovers == [], "a cancelled draft's photos are deleted"


async def test_a_long_history_still_fits_one_message(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await report_until_review(resident, words="字" * 1000)
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    async with bot.session() as session:  # four public steps, each with the longest note
        report = (await session.exec(select(Report))).one()
        for step in ("accepted", "planned", "in_progress", "resolved"):
            report = await transition(
                session,
                report_id=report.id or 0,
                expected_version=report.version,
                to=ReportStatus(step),
                actor_id=None,
                now=bot.clock(),
                public_note="注" * 1000,
            )
    await resident.send("/myreports")
    await resident.expect_message(containing="您的报告共 1 份")
    await resident.tap("R-000001 · 已解决")
    photo = await resident.expect_message(containing="R-000001")
    assert photo.photo
    assert photo.text == "R-000001", "too long for a caption: the photo, then the text"
    detail = await resident.expect_message(containing="进展")
    assert len(detail.text) <= 4096
    assert detail.text.count("已解决") >= 2  # the status line and the last history line


async def test_every_step_can_go_back_one(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await resident.tap("📷 反映问题")
    await resident.expect_message(containing="第 1 步")
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("➡ 照片好了，下一步")
    await resident.expect_message(containing="第 2 步")
    await resident.tap("⬅ 上一步")  # back to the photos, which are kept
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("➡ 照片好了，下一步")
    await resident.expect_message(containing="第 2 步")
    await resident.send_location(31.2069, 121.4273)
    await resident.expect_message(containing="第 3 步")
    await resident.tap("⬅ 上一步")  # on the category question's keyboard
    await resident.expect_message(containing="第 2 步")
    await resident.send("幸福路12号楼后面")
    await resident.expect_message(containing="第 3 步")
    await resident.tap("🌳 绿化")
    await resident.expect_message(containing="第 4 步")
    await resident.tap("⬅ 上一步")
    await resident.expect_message(containing="第 3 步")
    await resident.tap("💡 照明与安全")
    await resident.expect_message(containing="第 4 步")
    await resident.tap("➡ 跳过")
    review = await resident.expect_message(containing="请确认您的报告")
    assert "幸福路12号楼后面" in review.text
    assert "💡 照明与安全" in review.text
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
        photos = (await session.exec(select(ReportPhoto))).all()
    assert (report.category, report.address, len(photos)) == ("lighting", "幸福路12号楼后面", 1)
