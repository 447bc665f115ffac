"""Planners triage one inbox and every resident hears back (issue 3), through the sandbox."""

from __future__ import annotations

from sqlmodel import col, select

from bot.jobs import AUTO_CLOSE_JOB, MORNING_CATCH_UP_JOB, MORNING_JOB
from botapi_sandbox import Person, Sandbox, SentMessage, make_photo
from storage.models import OutboxMessage, Report, ReportEvent, ReportPhoto
from tests.conversation.conftest import Bot, make_planner, onboard

XINHUA = (31.2069, 121.4273)
#: what a resident taps, and the start of each answer, through the report conversation
CHINESE_STEPS = {
    "report": "📷 反映问题",
    "step1": "第 1 步",
    "photo1": "已收到 1 张照片",
    "done": "➡ 照片好了，下一步",
    "step2": "第 2 步",
    "where": "📍 地点：",
    "step3": "第 3 步",
    "step4": "第 4 步",
    "skip": "➡ 跳过",
    "review": "请确认您的报告",
    "confirm": "✅ 确认提交",
}
ENGLISH_STEPS = {
    "report": "📷 Report a corner",
    "step1": "Step 1",
    "photo1": "Got 1 photo",
    "done": "➡ Done with photos",
    "step2": "Step 2",
    "where": "📍 Where:",
    "step3": "Step 3",
    "step4": "Step 4",
    "skip": "➡ Skip",
    "review": "Please check your report",
    "confirm": "✅ Confirm",
}


async def submit(
    person: Person,
    *,
    seed: int,
    at: tuple[float, float] = XINHUA,
    category: str = "🗑 垃圾与杂物堆放",
    english: bool = False,
) -> str:
    """A resident reports a corner; returns the reference."""
    words = ENGLISH_STEPS if english else CHINESE_STEPS
    await person.tap(words["report"])
    await person.expect_message(containing=words["step1"])
    await person.send_photo(make_photo(seed=seed))
    await person.expect_message(containing=words["photo1"])
    await person.tap(words["done"])
    await person.expect_message(containing=words["step2"])
    await person.send_location(*at)
    placed = await person.expect_message(containing=words["step3"])
    assert placed.text.startswith(words["where"]), "the place saved, then the question"
    await person.tap(category)
    await person.expect_message(containing=words["step4"])
    await person.tap(words["skip"])
    await person.expect_message(containing=words["review"])
    await person.tap(words["confirm"])
    receipt = await person.expect_message(containing="R-")
    return "R-" + receipt.text.split("R-", 1)[1][:6]


async def expect_card(
    planner: Person, ref: str, *, photos: int = 1, voice: bool = False
) -> SentMessage:
    """A report's card: its photos, its map pin, the resident's voice note if they left one,
    then the facts with the buttons."""
    for _ in range(photos):
        photo = await planner.expect_message()
        assert photo.photo, f"a card starts with the report's photos, got {photo.text!r}"
    pin = await planner.expect_message()
    assert "location" in pin.data, f"then its map pin, got {pin.text!r}"
    if voice:
        note = await planner.expect_message()
        assert "voice" in note.data, f"then the voice note, got {note.text!r}"
    return await planner.expect_message(containing=ref)


async def open_inbox(planner: Person, ref: str) -> SentMessage:
    """/inbox: how many wait, then the card of the oldest, which is `ref`."""
    await planner.send("/inbox")
    await planner.expect_message(containing="waiting, oldest first")
    return await expect_card(planner, ref)


async def open_report(planner: Person, ref: str) -> SentMessage:
    """/report R-…: the card of that report."""
    await planner.send(f"/report {ref}")
    return await expect_card(planner, ref)


async def expect_next_in_inbox(planner: Person, ref: str | None) -> None:
    """After a triage step the inbox goes on: the next card (`ref`), or "empty" (`None`)."""
    if ref is None:
        await planner.expect_message(containing="The inbox is empty")
        return
    await planner.expect_message(containing="waiting, oldest first")
    await expect_card(planner, ref)


async def accept(planner: Person, ref: str, *, department: str = "🧹 Sanitation") -> None:
    """From the card of `ref` (the newest the planner has), accept it to a department."""
    await planner.tap("✅ Accept")
    await planner.expect_edit()
    await planner.tap(department)
    await planner.expect_message(containing=f"{ref} is now: accepted")


async def to_stage(planner: Person, ref: str, stage: str) -> None:
    """/report ref and tap the next stage: it moves at once (Resolved first asks for an
    "after" photo: here, without one)."""
    await open_report(planner, ref)
    await planner.tap(stage)
    if stage == "✅ Resolved":
        await planner.expect_message(containing="after")
        await planner.tap("Update without a note")
    await planner.expect_message(containing=f"{ref} is now:")


