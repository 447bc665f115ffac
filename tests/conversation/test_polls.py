"""Co-design polls (issue 14): /poll in one line and by wizard, native polls to residents and
committee chats, votes added up across copies, closing by itself with a chart, /polls."""

from __future__ import annotations

from sqlmodel import select

from bot.poll_jobs import job_name
from botapi_sandbox import Group, Person, Sandbox, make_photo
from storage.poll_models import Poll, PollCopy
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_triage import run_job

ONE_LINE = "/poll xinhua-road | 小花园叫什么名字？ | 桂花角 | 邻里院 | 向阳坊 | multi"


def person(sandbox: Sandbox, user_id: int, name: str, language: str = "zh-hans") -> Person:
    return sandbox.person(user_id=user_id, first_name=name, language_code=language)


async def linked_committee(sandbox: Sandbox, planner: Person) -> Group:
    group = sandbox.group(chat_id=-100800, title="新华路议事会")
    await group.member(planner).send("/link committee xinhua-road")
    await group.expect_message(containing="本群已关联")
    return group


async def the_poll(bot: Bot) -> Poll:
    async with bot.session() as session:
        poll: Poll = (await session.exec(select(Poll))).one()
    return poll


async def test_a_one_line_poll_counts_votes_across_copies_and_closes_after_a_restart(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person, alice: Person
) -> None:
    bob = person(sandbox, 1003, "老周")
    outsider = person(sandbox, 1004, "小陈")
    await onboard(resident)
    await onboard(alice, english=True)
    await onboard(bob)
    await onboard(outsider, community="曹家渡社区")
    group = await linked_committee(sandbox, planner)

    await planner.send(ONE_LINE)
    control = await planner.expect_message(containing="小花园叫什么名字？")
    assert "To: Xinhua Road Community: 3 residents + 1 group" in control.text
    assert "Several answers" in control.text
    await resident.expect_no_message()  # nothing goes out before Send
    await planner.tap("⏱ 7 days")
    await planner.expect_edit(containing="closes after 14 days")
    await planner.tap("⏱ 14 days")
    await planner.expect_edit(containing="closes after 1 day")
    await planner.tap("📨 Send (4)")
    await planner.expect_edit(containing="Poll sent to 4 chats")

    copies = {}
    for someone in (resident, alice, bob):
        copies[someone.first_name] = await someone.expect_message(containing="小花园叫什么名字？")
    in_group = await group.expect_message(containing="小花园叫什么名字？")
    assert copies["王阿姨"].data["poll"]["allows_multiple_answers"]
    assert not copies["王阿姨"].data["poll"]["is_anonymous"]
    await outsider.expect_no_message()

    await resident.vote(copies["王阿姨"], [0])
    await resident.vote(copies["王阿姨"], [1, 2])  # changed: counts once, the latest choice
    await alice.vote(copies["Alice"], [1])
    await bob.vote(copies["老周"], [0])
    await bob.vote(copies["老周"], [])  # retracted
    await group.member(outsider).vote(in_group, [0])
    await group.member(alice).vote(in_group, [1])  # same answer again
    await sandbox.settle()

    await planner.send("/polls")
    listing = await planner.expect_message(containing="2 voters")
    assert "桂花角: 0" in listing.text
    assert "邻里院: 2" in listing.text
    assert "向阳坊: 1" in listing.text

    await bot.restart()
    bot.clock.advance(days=1, seconds=1)
    poll = await the_poll(bot)
    assert poll.id is not None
    await run_job(bot, job_name(poll.id))
    result = await resident.expect_message(containing="投票结果")
    assert result.photo, "the result comes with its bar chart"
    assert "邻里院（2 票）" in result.text
    english = await alice.expect_message(containing="Poll result")
    assert "2 voters" in english.text
    await group.expect_message(containing="投票结果")
    await bob.expect_no_message()  # retracted: not a voter
    await outsider.expect_no_message()
    async with bot.session() as session:
        stopped = (await session.exec(select(PollCopy))).all()
    assert len(stopped) == 4
    assert all(c.stopped_at is not None for c in stopped)
    assert (
        sandbox.find_chat(resident.chat_id)
        .messages[copies["王阿姨"].message_id]
        .data["poll"]["is_closed"]
    )
    closed = await the_poll(bot)
    assert closed.result == [0, 2, 1]
    assert closed.voters == 2


