"""Volunteer events (issue 15) through the sandbox: an event created in one line and by the
wizard, bad fields refused with the field named, an event filling up, the waitlist and its
promotion on a cancellation, a sign-up twice and after the start, the menu's list."""

from __future__ import annotations

from sqlmodel import select

from botapi_sandbox import Person, Sandbox
from storage.event_models import EventSignup
from tests.conversation.conftest import Bot, onboard

ONE_LINE = "/event xinhua-road | 3 号楼后墙墙绘 | 2026-12-05 09:00 | 3h | 3 号楼后墙 | {capacity}"


async def publish_one_line(planner: Person, *, capacity: int = 20, residents: int = 1) -> None:
    await planner.send(ONE_LINE.format(capacity=capacity))
    preview = await planner.expect_message(containing="3 号楼后墙墙绘")
    assert "When: 2026-12-05 09:00, about 3 h" in preview.text
    assert f"Places: {capacity}" in preview.text
    plural = "" if residents == 1 else "s"
    assert f"invites {residents} resident{plural} and" in preview.text
    await planner.tap("✅ Publish")
    await planner.expect_message(containing="is published")


async def test_an_event_in_one_line_goes_to_residents_and_committee_chats(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    group = sandbox.group(chat_id=-100801, title="新华路议事会")
    await group.member(planner).send("/link committee xinhua-road")
    await group.expect_message(containing="本群已关联为 新华路社区 的议事群")
    await onboard(resident)
    await publish_one_line(planner)
    invite = await resident.expect_message(containing="3 号楼后墙墙绘")
    assert "2026-12-05 09:00 · 3 号楼后墙" in invite.text
    assert invite.buttons() == ["🙋 报名"]
    shared = await group.expect_message(containing="3 号楼后墙墙绘")
    assert "🙋 活动" in shared.text, "the chat is told where to sign up"
    assert shared.buttons() == ["🙋 报名"], "members sign up from the chat too"
    await resident.tap("🙋 报名")
    signed = await resident.expect_message(containing="✅ 您已报名")
    assert "已报名 1/20 人" in signed.text
    neighbour = sandbox.person(user_id=1005, first_name="老周", language_code="zh-hans")
    await group.member(neighbour).tap("🙋 报名", message=shared)
    answer = await group.expect_callback_answer(containing="您已报名")
    assert "2/20 人" in (answer.text or "")
    await group.expect_no_message()  # the answer is the presser's pop-up, not a group message
    await group.member(resident).tap("🙋 报名", message=shared)
    again = await group.expect_callback_answer(containing="您已经报过名了")
    assert "2/20 人" in (again.text or "")
    await planner.expect_no_message()


async def test_bad_fields_are_refused_with_the_field_named(bot: Bot, planner: Person) -> None:
    lines = {
        "/event xinhua-road | 墙绘 | 2026-12-05 09:00 | 3h | 后墙 | 0": "Capacity:",
        "/event xinhua-road | 墙绘 | 2026-10-05 09:00 | 3h | 后墙 | 20": "Start: that time",
        "/event nowhere | 墙绘 | 2026-12-05 09:00 | 3h | 后墙 | 20": "Community:",
        "/event xinhua-road | 墙绘 | 2026-12-05 09:00 | soon | 后墙 | 20": "Duration:",
        "/event xinhua-road | 墙绘 | 2026-12-05 09:00 | 3h": "Usage:",
    }
    for line, field in lines.items():
        await planner.send(line)
        await planner.expect_message(containing=field)
    await planner.expect_no_message()


async def test_an_event_by_the_wizard_with_notes_and_a_landmark(
    bot: Bot, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await planner.send("/event")
    await planner.expect_message(containing="What is its title?")
    await planner.send("花园除草")
    await planner.expect_message(containing="When does it start?")
    await planner.send("明天早上")
    await planner.expect_message(containing="Start: please write it as 2026-12-05 09:00")
    await planner.send("2026-12-12 09:00")
    await planner.expect_message(containing="How long is it?")
    await planner.send("90m")
    await planner.expect_message(containing="Where?")
    await planner.send("番禺路口街心花园")
    await planner.expect_message(containing="How many places?")
    await planner.send("0")
    await planner.expect_message(containing="Capacity: a whole number")
    await planner.send("8")
    preview = await planner.expect_message(containing="花园除草")
    assert "about 1.5 h" in preview.text
    await planner.send("手套和旧衣服")
    preview = await planner.expect_message(containing="Bring: 手套和旧衣服")
    await planner.tap("✅ Publish")
    await planner.expect_message(containing="is published")
    invite = await resident.expect_message(containing="花园除草")
    assert "番禺路口街心花园" in invite.text, "the landmark's name in the resident's language"
    assert "请带：手套和旧衣服" in invite.text
    await planner.tap("✅ Publish", message=preview)  # the old preview again
    await planner.expect_callback_answer(containing="already")
    await resident.expect_no_message()


async def test_an_event_fills_up_and_a_cancellation_promotes_the_waitlist(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    neighbour = sandbox.person(user_id=1003, first_name="张叔叔", language_code="zh-hans")
    await onboard(resident)
    await onboard(neighbour)
    await publish_one_line(planner, capacity=1, residents=2)
    for person in (resident, neighbour):
        await person.expect_message(containing="3 号楼后墙墙绘")
    await resident.tap("🙋 报名")
    await resident.expect_message(containing="✅ 您已报名")
    await neighbour.tap("🙋 报名")
    waiting = await neighbour.expect_message(containing="名额已满，您在候补第 1 位")
    assert waiting.buttons() == ["取消报名"]

    # signing up twice changes nothing
    invite = resident.messages[-2]
    await resident.tap("🙋 报名", message=invite)
    await resident.expect_message(containing="您已经报过名了")
    async with bot.session() as session:
        rows = (await session.exec(select(EventSignup.status))).all()
    assert sorted(rows) == ["confirmed", "waitlisted"]

    # the menu shows where each stands
    await neighbour.tap("🙋 活动")
    listed = await neighbour.expect_message(containing="近期活动")
    assert "1/1 人 · ⏳ 候补第 1 位" in listed.text
    assert listed.buttons() == ["取消报名：3 号楼后墙墙绘"]

    await resident.tap("取消报名")
    cancelled = await resident.expect_message(containing="您已取消报名")
    assert cancelled.buttons() == ["🙋 报名"]
    promoted = await neighbour.expect_message(containing="您已从候补转为报名")
    assert promoted.buttons() == ["取消报名"]
    await resident.tap("🙋 报名")
    await resident.expect_message(containing="名额已满，您在候补第 1 位")

    # after the start nobody signs up or cancels
    bot.clock.advance(days=34)
    await neighbour.tap("取消报名", message=promoted)
    await neighbour.expect_callback_answer(containing="活动已经开始了")
    await neighbour.tap("🙋 活动")
    await neighbour.expect_message(containing="最近没有活动")


async def test_an_event_carries_out_an_item_of_the_latest_closed_ballot(
    bot: Bot, planner: Person
) -> None:
    """ "rank 2" while the event is drawn up links the item the residents ranked second in
    the community's latest closed ballot; a rank no closed ballot has is refused."""
    from storage.ballot_models import Ballot, BallotItem, BallotStatus
    from storage.event_models import Event
    from storage.models import Community
    from storage.models import Person as PersonRow
    from tests.factories import NOW

    async with bot.session() as session:
        xinhua = (
            await session.exec(select(Community).where(Community.slug == "xinhua-road"))
        ).one()
        li = (await session.exec(select(PersonRow).where(PersonRow.telegram_id == 3001))).one()
        assert xinhua.id is not None
        assert li.id is not None
        ballot = Ballot(
            community_id=xinhua.id,
            author_id=li.id,
            title="2027 第一批",
            status=BallotStatus.CLOSED,
            created_at=NOW,
            closed_at=NOW,
        )
        session.add(ballot)
        await session.flush()
        assert ballot.id is not None
        for position, (text, rank) in enumerate((("修长椅", 2), ("墙绘", 1)), start=1):
            session.add(BallotItem(ballot_id=ballot.id, position=position, text=text, rank=rank))

    await planner.send(ONE_LINE.format(capacity=20))
    await planner.expect_message(containing="3 号楼后墙墙绘")
    await planner.send("rank 7")
    await planner.expect_message(containing="Ballot: no closed ballot")
    await planner.send("rank 2")
    preview = await planner.expect_message(containing="3 号楼后墙墙绘")
    assert "Ballot: rank 2 of “2027 第一批”: 修长椅" in preview.text
    async with bot.session() as session:
        event = (await session.exec(select(Event))).one()
        item = await session.get(BallotItem, event.ballot_item_id)
    assert item is not None
    assert item.text == "修长椅"
