"""First contact: language (Telegram's, or asked), community by list (paged) or by location,
menu, help, commands."""

from __future__ import annotations

from sqlmodel import select

from botapi_sandbox import Person, Sandbox
from storage.communities import CommunityIn, import_communities
from storage.models import Person as PersonRow
from tests.conversation.conftest import Bot, onboard


async def test_start_takes_the_telegram_language_and_says_how_to_change_it(
    bot: Bot, resident: Person, alice: Person
) -> None:
    await resident.send("/start")
    chinese = await resident.expect_message(containing="我会用中文和您交流")
    assert "「🌐 语言」" in chinese.text, "how to change it: the button, not a command"
    assert "📷 反映问题" in chinese.keyboard(), "the menu at once: no language question"
    await alice.send("/start")
    english = await alice.expect_message(containing="I will speak English with you")
    assert "📷 Report a corner" in english.keyboard()
    async with bot.session() as session:
        locales = {p.telegram_id: p.locale for p in (await session.exec(select(PersonRow))).all()}
    assert locales == {resident.user_id: "zh", alice.user_id: "en"}


async def test_start_asks_the_language_telegram_does_not_say(bot: Bot, sandbox: Sandbox) -> None:
    pierre = sandbox.person(user_id=1003, first_name="Pierre", language_code="fr")
    await pierre.send("/start")
    asked = await pierre.expect_message(containing="请选择语言")
    assert asked.buttons() == ["✓ 中文", "English"]
    await pierre.tap("English")
    menu = await pierre.expect_message(containing="I will speak English")
    assert "📷 Report a corner" in menu.keyboard()


async def test_onboarding_then_menu_shows_only_existing_features(
    bot: Bot, resident: Person
) -> None:
    await onboard(resident)
    menu = resident.messages[-1]
    expected = ["📷 反映问题", "📋 我的报告", "🙋 活动", "🌐 语言", "🏘 社区", "❓ 帮助"]
    assert menu.keyboard() == expected
    async with bot.session() as session:
        person = (await session.exec(select(PersonRow))).one()
    assert person.locale == "zh"
    assert person.community_id is not None


async def test_switch_language_later(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await resident.tap("🌐 语言")
    await resident.expect_message(containing="请选择语言")
    await resident.tap("English")
    menu = await resident.expect_message(containing="I will speak English")
    assert "Community: Xinhua Road Community" in menu.text, "the menu, in one message"
    assert "📷 Report a corner" in menu.keyboard()


async def test_community_list_is_paged_beyond_eight(
    bot: Bot, sandbox: Sandbox, alice: Person
) -> None:
    async with bot.session() as session:
        await import_communities(
            session,
            items=[
                CommunityIn(slug=f"extra-{n}", name_zh=f"社区{n}", name_en=f"Extra {n}")
                for n in range(7)
            ],
        )
    await alice.send("/start")
    await alice.expect_message(containing="I will speak English")
    await alice.tap("🏘 Community")
    first = await alice.expect_message(containing="page 1 of 2")
    assert len(first.buttons()) == 10  # eight communities, "next", "use my location"
    assert first.buttons()[-2:] == ["Next ▶", "📍 Not sure? Use my location"]
    await alice.tap("Next ▶")
    second = await alice.expect_edit(containing="page 2 of 2")
    assert second.buttons() == ["Extra 5", "Extra 6", "◀ Previous", "📍 Not sure? Use my location"]
    await alice.tap("Extra 6")
    await alice.expect_message(containing="Community: Extra 6")


async def test_community_by_shared_location(bot: Bot, alice: Person) -> None:
    await alice.send("/start")
    await alice.expect_message(containing="I will speak English")
    await alice.tap("🏘 Community")
    await alice.expect_message(containing="Please choose your community")
    await alice.tap("📍 Not sure? Use my location")
    asked = await alice.expect_message(containing="Tap “📍 Send my location” below")
    assert asked.keyboard() == ["📍 Send my location"]
    await alice.tap("📍 Send my location", latitude=31.2291, longitude=121.4312)
    found = await alice.expect_message(containing="The nearest community is Caojiadu Community")
    assert "m away" in found.text
    assert "Community: Caojiadu Community" in found.text, "the menu, in the same message"
    assert "📷 Report a corner" in found.keyboard()


async def test_location_far_from_every_community_asks_for_the_list(bot: Bot, alice: Person) -> None:
    await alice.send("/start")
    await alice.expect_message(containing="I will speak English")
    await alice.tap("🏘 Community")
    await alice.expect_message(containing="Please choose your community")
    await alice.tap("📍 Not sure? Use my location")
    await alice.expect_message(containing="Tap “📍 Send my location” below")
    await alice.tap("📍 Send my location", latitude=22.54, longitude=114.05)
    far = await alice.expect_message(containing="There is no community near you yet")
    assert "Please choose your community" in far.text, "the list, in the same message"
    assert "Xinhua Road Community" in far.buttons()


async def test_help_and_unknown_command(bot: Bot, resident: Person) -> None:
    await onboard(resident)
    await resident.tap("❓ 帮助")
    help_text = await resident.expect_message(containing="怎么用")
    assert "新华路社区" in help_text.text
    await resident.send("/frobnicate")
    await resident.expect_message(containing="我没看懂")
    await resident.send("随便说点什么")
    await resident.expect_message(containing="我没看懂")


async def test_reporting_before_choosing_a_community(bot: Bot, resident: Person) -> None:
    """The community can wait: the report's place names it (test_fewer_steps.py)."""
    await resident.send("/start")
    await resident.expect_message(containing="我会用中文和您交流")
    await resident.send("/report")
    await resident.expect_message(containing="第 1 步")


async def test_commands_are_registered_in_both_languages(bot: Bot, sandbox: Sandbox) -> None:
    calls = [c for c in sandbox.calls if c.method == "setMyCommands"]
    languages = {c.params.get("language_code") for c in calls}
    assert languages == {None, "zh"}