async def to_resolved(planner: Person, ref: str) -> None:
    for stage in ("📅 Planned", "🔨 Work started", "✅ Resolved"):
        await to_stage(planner, ref, stage)


async def sent_to(bot: Bot, chat_id: int, kind: str) -> list[OutboxMessage]:
    async with bot.session() as session:
        rows = await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.kind == kind)
            .order_by(col(OutboxMessage.id))
        )
        return list(rows.all())


async def test_invite_flow(bot: Bot, sandbox: Sandbox, admin: Person) -> None:
    li = sandbox.person(user_id=3001, first_name="Li", language_code="en")
    await admin.send("/invite planner xinhua-road")
    invite = await admin.expect_message(containing="Planner invite for Xinhua Road Community")
    code = invite.text.split("/join ", 1)[1].split()[0]
    await li.send(f"/join {code}")
    await li.expect_message(containing="You are now a planner of Xinhua Road Community")
    zhao = sandbox.person(user_id=3002, first_name="Zhao", language_code="en")
    await zhao.send(f"/join {code}")
    await zhao.expect_message(containing="has been used already")
    await zhao.send("/join WRONGCODE")
    await zhao.expect_message(containing="not right")
    await admin.send("/planners")
    listing = await admin.expect_message(containing="Xinhua Road Community (1): Li")
    assert "Revoke Li" in listing.buttons()
    await li.send("/invite planner caojiadu")  # not one of Li's communities
    await li.expect_message(containing="not permitted")
    await admin.tap("Revoke Li")
    await admin.expect_message(containing="revoked")
    await li.send("/inbox")
    await li.expect_message(containing="not permitted")


async def test_invites_expire_after_48_hours(bot: Bot, sandbox: Sandbox, admin: Person) -> None:
    await admin.send("/invite planner xinhua-road")
    invite = await admin.expect_message(containing="/join ")
    code = invite.text.split("/join ", 1)[1].split()[0]
    bot.clock.advance(hours=48)
    li = sandbox.person(user_id=3001, first_name="Li", language_code="en")
    await li.send(f"/join {code}")
    await li.expect_message(containing="has expired")


