"""A department's working group (issue 13): a report accepted to a department reaches its
linked chat as a card; "received" and "done, with photo" reach the reporter like a planner's
moves; presses from elsewhere, stale cards and forged data are answered."""

from __future__ import annotations

from sqlmodel import col, select

from botapi_sandbox import Group, Person, Sandbox, make_photo
from storage.models import OutboxMessage, Report, ReportEvent, ReportPhoto
from storage.people import get_person
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_hearing_back import after_photo_file_id
from tests.conversation.test_triage import (
    accept,
    expect_card,
    expect_next_in_inbox,
    open_inbox,
    submit,
    to_stage,
)

RECEIVED, DONE, NOT_YET = "📥 已收到", "✅ 已完工，发照片", "↩ 还没完工"


async def link_sanitation(group: Group, planner: Person) -> None:
    await group.member(planner).send("/link department sanitation")
    await group.expect_message(containing="新华路社区 的 🧹 环卫部门 工作群")


async def routed(resident: Person, planner: Person, *, seed: int = 1) -> str:
    """The resident reports a corner; the planner accepts it to sanitation."""
    ref = await submit(resident, seed=seed)
    await open_inbox(planner, ref)
    await accept(planner, ref)
    await expect_next_in_inbox(planner, None)
    await resident.expect_message(containing=f"{ref} 有新进展：已受理")
    return ref


async def first_photo_file_id(bot: Bot, ref: str) -> str:
    async with bot.session() as session:
        photo = (
            await session.exec(
                select(ReportPhoto)
                .where(ReportPhoto.report_id == int(ref[2:]), ReportPhoto.kind == "before")
                .order_by(col(ReportPhoto.position))
            )
        ).first()
    assert photo is not None
    return str(photo.telegram_file_id)


async def moves(bot: Bot, ref: str) -> list[tuple[str | None, str, int | None]]:
    async with bot.session() as session:
        events = await session.exec(
            select(ReportEvent)
            .where(ReportEvent.report_id == int(ref[2:]))
            .order_by(col(ReportEvent.id))
        )
        return [(e.from_status, e.to_status, e.actor_id) for e in events.all()]


async def person_id(bot: Bot, person: Person) -> int | None:
    async with bot.session() as session:
        found = await get_person(session, telegram_id=person.user_id)
    return None if found is None else found.id


