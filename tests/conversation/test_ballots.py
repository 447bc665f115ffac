"""Priority ballots (issue 14) through the sandbox: a panel joins by code, a ballot is drawn
up and opened, three voters score one item per message, the ballot closes (across a restart)
and the exact ranking goes to the voters and the committee chat; a non-member and forged
buttons are refused with the tally unchanged."""

from __future__ import annotations

from sqlmodel import col, func, select

from bot.ballot_jobs import job_name as ballot_job
from botapi_sandbox import Person, Sandbox, SentMessage
from storage.ballot_models import Ballot, BallotItem, BallotScore
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_triage import accept, open_inbox, open_report, run_job, submit

ONE_LINE = "/ballot xinhua-road | 2027 第一批 | 修长椅 | 加路灯 | 补花坛"


async def join_panel(planner: Person, member: Person) -> None:
    await planner.send("/invite panel xinhua-road")
    invite = await planner.expect_message(containing="/join ")
    code = invite.text.split("/join ", 1)[1].split()[0]
    await member.send(f"/join {code}")
    await member.expect_message(containing="评议小组")


async def open_panel_ballot(planner: Person) -> None:
    await planner.send(ONE_LINE)
    card = await planner.expect_message(containing="2027 第一批")
    assert "1. 修长椅" in card.text
    assert "Voters: all residents" in card.text
    await planner.tap("👥 Panel votes instead")
    card = await planner.expect_message(containing="Voters: the panel (3 members)")
    await planner.tap("▶ Open, closes in 3 days")
    await planner.expect_message(containing="is open: 3 invited")


async def score(voter: Person, item: SentMessage, urgency: int, importance: int) -> None:
    """On an item's message: tap both scores (each edits that message)."""
    await voter.tap(f"紧迫 {urgency}", message=item)
    edited = await voter.expect_edit(containing=f"紧迫：{urgency}")
    assert edited.message_id == item.message_id
    await voter.tap(f"重要 {importance}", message=item)
    edited = await voter.expect_edit(containing=f"重要：{importance}")
    assert edited.message_id == item.message_id


async def vote_all(voter: Person, scores: list[tuple[int, int]]) -> None:
    await voter.expect_message(containing="请您为2027 第一批打分")
    await voter.tap("▶ 开始打分")
    for position, (u, i) in enumerate(scores, start=1):
        item = await voter.expect_message(containing=f"第 {position}/3 项")
        assert f"已打分 {position - 1}/3 项" in item.text
        await score(voter, item, u, i)
        if position < len(scores):
            await voter.tap("下一项 ➡")


async def tally_rows(bot: Bot) -> list[tuple[int, int | None, int | None]]:
    async with bot.session() as session:
        rows = await session.exec(
            select(BallotScore.item_id, BallotScore.urgency, BallotScore.importance).order_by(
                col(BallotScore.id)
            )
        )
        return list(rows.all())


