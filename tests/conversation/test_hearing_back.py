"""Hearing back in full (issue 12): the "after" photo reaches everyone who follows a report,
each in their own language, and /myreports shows before and after, and followed reports."""

from __future__ import annotations

from sqlmodel import select

from botapi_sandbox import Person, Sandbox, SentMessage, make_photo
from storage.models import ReportPhoto
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_triage import (
    accept,
    expect_next_in_inbox,
    open_inbox,
    open_report,
    submit,
    to_stage,
)

NOTE = "Cleared, and a new lamp fitted <by the greening team>."


async def me_too(person: Person, ref: str) -> None:
    """An English-speaking resident starts a report next to `ref` and follows it instead."""
    await person.tap("📷 Report a corner")
    await person.expect_message(containing="Step 1")
    await person.send_photo(make_photo(seed=9))
    await person.expect_message(containing="Got 1 photo")
    await person.tap("➡ Done with photos")
    await person.expect_message(containing="Step 2")
    await person.send_location(31.20692, 121.42731)
    await person.expect_message(containing="Step 3")
    await person.tap("🗑 Litter and piled junk")
    await person.expect_message(containing="Step 4")
    await person.tap("➡ Skip")
    await person.expect_message(containing="Someone nearby already reported")
    await person.tap(f"🙋 Me too: {ref}")
    await person.expect_message(containing=f"you will hear about every step of {ref}")


async def resolve_with_photo(planner: Person, ref: str, *, note: str, seed: int = 50) -> None:
    await open_report(planner, ref)
    await planner.tap("✅ Resolved")
    await planner.expect_message(containing="after")
    await planner.send_photo(make_photo(seed=seed), caption=note)
    await planner.expect_message(containing=f"{ref} is now: resolved")


async def after_photo_file_id(bot: Bot) -> str:
    async with bot.session() as session:
        (after,) = (
            await session.exec(select(ReportPhoto).where(ReportPhoto.kind == "after"))
        ).all()
    return str(after.telegram_file_id)


async def expect_before_and_after(person: Person, after_id: str) -> SentMessage:
    """/myreports' detail with an after photo: an album of the two, the text the caption of
    the first; returns the first."""
    before = await person.expect_message()
    after = await person.expect_message()
    assert before.method == after.method == "sendMediaGroup"
    assert before.media_group_id is not None
    assert before.media_group_id == after.media_group_id
    assert before.photo, "first the resident's photo"
    assert after_id not in before.photo
    assert after_id in after.photo, "then the planner's"
    return before


