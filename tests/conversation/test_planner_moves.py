"""Issue 12, the planner: the whole picture (`/reports`), one tap per move, moves a real
workflow needs (step back, decline after acceptance, notes, category and place), nothing
stuck unseen, and invites as the README says; through the sandbox."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.jobs import MORNING_JOB
from botapi_sandbox import Person, Sandbox, make_photo
from handlers import reports
from handlers.buttons_reports import ReportsPage
from storage.export import export_rows
from storage.listing import ReportFilter
from storage.models import OutboxMessage, Report, ReportEvent, ReportNote
from tests.conversation.conftest import Bot, make_planner, onboard
from tests.conversation.test_triage import (
    accept,
    expect_card,
    expect_next_in_inbox,
    open_inbox,
    open_report,
    run_job,
    submit,
)

CAOJIADU = (31.2291, 121.4312)


async def accepted(planner: Person, resident: Person, *, seed: int = 1) -> str:
    """A resident reports a corner and the planner accepts it from the inbox."""
    ref = await submit(resident, seed=seed)
    await open_inbox(planner, ref)
    await accept(planner, ref)
    await planner.expect_edit()  # the card's buttons are gone
    await expect_next_in_inbox(planner, None)
    await resident.expect_message(containing="已受理")
    return ref


async def report_row(bot: Bot, ref: str) -> Report:
    async with bot.session() as session:
        report: Report | None = await session.get(Report, int(ref[2:]))
    assert report is not None
    return report


async def test_reports_filters_pages_and_opens_a_card(
    bot: Bot,
    sandbox: Sandbox,
    admin: Person,
    planner: Person,
    resident: Person,
    alice: Person,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reports, "PAGE_SIZE", 2)
    await onboard(resident)
    first = await accepted(planner, resident)
    second = await submit(resident, seed=2, at=(31.2080, 121.4280))
    third = await submit(resident, seed=3, at=(31.2090, 121.4290), category="🧱 墙面与外立面")
    await onboard(alice, english=True, community="Caojiadu Community")
    elsewhere = await submit(
        alice, seed=4, at=CAOJIADU, category="🗑 Litter and piled junk", english=True
    )

    await planner.send("/reports")  # newest first, two a page, only Li's community
    listing = await planner.expect_message(containing="3 reports · page 1 of 2")
    assert listing.buttons()[:3] == [f"{third} · submitted", f"{second} · submitted", "Next ▶"]
    assert "Community ▾" not in listing.buttons(), "one community: no community filter"
    await planner.tap("Next ▶")
    page2 = await planner.expect_edit(containing="page 2 of 2")
    await planner.tap_data(ReportsPage(2, ReportFilter()).encode())  # again: shows already
    await planner.expect_callback_answer()
    await planner.expect_no_message()
    assert page2.buttons()[:2] == [f"{first} · accepted", "◀ Previous"]
    await planner.tap("↕ Newest first")  # oldest first, from page 1
    oldest = await planner.expect_edit(containing="page 1 of 2")
    assert oldest.buttons()[:2] == [f"{first} · accepted", f"{second} · submitted"]

    await planner.tap("Status ▾")
    menu = await planner.expect_edit()
    assert menu.buttons()[:2] == ["Any", "submitted"]
    await planner.tap("accepted")
    only = await planner.expect_edit(containing="1 report · accepted")
    assert only.buttons()[0] == f"{first} · accepted"
    await planner.tap(f"{first} · accepted")  # one tap: the card
    card = await expect_card(planner, first)
    assert "📅 Planned" in card.buttons()

    await planner.send("/reports category=walls")  # typed filters
    walls = await planner.expect_message(containing="1 report · 🧱 Walls and facades")
    assert walls.buttons()[0] == f"{third} · submitted"
    await planner.send("/reports department=sanitation oldest")
    await planner.expect_message(containing="1 report · 🧹 Sanitation")
    await planner.send("/reports overdue")
    none = await planner.expect_message(containing="0 reports · ⏰ overdue")
    assert "None fits" in none.text
    await planner.send("/reports community=caojiadu")  # not Li's community
    await planner.expect_message(containing="None of your communities is called")
    await planner.send("/reports colour=red")
    usage = await planner.expect_message(containing="Usage")
    assert "in_progress" in usage.text

    await admin.send("/reports")  # every community, with a community filter
    everything = await admin.expect_message(containing="4 reports")
    assert "Community ▾" in everything.buttons()
    await admin.send("/reports community=caojiadu")
    theirs = await admin.expect_message(containing="1 report · Caojiadu Community")
    assert theirs.buttons()[0] == f"{elsewhere} · submitted"

    await resident.send("/reports")
    await resident.expect_message(containing="没有权限")
    await resident.tap_data("rl:1:0:0:0:0:0:n")
    answer = await resident.expect_callback_answer()
    assert "没有权限" in (answer.text or "")


async def test_each_move_is_one_tap(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    """Planned and work started are one tap each, on the reply to the move before; resolved
    is one tap and the "after" photo, which then reaches the resident with the notice."""
    await onboard(resident)
    ref = await accepted(planner, resident)
    before = len(sandbox.transcript().splitlines())
    for stage, status in (("📅 Planned", "planned"), ("🔨 Work started", "in progress")):
        await planner.tap(stage)  # on the reply to the move before: no /report, no "no note"
        await planner.expect_edit()  # its buttons are gone
        await planner.expect_message(containing=f"{ref} is now: {status}")
    await planner.tap("✅ Resolved")
    await planner.expect_message(containing="after")
    await planner.send_photo(make_photo(seed=31))
    await planner.expect_message(containing=f"{ref} is now: resolved")
    for chinese in ("已列入计划", "处理中"):
        await resident.expect_message(containing=chinese)
    resolved = await resident.expect_message(containing="已解决")
    assert resolved.photo, "the after photo comes with the resolved notice"
    await resident.expect_message(containing="您对处理结果满意吗")
    lines = sandbox.transcript().splitlines()[before:]
    taps = [line for line in lines if line.startswith(("Li taps", "Li: "))]
    assert len(taps) == 4, taps  # accepted -> resolved: three taps and the photo
    assert (await report_row(bot, ref)).status == "resolved"


async def test_step_back_and_decline_after_acceptance(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await accepted(planner, resident)
    await planner.tap("📅 Planned")
    await planner.expect_edit()
    await planner.expect_message(containing="is now: planned")
    await resident.expect_message(containing="已列入计划")
    await planner.tap("↩ Step back")
    await planner.expect_message(containing=f"{ref} → back to accepted")
    await planner.send("The contractor cancelled; we look for another.")
    await planner.expect_message(containing=f"{ref} is now: accepted")
    back = await resident.expect_message(containing="已受理")
    assert "The contractor cancelled" in back.text
    await planner.tap("✖ Decline")
    await planner.expect_edit()
    await planner.tap("↩ Back")  # the card's own buttons again, not the inbox's
    restored = await planner.expect_edit()
    assert "📅 Planned" in restored.buttons()
    assert "✅ Accept" not in restored.buttons()
    await planner.tap("✖ Decline")
    await planner.expect_edit()
    await planner.tap("This place is private property; its owner has to act.")
    await planner.expect_edit()
    declined = await planner.expect_message(containing=f"{ref} is now: declined")
    assert declined.buttons() == []
    told = await resident.expect_message(containing="未采纳")
    assert "私人的地方" in told.text
    await planner.expect_no_message()  # no inbox card: it did not come from the inbox
    async with bot.session() as session:
        events = (await session.exec(select(ReportEvent).order_by(col(ReportEvent.id)))).all()
    assert [(e.from_status, e.to_status) for e in events][1:] == [
        ("submitted", "accepted"),
        ("accepted", "planned"),
        ("planned", "accepted"),
        ("accepted", "declined"),
    ]
    assert events[-1].decline_reason == "private_property"


async def test_internal_notes_stay_internal(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    secret = "Owner of shop 3 is difficult; call the street office first"
    await onboard(resident)
    ref = await accepted(planner, resident)
    await planner.tap("🔒 Internal note")
    await planner.expect_message(containing="Only planners will see it")
    await planner.send(secret)
    kept = await planner.expect_message(containing="Residents never see internal notes")
    assert "📅 Planned" in kept.buttons()
    await resident.expect_no_message()
    card = await open_report(planner, ref)  # planners see it on the card
    assert "Internal (planners only)" in card.text
    assert secret in card.text

    await resident.send("/myreports")
    await resident.expect_message(containing="您的报告共 1 份")
    await resident.tap(f"{ref} · 已受理")
    history = await resident.expect_message(containing="进展")
    assert "shop 3" not in history.text
    async with bot.session() as session:
        exported = await export_rows(session, community_id=None)
        outbox = (await session.exec(select(OutboxMessage))).all()
        notes = (await session.exec(select(ReportNote))).all()
        events = (await session.exec(select(ReportEvent))).all()
    assert [n.text for n in notes] == [secret]
    assert not any("shop 3" in str(value) for row in exported for value in row.values())
    assert not any("shop 3" in str(row.params) for row in outbox)
    assert not any("shop 3" in e.public_note + e.private_note for e in events)


async def test_category_and_place_change(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await accepted(planner, resident)
    await planner.tap("🏷 Category")
    menu = await planner.expect_edit()
    assert "🗑 Litter and piled junk" not in menu.buttons(), "not the category it has"
    await planner.tap("🧱 Walls and facades")
    await planner.expect_edit()
    await planner.expect_message(containing=f"{ref} is now in 🧱 Walls and facades")
    await planner.tap("📍 Place")
    await planner.expect_message(containing="send the new place as a map pin")
    await planner.send_location(31.2050, 121.4300)  # by the Panyu Road corner garden
    await planner.expect_message(containing=f"{ref} is now at: at Panyu Road corner garden")
    report = await report_row(bot, ref)
    assert (report.lat, report.lon, report.landmark_en) == (
        31.2050,
        121.4300,
        "Panyu Road corner garden",
    ), "a new pin is described by the landmark nearest it, not the old one"
    await planner.tap("📍 Place")
    await planner.expect_message(containing="or type a landmark")
    await planner.send("社区文化活动中心")  # a landmark by name: its point becomes the pin
    await planner.expect_message(containing=f"{ref} is now at:")
    report = await report_row(bot, ref)
    assert (report.lat, report.lon, report.landmark_zh) == (31.2079, 121.429, "社区文化活动中心")
    await planner.tap("📍 Place")
    await planner.expect_message(containing="or type a landmark")
    await planner.send("Behind building 12")
    await planner.expect_message(containing=f"{ref} is now at: Behind building 12")
    await resident.expect_no_message()  # planners' housekeeping: no notice
    report = await report_row(bot, ref)
    assert (report.category, report.address) == ("walls", "Behind building 12")
    assert (report.lat, report.lon) == (31.2079, 121.429), "words keep the pin for the map"
    card = await open_report(planner, ref)
    assert "place: 31.20790, 121.42900 → Behind building 12" in card.text
    assert "place: 31.20500, 121.43000 → 社区文化活动中心" in card.text
    assert "category:" not in card.text, "the card shows the newest three changes only"


async def test_reports_stuck_in_a_stage_are_on_the_morning_list(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await accepted(planner, resident)
    bot.clock.advance(days=6)
    await run_job(bot, MORNING_JOB)
    await planner.expect_no_message()  # accepted 6 days ago: within STALE_ACCEPTED_DAYS (7)
    bot.clock.advance(days=2)
    await run_job(bot, MORNING_JOB)
    morning = await planner.expect_message(containing="Good morning")
    assert f"Waiting too long in one stage: {ref} (accepted)" in morning.text
    assert "no first response" not in morning.text
    await planner.send("/reports overdue")
    late = await planner.expect_message(containing="1 report · ⏰ overdue")
    assert late.buttons()[0] == f"{ref} · accepted ⏰"


async def test_planners_invite_planners_to_their_own_community_only(
    bot: Bot, sandbox: Sandbox, admin: Person, planner: Person
) -> None:
    zhao = sandbox.person(user_id=3002, first_name="Zhao", language_code="en")
    await make_planner(planner, zhao)  # Li (a planner of Xinhua Road) invites Zhao there
    await planner.send("/invite planner caojiadu")
    await planner.expect_message(containing="not permitted")
    wu = sandbox.person(user_id=3003, first_name="Wu", language_code="en")
    await make_planner(admin, wu, community="caojiadu")  # an admin: any community
    await admin.send("/planners")
    listing = await admin.expect_message(containing="Xinhua Road Community (2): Li, Zhao")
    assert "Caojiadu Community (1): Wu" in listing.text


async def test_help_for_planners_lists_their_commands(
    bot: Bot, sandbox: Sandbox, planner: Person, alice: Person
) -> None:
    await planner.send("/help")
    await planner.expect_message(containing="How it works")
    extra = await planner.expect_message(containing="For planners")
    assert "/reports overdue" in extra.text
    for command in ("/notice", "/poll", "/ballot", "/panel", "/event", "/events", "/link"):
        assert command in extra.text, f"{command} is not in the planners' help"
    await onboard(alice, english=True)
    await alice.send("/help")
    await alice.expect_message(containing="How it works")
    await alice.expect_no_message()  # residents get only their help