async def test_a_panel_ballot_round_ranks_exactly_and_closes_across_a_restart(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    a, b, c = (
        sandbox.person(user_id=4000 + n, first_name=name, language_code="zh-hans")
        for n, name in enumerate(["张", "刘", "陈"])
    )
    group = sandbox.group(chat_id=-100701, title="新华路议事会")
    await group.member(planner).send("/link committee xinhua-road")
    await group.expect_message(containing="本群已关联为 新华路社区 的议事群")
    for member in (a, b, c):
        await join_panel(planner, member)
    await onboard(resident)  # a resident, not on the panel
    await open_panel_ballot(planner)
    await resident.expect_no_message()

    # 修长椅: 3×3, 2×2, 1×1 -> 14/3; 加路灯: 3×2, 2×3 -> 6 (two voters);
    # 补花坛: 2×3, 3×2, 3×2 -> 6 (three voters): ties 加路灯 on the mean, more voters first
    await vote_all(a, [(3, 3), (3, 2), (2, 3)])
    await vote_all(b, [(2, 2), (2, 3), (3, 2)])
    await vote_all(c, [(1, 1)])
    await c.tap("下一项 ➡")
    await c.expect_message(containing="第 2/3 项")
    await c.tap("下一项 ➡")
    third = await c.expect_message(containing="第 3/3 项")
    await score(c, third, 3, 2)
    # a goes back and changes item 1: 2×2 instead of 3×3 -> (4 + 4 + 1) / 3
    await a.tap("⬅ 上一项")
    await a.expect_message(containing="第 2/3 项")
    await a.tap("⬅ 上一项")
    again = await a.expect_message(containing="第 1/3 项")
    assert "已打分 3/3 项" in again.text
    await score(a, again, 2, 2)

    # the non-member's tap on a voter's button is refused and counts nothing
    before = await tally_rows(bot)
    await resident.tap_data("bi:1:1")
    await resident.expect_callback_answer(containing="您不在这次投票的名单里")

    await bot.stop()  # down over the closing time
    bot.clock.advance(days=3, minutes=1)
    await bot.start()  # the closing job, derived from the row, runs at once
    expected = [
        "第 1 位：补花坛 · 6.00 分，3 人",
        "第 2 位：加路灯 · 6.00 分，2 人",
        "第 3 位：修长椅 · 3.00 分，3 人",
    ]
    for voter in (a, b, c):
        result = await voter.expect_message(containing="2027 第一批 结果")
        positions = [result.text.index(line) for line in expected]
        assert positions == sorted(positions), result.text
    shared = await group.expect_message(containing="2027 第一批 结果")
    assert expected[0] in shared.text
    await resident.expect_no_message()
    await bot.restart()
    await a.expect_no_message()
    async with bot.session() as session:
        ranks = (
            await session.exec(
                select(BallotItem.text, BallotItem.rank).order_by(col(BallotItem.position))
            )
        ).all()
    assert list(ranks) == [("修长椅", 3), ("加路灯", 2), ("补花坛", 1)]
    assert before == await tally_rows(bot)


async def test_forged_ballot_buttons_leave_the_tally_unchanged(
    bot: Bot, sandbox: Sandbox, planner: Person
) -> None:
    a, b, c = (
        sandbox.person(user_id=4100 + n, first_name=name, language_code="zh-hans")
        for n, name in enumerate(["张", "刘", "陈"])
    )
    for member in (a, b, c):
        await join_panel(planner, member)
    await open_panel_ballot(planner)
    await vote_all(a, [(3, 3)])
    for member in (b, c):
        await member.expect_message(containing="请您为2027 第一批打分")
    before = await tally_rows(bot)
    async with bot.session() as session:
        item_id = (await session.exec(select(func.min(BallotItem.id)))).one()
    forged = [
        (f"bs:1:{item_id}:u:7", "分数只能是 1、2 或 3"),
        (f"bs:1:{item_id}:i:0", "分数只能是 1、2 或 3"),
        (f"bs:1:{item_id + 99}:u:2", "这个按钮不属于这次投票"),
        (f"bs:2:{item_id}:u:2", "这个按钮不属于这次投票"),
        ("bi:1:9", "这个按钮不属于这次投票"),
    ]
    for data, answer in forged:
        await a.tap_data(data)
        await a.expect_callback_answer(containing=answer)
    # the planner is no panel member: not eligible
    await planner.tap_data(f"bs:1:{item_id}:u:2")
    await planner.expect_callback_answer(containing="not a voter on this ballot")
    # closed: a score after the closing time counts nothing
    async with bot.session() as session:
        ballot = await session.get(Ballot, 1)
        assert ballot is not None
        assert ballot.closes_at is not None
    bot.clock.advance(days=3, minutes=1)
    await bot.restart()
    await a.expect_message(containing="2027 第一批 结果")
    await a.tap_data(f"bs:1:{item_id}:u:1")
    await a.expect_callback_answer(containing="投票已经结束，没有记下")
    await a.expect_no_message()
    assert await tally_rows(bot) == before


async def test_typed_items_are_added_after_the_card_one_at_a_time(
    bot: Bot, planner: Person, resident: Person
) -> None:
    await planner.send("/ballot_add 修长椅")
    await planner.expect_message(containing="no ballot being drawn up")
    await planner.send("/ballot xinhua-road | 2027 第二批")
    await planner.expect_message(containing="2027 第二批")
    for n, item in enumerate(("修长椅", "加路灯"), start=1):
        await planner.send(f"/ballot_add {item}")
        card = await planner.expect_message(containing="2027 第二批")
        assert f"{n}. {item}" in card.text
    await planner.send("/ballot_add " + "字" * 301)
    await planner.expect_message(containing="at most 300 characters")
    await resident.send("/ballot_add 我也想加")
    await resident.expect_message(containing="没有权限")
    async with bot.session() as session:
        items = (await session.exec(select(BallotItem).order_by(col(BallotItem.position)))).all()
    assert [i.text for i in items] == ["修长椅", "加路灯"]


async def test_a_report_s_card_shows_its_rank_in_the_latest_closed_ballot(
    bot: Bot, planner: Person, resident: Person
) -> None:
    await onboard(resident)
    ref = await submit(resident, seed=3)
    await open_inbox(planner, ref)
    await accept(planner, ref)
    await planner.expect_message(containing="The inbox is empty")
    await resident.expect_message(containing="已受理")
    card = await open_report(planner, ref)
    assert "🗳" not in card.text, "on no closed ballot yet"

    await planner.send("/ballot xinhua-road | 2027 第一批 | 加路灯")
    draft = await planner.expect_message(containing="2027 第一批")
    (add,) = [label for label in draft.buttons() if label.startswith(f"➕ {ref}")]
    await planner.tap(add)
    await planner.expect_message(containing=f"2. {ref}")
    await planner.tap("▶ Open, closes in 3 days")
    await planner.expect_message(containing="is open: 1 invited")
    card = await open_report(planner, ref)
    assert "🗳" not in card.text, "an open ballot ranks nothing yet"

    # 加路灯 3×3 = 9, the report 1×2 = 2: the report comes second
    await resident.expect_message(containing="请您为2027 第一批打分")
    await resident.tap("▶ 开始打分")
    await score(resident, await resident.expect_message(containing="第 1/2 项"), 3, 3)
    await resident.tap("下一项 ➡")
    await score(resident, await resident.expect_message(containing="第 2/2 项"), 1, 2)
    bot.clock.advance(days=3, minutes=1)
    await run_job(bot, ballot_job(1))
    await resident.expect_message(containing="2027 第一批 结果")

    card = await open_report(planner, ref)
    assert "🗳 rank 2 (2027 第一批)" in card.text