async def test_the_after_photo_reaches_every_follower_in_their_language(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person, alice: Person
) -> None:
    bob = sandbox.person(user_id=1003, first_name="Bob", language_code="en")
    await onboard(resident)
    await onboard(alice, english=True)
    await onboard(bob, english=True)
    first = await submit(resident, seed=1)
    second = await submit(
        alice, seed=2, at=(31.20705, 121.42735), category="🗑 Litter and piled junk", english=True
    )
    await me_too(bob, first)
    # Alice's report is merged into the first: she follows it from now on
    await open_inbox(planner, first)
    await planner.tap("⏭ Skip")
    await expect_next_in_inbox(planner, second)
    await planner.tap(f"🔗 Merge into {first}")
    await planner.expect_message(containing=f"{second} was merged into {first}")
    await expect_next_in_inbox(planner, first)
    await alice.expect_message(containing=f"same problem as {first}")

    await accept(planner, first)
    await expect_next_in_inbox(planner, None)
    await to_stage(planner, first, "📅 Planned")
    await to_stage(planner, first, "🔨 Work started")
    await resolve_with_photo(planner, first, note=NOTE)
    after_id = await after_photo_file_id(bot)

    for chinese in ("已受理", "已列入计划", "处理中"):
        await resident.expect_message(containing=f"有新进展：{chinese}")
    notice = await resident.expect_message(containing=f"{first} 有新进展：已解决")
    assert notice.method == "sendPhoto"
    assert after_id in notice.photo
    assert f"💬 规划师留言：{NOTE}" in notice.text  # as written, marked as the planner's
    await resident.expect_message(containing="您对处理结果满意吗")
    for person in (alice, bob):  # the same step, in English, with the same photo
        for stage in ("accepted", "planned", "in progress"):
            await person.expect_message(containing=f"News on report {first}: {stage}")
        notice = await person.expect_message(containing=f"News on report {first}: resolved")
        assert notice.method == "sendPhoto"
        assert after_id in notice.photo
        assert f"💬 Planner's note: {NOTE}" in notice.text
        assert "已解决" not in notice.text
        await person.expect_no_message()  # only the reporter is asked to rate

    # /myreports: before and after; the reports Alice and Bob follow, marked
    await resident.send("/myreports")
    await resident.expect_message(containing="您的报告共 1 份")
    await resident.tap(f"{first} · 已解决")
    detail = await expect_before_and_after(resident, after_id)
    assert "🖼 第 1 张：报告时；第 2 张：修好后" in detail.text
    assert f"💬 规划师留言：{NOTE}" in detail.text
    assert "🙋" not in detail.text, "her own report"

    await alice.send("/myreports")
    listing = await alice.expect_message(containing="You have 2 reports")
    assert "🙋 marks a report you follow" in listing.text
    assert listing.buttons() == [f"{second} · merged (duplicate)", f"🙋 {first} · resolved"]
    await alice.tap(f"🙋 {first} · resolved")
    detail = await expect_before_and_after(alice, after_id)
    assert "🙋 A report you follow" in detail.text
    assert "Photo 1: as reported; photo 2: after the fix" in detail.text
    await alice.tap(f"{second} · merged (duplicate)")
    own = await alice.expect_message(containing="History")
    assert own.method == "sendPhoto", "her own report has no after photo: one photo"

    await bob.send("/myreports")
    listing = await bob.expect_message(containing="You have 1 report")
    assert listing.buttons() == [f"🙋 {first} · resolved"]


async def test_a_long_note_with_the_after_photo_still_fits_one_caption(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await open_inbox(planner, ref)
    await accept(planner, ref)
    await expect_next_in_inbox(planner, None)
    await to_stage(planner, ref, "📅 Planned")
    await to_stage(planner, ref, "🔨 Work started")
    note = "清" * 990 + " the end"  # within a planner's 1000, beyond a caption's 1024 with the rest
    await resolve_with_photo(planner, ref, note=note)
    for chinese in ("已受理", "已列入计划", "处理中"):
        await resident.expect_message(containing=f"有新进展：{chinese}")
    notice = await resident.expect_message(containing="有新进展：已解决")
    assert notice.method == "sendPhoto"  # the sandbox refuses a caption over 1024 characters
    assert "规划师留言：清清" in notice.text
    assert notice.text.endswith("…"), "the note shortened to fit; /myreports keeps more"
    await resident.expect_message(containing="您对处理结果满意吗")
    await resident.expect_no_message()


async def test_a_refused_after_photo_does_not_cost_the_notice(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await open_inbox(planner, ref)
    await accept(planner, ref)
    await expect_next_in_inbox(planner, None)
    await to_stage(planner, ref, "📅 Planned")
    await to_stage(planner, ref, "🔨 Work started")
    sandbox.fail_next(
        "sendPhoto",
        error_code=400,
        description="Bad Request: wrong file identifier/HTTP URL specified",
        chat_id=resident.user_id,
    )
    await resolve_with_photo(planner, ref, note=NOTE)
    for chinese in ("已受理", "已列入计划", "处理中"):
        await resident.expect_message(containing=f"有新进展：{chinese}")
    notice = await resident.expect_message(containing="有新进展：已解决")
    assert notice.method == "sendMessage", "the text alone"
    assert f"💬 规划师留言：{NOTE}" in notice.text
    await resident.expect_message(containing="您对处理结果满意吗")
    await resident.expect_no_message()
