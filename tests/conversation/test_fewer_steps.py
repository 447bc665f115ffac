"""Issue 12: a first report in at most six steps from /start, a later one in at most five
(each tap, photo, pin and typed message counts one); the place told back in words, by the
nearest landmark; the community asked only when the place names none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel import select

from botapi_sandbox import Person, Sandbox, make_photo
from storage.landmarks import LANDMARK_RADIUS_M
from storage.models import Community, Report, ReportDraft
from storage.models import Person as PersonRow
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_triage import open_inbox

FIRST_REPORT_STEPS = 6
LATER_REPORT_STEPS = 5
NEAR_BUILDING_3 = (31.2069, 121.4273)  # ~29 m from it


@dataclass
class Steps:
    """What the resident does, counted: each call is one step."""

    person: Person
    taken: int = 0

    async def __call__(self, act: Callable[[], Awaitable[object]], reply: str) -> None:
        self.taken += 1
        await act()
        await self.person.expect_message(containing=reply)


async def test_a_first_report_in_six_steps_and_a_later_one_in_five(
    bot: Bot, resident: Person
) -> None:
    p = resident
    first = Steps(p)
    await first(lambda: p.send("/start"), "我会用中文和您交流")  # no language question
    await first(lambda: p.send_photo(make_photo(seed=1)), "已收到 1 张照片")  # starts a report
    await first(
        lambda: p.tap("📍 发送我的位置", latitude=NEAR_BUILDING_3[0], longitude=NEAR_BUILDING_3[1]),
        "第 3 步",
    )  # ends the photos
    await first(lambda: p.tap("🗑 垃圾与杂物堆放"), "第 4 步")
    await first(lambda: p.tap("➡ 跳过"), "请确认您的报告")
    await first(lambda: p.tap("✅ 确认提交"), "R-000001")
    assert first.taken <= FIRST_REPORT_STEPS

    later = Steps(p)
    await later(lambda: p.send_photo(make_photo(seed=2)), "已收到 1 张照片")
    await later(lambda: p.tap("📍 发送我的位置", latitude=31.2081, longitude=121.4291), "第 3 步")
    await later(lambda: p.tap("🌳 绿化"), "第 4 步")
    await later(lambda: p.tap("➡ 跳过"), "请确认您的报告")
    await later(lambda: p.tap("✅ 确认提交"), "R-000002")
    assert later.taken <= LATER_REPORT_STEPS

    async with bot.session() as session:
        xinhua = (
            await session.exec(select(Community).where(Community.slug == "xinhua-road"))
        ).one()
        person = (await session.exec(select(PersonRow))).one()
        reports = (await session.exec(select(Report).order_by(Report.id))).all()  # type: ignore[arg-type]
    assert person.community_id == xinhua.id, "the first pin chose the resident's community"
    assert [r.community_id for r in reports] == [xinhua.id, xinhua.id]
    assert [r.landmark_zh for r in reports] == ["幸福小区 3 号楼", "社区文化活动中心"]


async def test_the_pin_is_told_as_the_nearest_landmark_to_resident_and_planner(
    bot: Bot, resident: Person, planner: Person
) -> None:
    await onboard(resident)
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("📍 发送我的位置", latitude=NEAR_BUILDING_3[0], longitude=NEAR_BUILDING_3[1])
    placed = await resident.expect_message(containing="第 3 步")
    assert placed.text.startswith("📍 地点：幸福小区 3 号楼附近，约 30 米\n\n")
    assert "31.2069" not in placed.text, "no raw coordinates"
    await resident.tap("🗑 垃圾与杂物堆放")
    await resident.expect_message(containing="第 4 步")
    await resident.tap("➡ 跳过")
    review = await resident.expect_message(containing="请确认您的报告")
    assert "📍 地点：幸福小区 3 号楼附近，约 30 米" in review.text
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")
    card = await open_inbox(planner, "R-000001")  # the map pin, then the card in words
    assert "📍 near Xingfu Estate, Building 3, about 30 m" in card.text


async def test_a_pin_far_from_every_landmark_is_told_as_its_community(
    bot: Bot, resident: Person
) -> None:
    await onboard(resident)
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    # inside Xinhua Road (800 m), ~300 m from its nearest landmark
    await resident.tap("📍 发送我的位置", latitude=31.2040, longitude=121.4240)
    placed = await resident.expect_message(containing="第 3 步")
    assert placed.text.startswith("📍 地点：新华路社区内\n\n")
    assert LANDMARK_RADIUS_M < 300


async def test_a_landmark_picked_from_the_list_instead_of_a_location(
    bot: Bot, resident: Person
) -> None:
    await onboard(resident)
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("➡ 照片好了，下一步")
    asked = await resident.expect_message(containing="第 2 步")
    assert "或点下面离它最近的地方" in asked.text
    assert asked.keyboard() == [
        "📍 发送我的位置",
        "幸福小区 3 号楼",
        "新华路 211 弄弄口",
        "社区文化活动中心",
        "番禺路口街心花园",
        "⬅ 上一步",
        "✖ 取消",
    ]
    await resident.tap("社区文化活动中心")
    placed = await resident.expect_message(containing="第 3 步")
    assert placed.text.startswith("📍 地点：社区文化活动中心旁\n\n")
    async with bot.session() as session:
        draft = (await session.exec(select(ReportDraft))).one()
    place = (draft.lat, draft.lon, draft.address, draft.landmark_zh)
    assert place == (31.2079, 121.4290, "", "社区文化活动中心"), "the landmark's point"


async def test_a_typed_place_asks_the_community_once(bot: Bot, resident: Person) -> None:
    await resident.send("/start")
    await resident.expect_message(containing="我会用中文和您交流")
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.tap("➡ 照片好了，下一步")
    asked = await resident.expect_message(containing="第 2 步")
    assert asked.keyboard() == ["📍 发送我的位置", "⬅ 上一步", "✖ 取消"], "no community: no list"
    await resident.send("长寿路 100 弄后门")
    which = await resident.expect_message(containing="这个地方属于哪个社区？")
    assert which.text.startswith("📍 地点：长寿路 100 弄后门\n\n")
    assert which.buttons() == ["新华路社区", "曹家渡社区", "田子坊社区"]
    await resident.tap("曹家渡社区")
    await resident.expect_message(containing="第 3 步")
    await resident.tap("⬅ 上一步")  # back goes to the place, not to the community
    await resident.expect_message(containing="第 2 步")
    await resident.send("长寿路 100 弄前门")
    await resident.expect_message(containing="第 3 步")  # the community is known now
    async with bot.session() as session:
        caojiadu = (await session.exec(select(Community).where(Community.slug == "caojiadu"))).one()
        person = (await session.exec(select(PersonRow))).one()
    assert person.community_id == caojiadu.id


async def test_a_pin_outside_every_area_asks_the_community(
    bot: Bot, sandbox: Sandbox, alice: Person
) -> None:
    await alice.send("/start")
    await alice.expect_message(containing="I will speak English")
    await alice.send_photo(make_photo(seed=1))
    await alice.expect_message(containing="Got 1 photo")
    await alice.tap("📍 Send my location", latitude=31.30, longitude=121.50)
    which = await alice.expect_message(containing="Which community is this place in?")
    assert "outside every community we serve" in which.text
    await alice.tap("Tianzifang Community")
    await alice.expect_message(containing="Step 3")
    async with bot.session() as session:
        draft = (await session.exec(select(ReportDraft))).one()
        tianzifang = (
            await session.exec(select(Community).where(Community.slug == "tianzifang"))
        ).one()
    assert (draft.community_id, draft.outside_area) == (tianzifang.id, True)
