"""Group chats (issue 13): linking to a committee or a department, refusals, and the quiet
bot in groups nobody linked; the bot added, removed, and the group migrated."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.digest_jobs import job_name
from botapi_sandbox import Group, Person, Sandbox
from storage.models import DigestSchedule, LinkedChat
from tests.conversation.conftest import Bot, make_planner


def post_service_message(
    sandbox: Sandbox, group: Group, by: Person, content: dict[str, Any]
) -> None:
    """A service message Telegram itself posts in the group (e.g. a migration)."""
    stored = sandbox.new_message(sandbox.find_chat(group.chat_id), by.user, content, from_bot=False)
    sandbox.queue_updates([("message", stored.data)])


def bot_membership(sandbox: Sandbox, group: Group, by: Person, old: str, new: str) -> None:
    """The bot's own membership of the group changes (a my_chat_member update)."""

    def member(status: str) -> dict[str, Any]:
        extra = {"until_date": 0} if status == "kicked" else {}
        return {"status": status, "user": sandbox.bot_user, **extra}

    change = {
        "chat": dict(sandbox.find_chat(group.chat_id).chat),
        "from": by.user,
        "date": sandbox.now(),
        "old_chat_member": member(old),
        "new_chat_member": member(new),
    }
    sandbox.queue_updates([("my_chat_member", change)])


async def links(bot: Bot) -> list[LinkedChat]:
    async with bot.session() as session:
        return list((await session.exec(select(LinkedChat))).all())


async def test_link_is_refused_to_a_non_planner_and_to_a_planner_of_another_community(
    bot: Bot, sandbox: Sandbox, admin: Person, planner: Person, resident: Person
) -> None:
    group = sandbox.group(chat_id=-100700, title="新华路议事会")
    await group.member(resident).send("/link committee xinhua-road")
    await group.expect_message(containing="您没有权限")
    zhao = sandbox.person(user_id=3002, first_name="Zhao", language_code="en")
    await make_planner(admin, zhao, community="caojiadu")
    await group.member(zhao).send("/link committee xinhua-road")
    await group.expect_message(containing="not permitted")
    await group.member(zhao).send("/link department sanitation xinhua-road")
    await group.expect_message(containing="not permitted")
    assert await links(bot) == []

    await group.member(planner).send("/link committee xinhua-road")
    await group.expect_message(containing="本群已关联为 新华路社区 的议事群")
    for person, command in (
        (zhao, "/unlink"),
        (zhao, "/digest"),
        (resident, "/digest_schedule weekly mon 09:00"),
        (resident, "/link committee caojiadu"),
    ):
        await group.member(person).send(command)
        refusal = await group.expect_message()
        assert "not permitted" in refusal.text or "您没有权限" in refusal.text, command
    (linked,) = await links(bot)
    assert linked.active
    assert linked.kind == "committee"


async def test_link_unlink_and_quiet_in_unlinked_groups(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    group = sandbox.group(chat_id=-100701, title="议事群")
    await group.member(resident).send("大家好")
    await group.expect_no_message()
    await group.member(resident).send("/start@some_other_bot")
    await group.expect_no_message()
    for command in ("/start", "/digest", "/unlink"):  # one "how to link" each
        await group.member(resident).send(command)
        await group.expect_message(containing="这个群还没有关联")
    await group.expect_no_message()

    await group.member(planner).send("/link committee xinhua-road")
    await group.expect_message(containing="新华路社区 的议事群")
    await group.member(resident).send("/start")
    await group.expect_message(containing="请私聊我")
    await group.member(resident).send("大家好")
    await group.expect_no_message()

    await group.member(planner).send("/unlink")
    await group.expect_message(containing="本群已取消关联")
    (linked,) = await links(bot)
    assert not linked.active
    await group.member(resident).send("/start")
    await group.expect_message(containing="这个群还没有关联")

    await planner.send("/link committee xinhua-road")  # privately: it works in a group
    await planner.expect_message(containing="in the group it is about")


async def test_department_chats_and_bad_link_commands(
    bot: Bot, sandbox: Sandbox, planner: Person
) -> None:
    group = sandbox.group(chat_id=-100702, title="环卫工作群")
    await group.member(planner).send("/link committee")
    await group.expect_message(containing="Usage: /link committee COMMUNITY")
    await group.member(planner).send("/link committee nowhere")
    await group.expect_message(containing="There is no community nowhere")
    await group.member(planner).send("/link department rubbish")
    await group.expect_message(containing="There is no department rubbish")
    await group.member(planner).send("/link department sanitation en")
    await group.expect_message(
        containing="now the 🧹 Sanitation working group for Xinhua Road Community"
    )
    await group.member(planner).send("/digest")
    await group.expect_message(containing="Digests go to committee chats only")
    (linked,) = await links(bot)
    assert (linked.kind, linked.department, linked.locale) == ("department", "sanitation", "en")


async def test_the_bot_added_removed_and_the_group_migrated(
    bot: Bot, sandbox: Sandbox, planner: Person
) -> None:
    old = sandbox.group(chat_id=-700, title="新华路议事会")
    bot_membership(sandbox, old, planner, "left", "member")
    await old.expect_message(containing="This group is not linked yet")
    await old.member(planner).send("/link committee xinhua-road en")
    await old.expect_message(containing="committee chat of Xinhua Road Community")
    await old.member(planner).send("/digest_schedule weekly mon 09:00")
    await old.expect_message(containing="every Monday at 09:00")

    new = sandbox.group(chat_id=-100_000_700, title="新华路议事会")
    post_service_message(sandbox, old, planner, {"migrate_to_chat_id": new.chat_id})
    post_service_message(sandbox, new, planner, {"migrate_from_chat_id": old.chat_id})
    await sandbox.settle()
    (linked,) = await links(bot)
    assert linked.chat_id == new.chat_id
    await new.member(planner).send("/digest")
    await new.expect_message(containing="Xinhua Road Community: digest")
    chart = await new.expect_message()
    assert chart.photo
    await old.expect_no_message()

    bot_membership(sandbox, new, planner, "member", "kicked")
    await sandbox.settle()
    (linked,) = await links(bot)
    assert not linked.active
    async with bot.session() as session:
        assert (await session.exec(select(DigestSchedule))).all() == []
    assert bot.application is not None
    assert bot.application.job_queue is not None
    assert bot.application.job_queue.get_jobs_by_name(job_name(linked.id or 0)) == ()
    await new.expect_no_message()