async def test_anonymous_poll_adds_up_each_copy_s_totals(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person, alice: Person
) -> None:
    await onboard(resident)
    await onboard(alice, english=True)
    group = await linked_committee(sandbox, planner)
    await planner.send("/poll xinhua-road | Which design? | A | B | anonymous | 3d")
    await planner.expect_message(containing="anonymous · closes after 3 days")
    await planner.tap("📨 Send (3)")
    await planner.expect_edit(containing="Poll sent")
    mine = await resident.expect_message(containing="Which design?")
    hers = await alice.expect_message(containing="Which design?")
    shared = await group.expect_message(containing="Which design?")
    await resident.vote(mine, [0])
    await alice.vote(hers, [1])
    await alice.vote(hers, [0])
    await group.member(resident).vote(shared, [1])
    await sandbox.settle()
    poll = await the_poll(bot)
    assert poll.id is not None
    bot.clock.advance(days=3, seconds=1)
    await run_job(bot, job_name(poll.id))
    await resident.expect_message(containing="投票结果")
    await alice.expect_message(containing="3 voters")
    await group.expect_message(containing="投票结果")
    assert (await the_poll(bot)).result == [2, 1]


async def test_a_wizard_poll_with_pictures_goes_out_after_its_album(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await planner.send("/poll")
    await planner.expect_message(containing="Please send the question")
    await planner.send("选哪个设计？")
    await planner.expect_message(containing="one per line")
    await planner.send("方案一\n方案二")
    await planner.expect_message(containing="选哪个设计？")
    await planner.send_album([make_photo(seed=70), make_photo(seed=71)])
    control = await planner.expect_message(containing="2 pictures first")
    await planner.tap("📨 Send (1)", message=control)
    await planner.expect_edit(containing="Poll sent to 1 chat")
    album = [await resident.expect_message() for _ in range(2)]
    assert all(m.photo and m.media_group_id == album[0].media_group_id for m in album)
    native = await resident.expect_message(containing="选哪个设计？")
    assert [o["text"] for o in native.data["poll"]["options"]] == ["方案一", "方案二"]


async def test_over_long_poll_texts_are_refused_before_sending(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await planner.send(f"/poll xinhua-road | {'问' * 305} | A | B")
    await planner.expect_message(containing="The question is 5 characters too long")
    await planner.send(f"/poll xinhua-road | Name? | A | {'b' * 103}")
    await planner.expect_message(containing="The option 2 is 3 characters too long")
    options = " | ".join(str(i) for i in range(13))
    await planner.send(f"/poll xinhua-road | Name? | {options}")
    await planner.expect_message(containing="at most 12 options")
    await planner.send("/poll xinhua-road | Name? | only one")
    await planner.expect_message(containing="at least 2 options")
    await resident.expect_no_message()
    async with bot.session() as session:
        assert (await session.exec(select(Poll))).all() == []


async def test_send_pressed_twice_sends_once(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await planner.send("/poll xinhua-road | Name? | A | B")
    control = await planner.expect_message(containing="Name?")
    await planner.tap("📨 Send (1)", message=control)
    await planner.tap("📨 Send (1)", message=control)
    await planner.expect_callback_answer(containing="sent already")
    await resident.expect_message(containing="Name?")
    await resident.expect_no_message()


async def test_a_resident_who_turned_polls_off_gets_none(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    await resident.send("/settings")
    await resident.expect_message(containing="社区投票：接收")
    await resident.tap("🔕 不再接收投票")
    await resident.expect_edit(containing="社区投票：不接收")
    await planner.send("/poll xinhua-road | Name? | A | B")
    await planner.expect_message(containing="0 residents + 0 groups")