async def test_a_routed_report_is_received_and_done_by_its_department(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    group = sandbox.group(chat_id=-100800, title="环卫工作群")
    zhang = sandbox.person(user_id=5001, first_name="张师傅", language_code="zh-hans")
    wu = sandbox.person(user_id=5002, first_name="吴班长", language_code="zh-hans")
    await link_sanitation(group, planner)
    await onboard(resident)
    ref = await routed(resident, planner)

    card = await group.expect_message(containing=ref)
    assert card.method == "sendPhoto", "the report's first photo, the card its caption"
    assert await first_photo_file_id(bot, ref) in card.photo
    for fact in ("已受理", "🧹 环卫部门", "🗑 垃圾与杂物堆放", "📍 幸福小区 3 号楼附近，约 30 米"):
        assert fact in card.text, fact
    assert "🏘 新华路社区" in card.text
    assert card.buttons() == [RECEIVED]

    await group.member(zhang).tap(RECEIVED)
    await group.expect_callback_answer(containing=f"{ref} 已签收")
    received = await group.expect_edit(containing="📥 张师傅 已签收")
    assert "已列入计划" in received.text
    assert received.buttons() == [DONE], "the card's buttons follow the report"
    await resident.expect_message(containing=f"{ref} 有新进展：已列入计划")

    await group.member(wu).tap(DONE)
    await group.expect_callback_answer(containing="请回复这张卡片")
    asking = await group.expect_edit(containing="请回复这张卡片，发一张完工后的照片")
    assert asking.buttons() == [NOT_YET]
    await group.member(wu).send("修好了", reply_to=card)
    await group.expect_message(containing=f"{ref}：请回复一张完工后的照片")
    await group.member(wu).send_photo(make_photo(seed=60), reply_to=card)
    await group.expect_message(containing=f"✅ {ref} 已解决，照片已发给居民")
    done = await group.expect_edit(containing="✅ 吴班长 已完工（附照片）")
    assert "已解决" in done.text
    assert "📥 张师傅 已签收" in done.text
    assert done.buttons() == [], "nothing more to press"

    after_id = await after_photo_file_id(bot)
    notice = await resident.expect_message(containing=f"{ref} 有新进展：已解决")
    assert notice.method == "sendPhoto"
    assert after_id in notice.photo, "the department's photo, with the resolved notice"
    await resident.expect_message(containing="您对处理结果满意吗")
    await resident.expect_no_message()  # in_progress was passed through, not told
    await group.expect_no_message()

    # the planner sees who moved it, in the history and on the card
    zhang_id, wu_id = await person_id(bot, zhang), await person_id(bot, wu)
    assert (await moves(bot, ref))[2:] == [
        ("accepted", "planned", zhang_id),
        ("planned", "in_progress", wu_id),
        ("in_progress", "resolved", wu_id),
    ]
    await planner.send(f"/report {ref}")
    text = (await expect_card(planner, ref, photos=2)).text
    assert "🔒 department group: 📥 received by 张师傅" in text
    assert "🔒 department group: ✅ done by 吴班长 (with photo)" in text


async def test_presses_from_elsewhere_stale_cards_and_forged_data(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    group = sandbox.group(chat_id=-100801, title="环卫工作群")
    greening = sandbox.group(chat_id=-100802, title="绿化工作群")
    zhang = sandbox.person(user_id=5001, first_name="张师傅", language_code="zh-hans")
    await link_sanitation(group, planner)
    await greening.member(planner).send("/link department greening")
    await greening.expect_message(containing="🌳 绿化部门 工作群")
    await onboard(resident)
    ref = await routed(resident, planner)
    card = await group.expect_message(containing=ref)
    received_data = card.callback_data(RECEIVED)
    assert received_data is not None

    # the same press from another department's chat (and from a private chat) is refused
    await greening.member(zhang).tap_data(received_data)
    await greening.expect_callback_answer(containing=f"这个群不是 {ref} 所属部门的工作群")
    await zhang.tap_data(received_data, message=card)
    await zhang.expect_callback_answer(containing=f"这个群不是 {ref} 所属部门的工作群")
    assert [to for _, to, _ in await moves(bot, ref)] == ["submitted", "accepted"]

    # the planner moves it meanwhile: the card's press is told who, and shows the report now
    await to_stage(planner, ref, "📅 Planned")
    await resident.expect_message(containing=f"{ref} 有新进展：已列入计划")
    await group.member(zhang).tap(RECEIVED)
    await group.expect_callback_answer(containing=f"{ref} 已经由 Li 处理（现在是：已列入计划）")
    current = await group.expect_edit(containing="已列入计划")
    assert current.buttons() == [DONE]
    # the old "received" pressed once more: told again, the card left as it is
    await group.member(zhang).tap_data(received_data, message=card)
    await group.expect_callback_answer(containing="已经由 Li 处理")

    # "done" asked, then the planner resolves it first: the photo is told who did
    await group.member(zhang).tap(DONE)
    await group.expect_edit(containing="请回复这张卡片")
    await group.member(zhang).tap(NOT_YET)  # "not yet": back to the card
    back = await group.expect_edit(containing="已列入计划")
    assert back.buttons() == [DONE]
    await group.member(zhang).tap(DONE)
    await group.expect_edit(containing="请回复这张卡片")
    await to_stage(planner, ref, "🔨 Work started")
    await resident.expect_message(containing=f"{ref} 有新进展：处理中")
    await group.member(zhang).send_photo(make_photo(seed=61), reply_to=card)
    await group.expect_message(containing=f"{ref} 已经由 Li 处理（现在是：处理中）")
    still = await group.expect_edit(containing="处理中")
    assert still.buttons() == [DONE], "the card offers what fits the report now"
    async with bot.session() as session:
        report = await session.get(Report, int(ref[2:]))
        assert report is not None
        assert report.status == "in_progress"
        after = await session.exec(select(ReportPhoto).where(ReportPhoto.kind == "after"))
        assert after.all() == []

    # forged data: no such report, and data no family accepts
    await group.member(zhang).tap_data("dw:999999:1:r")
    await group.expect_callback_answer(containing="这个按钮已失效")
    await group.member(zhang).tap_data("dw:1:1:zz")
    await group.expect_callback_answer(containing="这个按钮已失效")
    await group.expect_no_message()
    await resident.expect_no_message()


async def test_an_unlinked_department_gets_nothing_and_nothing_breaks(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    group = sandbox.group(chat_id=-100803, title="环卫工作群")
    committee = sandbox.group(chat_id=-100804, title="新华路议事会")
    await link_sanitation(group, planner)
    await committee.member(planner).send("/link committee xinhua-road")
    await committee.expect_message(containing="议事群")
    await onboard(resident)
    ref = await submit(resident, seed=3)
    await open_inbox(planner, ref)
    await accept(planner, ref, department="🌳 Greening")
    await expect_next_in_inbox(planner, None)
    await resident.expect_message(containing=f"{ref} 有新进展：已受理")
    await to_stage(planner, ref, "📅 Planned")  # the planner's moves go on as before
    await resident.expect_message(containing=f"{ref} 有新进展：已列入计划")
    await group.expect_no_message()
    await committee.expect_no_message()
    async with bot.session() as session:
        cards = await session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "department_card")
        )
        assert cards.all() == []