async def test_a_resident_is_refused_every_planner_command_and_button(
    bot: Bot, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    for command in ("/inbox", "/invite planner xinhua-road", "/planners", "/stats", "/export"):
        await resident.send(command)
        await resident.expect_message(containing="没有权限")
    for data in ("t:1:1:acc", "t:1:1:dep:greening", "t:1:1:dr:0", "t:1:1:skip", "rv:1:1"):
        await resident.tap_data(data)
        answer = await resident.expect_callback_answer()
        assert "没有权限" in (answer.text or "")
    await resident.send(f"/report {ref}")  # for a resident, /report starts a report
    await resident.expect_message(containing="第 1 步")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
        events = (await session.exec(select(ReportEvent))).all()
    assert report.status == "submitted"
    assert len(events) == 1


async def test_a_planner_of_another_community_is_refused(
    bot: Bot, sandbox: Sandbox, admin: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    other = sandbox.person(user_id=3005, first_name="Wu", language_code="en")
    await make_planner(admin, other, community="caojiadu")
    await other.send("/inbox")
    await other.expect_message(containing="The inbox is empty")
    await other.send(f"/report {ref}")
    await other.expect_message(containing="not permitted")
    await other.tap_data("t:1:1:dep:greening")
    answer = await other.expect_callback_answer()
    assert "not permitted" in (answer.text or "")


async def test_report_goes_through_every_stage_and_the_reporter_hears_each(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)

    await planner.send("/inbox")
    await planner.expect_message(containing="1 waiting")
    card = await expect_card(planner, ref)
    assert "🗑 Litter and piled junk" in card.text
    await planner.tap("✅ Accept")
    await planner.expect_edit()
    await planner.tap("🧹 Sanitation")
    await planner.expect_message(containing=f"{ref} is now: accepted")
    await expect_next_in_inbox(planner, None)
    await resident.expect_message(containing="有新进展：已受理")

    # from here every move is one tap on the reply to the one before (no /report needed)
    await planner.tap("📅 Planned")
    await planner.expect_message(containing="is now: planned")
    planned = await resident.expect_message(containing="已列入计划")
    assert "💬" not in planned.text

    await planner.tap("🔨 Work started")
    await planner.expect_message(containing="is now: in progress")
    await resident.expect_message(containing="处理中")
    await planner.tap("📣 Note for residents")
    await planner.expect_message(containing="type a note for the residents")
    await planner.send("Volunteers clear it on Saturday <9:00>")
    await planner.expect_message(containing="was sent to the residents")
    started = await resident.expect_message(containing="处理中")
    assert "Volunteers clear it on Saturday <9:00>" in started.text

    await planner.tap("✅ Resolved")  # the one stage that asks first: the "after" photo
    await planner.expect_message(containing="after")
    await resident.expect_no_message()
    await planner.send_photo(make_photo(seed=50), caption="All clear now")
    await planner.expect_message(containing="is now: resolved")
    resolved = await resident.expect_message(containing="已解决")
    assert "💬 规划师留言：All clear now" in resolved.text
    assert resolved.method == "sendPhoto", "the after photo, the notice as its caption"
    ask = await resident.expect_message(containing="您对处理结果满意吗")
    assert ask.buttons() == ["😊 满意", "🙂 基本满意", "😞 不满意", "❌ 没修好"]
    await resident.tap("😊 满意")
    thanks = await resident.expect_edit(containing="您的评价：😊 满意。谢谢！")
    assert thanks.message_id == ask.message_id, "the question becomes the answer"
    assert thanks.buttons() == []
    await resident.expect_message(containing="已办结")
    await resident.expect_no_message()

    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
        events = (await session.exec(select(ReportEvent).order_by(col(ReportEvent.id)))).all()
        after = (await session.exec(select(ReportPhoto).where(ReportPhoto.kind == "after"))).all()
    assert report.status == "closed"
    assert report.rating == "satisfied"
    assert report.department == "sanitation"
    assert [e.to_status for e in events] == [
        "submitted",
        "accepted",
        "planned",
        "in_progress",
        "in_progress",  # the note, at that stage
        "resolved",  # with the "after" photo and its caption as the note
        "closed",
    ]
    assert len(after) == 1
    statuses = [m.params["status"] for m in await sent_to(bot, resident.user_id, "status")]
    assert statuses == [
        "accepted",
        "planned",
        "in_progress",
        "in_progress",
        "resolved",
        "closed",
    ]
    await planner.send(f"/report {ref}")  # a closed report: its card, and no next stage
    closed = await expect_card(planner, f"{ref} · closed", photos=2)  # before and after
    assert closed.buttons() == []


async def test_duplicate_suggested_merged_and_both_hear_of_the_resolution(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person, alice: Person
) -> None:
    await onboard(resident)
    await onboard(alice, english=True)
    first = await submit(resident, seed=1)
    second = await submit(
        alice, seed=2, at=(31.20705, 121.42735), category="🗑 Litter and piled junk", english=True
    )
    await open_inbox(planner, first)
    await planner.tap("⏭ Skip")
    await planner.expect_message(containing="2 waiting")
    card = await expect_card(planner, second)
    assert "Likely duplicates" in card.text
    assert first in card.text
    await planner.tap(f"🔗 Merge into {first}")
    await planner.expect_message(containing=f"{second} was merged into {first}")
    await expect_next_in_inbox(planner, first)
    await alice.expect_message(containing=f"same problem as {first}")
    # resolve the root: both reporters hear it
    await open_report(planner, first)
    await accept(planner, first, department="🌳 Greening")
    await expect_next_in_inbox(planner, None)
    await to_resolved(planner, first)
    steps = [("已受理", "accepted"), ("已列入计划", "planned"), ("处理中", "in progress")]
    for chinese, english in [*steps, ("已解决", "resolved")]:  # both reporters hear each step
        await resident.expect_message(containing=f"有新进展：{chinese}")
        await alice.expect_message(containing=f"News on report {first}: {english}")
    assert len(await sent_to(bot, alice.user_id, "rate")) == 0  # only the reporter rates


async def test_merging_into_itself_or_its_duplicate_is_refused(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    first = await submit(resident, seed=1)
    await open_inbox(planner, first)
    await planner.tap("🔗 Merge by reference")
    await planner.expect_message(containing="type the reference")
    await planner.send(first)
    await planner.expect_message(containing="cannot be merged into itself")


async def test_two_planners_racing_on_one_report(
    bot: Bot, sandbox: Sandbox, admin: Person, resident: Person
) -> None:
    li = sandbox.person(user_id=3001, first_name="Li", language_code="en")
    wu = sandbox.person(user_id=3002, first_name="Wu", language_code="en")
    await make_planner(admin, li)
    await make_planner(admin, wu)
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await open_inbox(li, ref)
    await open_inbox(wu, ref)
    await li.tap("✅ Accept")
    await li.expect_edit()
    await li.tap("🧹 Sanitation")
    await li.expect_message(containing="is now: accepted")
    await wu.tap("✖ Decline")
    answer = await wu.expect_callback_answer()
    assert "already handled by Li" in (answer.text or "")
    await resident.expect_message(containing="已受理")
    await resident.expect_no_message()
    assert len(await sent_to(bot, resident.user_id, "status")) == 1


async def test_needs_info_round_trip(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await open_inbox(planner, ref)
    await planner.tap("❓ Needs info")
    await planner.expect_message(containing="type your question")
    await planner.send_sticker()  # not an answer: asked again, the question stays open
    await planner.expect_message(containing="Please answer with text")
    await planner.send("Which building is it behind?")
    await planner.expect_message(containing="is now: needs more information")
    await planner.expect_message(containing="inbox is empty")
    question = await resident.expect_message(containing="待补充信息")
    assert "Which building is it behind?" in question.text
    await resident.send("12号楼后面")
    await resident.expect_message(containing="您的回复已加到")
    await planner.expect_message(containing=f"answered your question on {ref}")
    await open_inbox(planner, ref)


async def test_low_rating_reopens_and_tells_planners(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await resolve_one(planner, resident)
    await resident.expect_message(containing="您对处理结果满意吗")
    await resident.tap("😞 不满意")
    await resident.expect_edit(containing="您的评价：😞 不满意。")
    await planner.expect_message(containing=f"answered “😞 Not satisfied” on {ref}")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
    assert report.status == "reopened"


async def resolve_one(planner: Person, resident: Person) -> str:
    ref = await submit(resident, seed=1)
    await open_inbox(planner, ref)
    await accept(planner, ref)
    await expect_next_in_inbox(planner, None)
    await to_resolved(planner, ref)
    for status in ("已受理", "已列入计划", "处理中", "已解决"):  # the reporter hears each step
        await resident.expect_message(containing=f"有新进展：{status}")
    return ref


async def run_job(bot: Bot, name: str) -> None:
    assert bot.application is not None
    assert bot.application.job_queue is not None
    (job,) = bot.application.job_queue.get_jobs_by_name(name)
    await job.run(bot.application)


async def test_no_answer_in_seven_days_closes_it(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await resolve_one(planner, resident)
    await resident.expect_message(containing="您对处理结果满意吗")
    bot.clock.advance(days=6)
    await run_job(bot, AUTO_CLOSE_JOB)
    await resident.expect_no_message()
    await bot.restart()  # the schedule survives: it is derived from rows
    bot.clock.advance(days=1, minutes=1)
    await run_job(bot, AUTO_CLOSE_JOB)
    await resident.expect_message(containing="已办结")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
    assert report.status == "closed"
    assert report.rating is None


async def test_morning_message_lists_overdue_reports(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await run_job(bot, MORNING_JOB)
    await planner.expect_no_message()
    bot.clock.advance(hours=49)
    await run_job(bot, MORNING_JOB)
    morning = await planner.expect_message(containing="Good morning")
    assert ref in morning.text
    await run_job(bot, MORNING_JOB)  # once a day
    await planner.expect_no_message()


async def test_notifications_survive_429_bursts_exactly_once(
    bot: Bot, sandbox: Sandbox, planner: Person
) -> None:
    residents = [
        sandbox.person(user_id=5000 + n, first_name=f"R{n}", language_code="zh-hans")
        for n in range(4)
    ]
    refs = []
    for n, person in enumerate(residents):
        await onboard(person)
        refs.append(await submit(person, seed=n, at=(31.2069 + n * 0.0001, 121.4273)))
    root = refs[0]
    for ref in refs[1:]:
        await open_report(planner, ref)
        await planner.tap("🔗 Merge by reference")
        await planner.expect_message(containing="type the reference")
        await planner.send(root)
        await planner.expect_message(containing=f"was merged into {root}")
        await expect_next_in_inbox(planner, root)  # the oldest waiting is the root
    for person in residents[1:]:
        await person.expect_message(containing="已合并")
    # Telegram pushes back on the notifications: two 429s per resident (the rate limiter's
    # own retries absorb them), and five for one resident (beyond them: the outbox postpones
    # that row by retry_after and sends it later).
    for n, person in enumerate(residents):
        count = 5 if n == 0 else 2
        sandbox.fail_next(
            "sendMessage", error_code=429, retry_after=1, count=count, chat_id=person.user_id
        )
    await open_report(planner, root)
    await planner.tap("✅ Accept")
    await planner.expect_edit()
    await planner.tap("🧹 Sanitation")
    await planner.expect_message(containing="is now: accepted")
    for person in residents:
        await person.expect_message(containing="已受理", timeout=20)
    for person in residents:
        await person.expect_no_message()
        rows = await sent_to(bot, person.user_id, "status")
        assert [r.status for r in rows if r.params["status"] == "accepted"] == ["sent"]
    first = (await sent_to(bot, residents[0].user_id, "status"))[-1]
    assert "retry" in first.last_error.lower(), "that row went through the outbox's postpone"


async def test_stats_and_export_for_planners(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await submit(resident, seed=1)
    await planner.send("/stats")
    stats = await planner.expect_message(containing="Last 30 days")
    assert "1 report received" in stats.text
    await planner.send("/export")
    document = await planner.expect_message(containing="1 report (no personal data)")
    assert document.method == "sendDocument"


async def test_a_forgotten_question_does_not_swallow_later_messages(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    await open_inbox(planner, ref)
    await planner.tap("❓ Needs info")
    await planner.expect_message(containing="type your question")
    await planner.send("/cancel")
    await planner.expect_message(containing="Cancelled")
    await planner.send("hello")  # not taken as the question: the resident flow answers
    await planner.expect_message(containing="I didn't catch that")
    await planner.tap_data("t:1:1:ni")
    await planner.expect_message(containing="type your question")
    bot.clock.advance(minutes=31)
    await planner.send("hello again")
    await planner.expect_message(containing="I didn't catch that")
    async with bot.session() as session:
        report = (await session.exec(select(Report))).one()
    assert report.status == "submitted"


async def test_decline_with_a_template_or_a_typed_reason(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    first = await submit(resident, seed=1)
    second = await submit(resident, seed=2, at=(31.2080, 121.4280))
    await open_inbox(planner, first)
    await planner.tap("✖ Decline")
    await planner.expect_edit()
    await planner.tap("↩ Back")
    restored = await planner.expect_edit()
    assert "✅ Accept" in restored.buttons()
    await planner.tap("✖ Decline")
    await planner.expect_edit()
    await planner.tap("This place is private property; its owner has to act.")
    await planner.expect_message(containing=f"{first} is now: declined")
    declined = await resident.expect_message(containing="未采纳")
    assert "这里是私人的地方" in declined.text  # the template, in the community's language
    await expect_next_in_inbox(planner, second)
    await planner.tap("✖ Decline")
    await planner.expect_edit()
    await planner.tap("✏ Type a reason")
    await planner.expect_message(containing="type the reason")
    await planner.send("Caojiadu handles this one; please report it there.")
    await planner.expect_message(containing=f"{second} is now: declined")
    await expect_next_in_inbox(planner, None)
    typed = await resident.expect_message(containing="未采纳")
    assert "Caojiadu handles this one" in typed.text


async def test_the_morning_list_is_caught_up_after_a_late_start(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=1)
    bot.clock.advance(hours=49)  # now past 08:30 local, and the report is overdue
    await bot.restart()  # down at the morning time: the start-up schedules a catch-up
    await run_job(bot, MORNING_CATCH_UP_JOB)
    morning = await planner.expect_message(containing="Good morning")
    assert ref in morning.text
    await run_job(bot, MORNING_JOB)  # the regular run that day sends nothing more
    await planner.expect_no_message()


async def test_a_template_reason_reaches_each_resident_in_their_language(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person, alice: Person
) -> None:
    await onboard(resident)
    await onboard(alice, english=True)
    first = await submit(resident, seed=1)
    second = await submit(
        alice, seed=2, at=(31.2080, 121.4280), category="🗑 Litter and piled junk", english=True
    )
    await open_inbox(planner, first)
    await planner.tap("⏭ Skip")
    await expect_next_in_inbox(planner, second)
    await planner.tap("✖ Decline")
    await planner.expect_edit()
    await planner.tap("This place is private property; its owner has to act.")
    await planner.expect_message(containing=f"{second} is now: declined")
    declined = await alice.expect_message(containing="declined")
    assert "This place is private property; its owner has to act." in declined.text
    assert "私人的地方" not in declined.text
    await alice.send("/myreports")
    await alice.expect_message(containing="You have 1 report")
    await alice.tap(f"{second} · declined")
    history = await alice.expect_message(containing="History")
    assert history.photo, "the report's photo, its history as the caption"
    assert history.text.startswith(second)
    assert "private property" in history.text
    async with bot.session() as session:
        event = (
            await session.exec(select(ReportEvent).where(ReportEvent.to_status == "declined"))
        ).one()
    assert (event.decline_reason, event.public_note) == ("private_property", "")
