"""The broadcast engine (issue 13): a notice with photos to 500 residents and 2 committee
chats, at Telegram's limits as the sandbox enforces them (30 messages a second, one a second
per chat, 20 a minute per group, 429 beyond), while a resident talks to the bot."""

from __future__ import annotations

from collections import Counter

from sqlmodel import col, select

from bot.app import telegram_pace
from bot.notice_progress import NOTICE_PROGRESS_JOB
from botapi_sandbox import Person, Sandbox, make_photo
from storage.models import Community
from storage.models import Person as PersonRow
from storage.people import create_person
from tests.conversation.conftest import Bot, onboard
from tests.conversation.test_triage import run_job
from tests.factories import NOW

TITLE = "楼后通道清理公示"
ONE_LINE = f"/notice xinhua-road | {TITLE} | 12 月 5 日起清理 3 号楼后通道，请提前移走个人物品。"
CROWD = range(20_000, 20_500)  # 500 residents of Xinhua Road, half of them in English
BLOCKED = set(range(20_000, 20_500, 50))  # 10 of them blocked the bot


async def add_crowd(bot: Bot, sandbox: Sandbox) -> None:
    async with bot.session() as session:
        xinhua = (
            await session.exec(select(Community).where(Community.slug == "xinhua-road"))
        ).one()
        for user_id in CROWD:
            locale = "en" if user_id % 2 else "zh"
            person, _ = await create_person(
                session, telegram_id=user_id, first_name=f"R{user_id}", locale=locale, now=NOW
            )
            person.community_id = xinhua.id
            session.add(person)
    for user_id in CROWD:
        sandbox.person(user_id=user_id, first_name=f"R{user_id}", language_code="zh-hans")
        if user_id in BLOCKED:
            sandbox.block(user_id)


def delivered_albums(sandbox: Sandbox) -> Counter[int]:
    """Albums Telegram accepted, by chat."""
    return Counter(int(c.params["chat_id"]) for c in sandbox.calls_of("sendMediaGroup") if c.ok)


def assert_paused_after_each_429(sandbox: Sandbox) -> None:
    """After a 429, nothing is sent until its retry_after has passed. The one exception: a
    request already on its way when the 429 came (replies run beside the outbox sender)."""
    limited = [c for c in sandbox.calls if c.error_code == 429]
    assert limited, "the broadcast ran into Telegram's limits (so the pause was needed)"
    for refusal in limited:
        assert refusal.retry_after is not None
        pause_ends = refusal.at + refusal.retry_after - 0.05
        during = [c for c in sandbox.calls if c.ok and refusal.at < c.at < pause_ends]
        assert len(during) <= 1, f"{len(during)} requests went out during a 429's pause"


async def test_a_notice_with_photos_reaches_500_residents_and_2_groups_once_at_telegrams_limits(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person, alice: Person
) -> None:
    bot.settings = bot.settings.model_copy(update={"outbox_chat_gap_seconds": 1.0})
    bot.pace = telegram_pace
    await bot.restart()  # production's pacing, one message a second per chat included
    await onboard(resident)
    await onboard(alice, english=True, community="Caojiadu Community")  # not in the audience
    councils = [sandbox.group(chat_id=-100900 - n, title=f"议事会 {n}") for n in (1, 2)]
    for council in councils:
        await council.member(planner).send("/link committee xinhua-road")
        await council.expect_message(containing="新华路社区")
    await add_crowd(bot, sandbox)
    sandbox.telegram_limits()

    await planner.send(ONE_LINE)
    await planner.expect_message(containing=TITLE)
    await planner.expect_message(containing="To: Xinhua Road Community: 501 residents + 2 groups")
    await planner.send_album([make_photo(seed=80), make_photo(seed=81)])
    for _ in range(2):
        await planner.expect_message()  # the preview: the album, the notice its caption
    await planner.expect_message(containing="501 residents + 2 groups")
    await planner.tap("📨 Send (503)")
    await planner.expect_edit(containing="Sending: 0 / 503")

    # A resident talking to the bot meanwhile is answered before the broadcast is done:
    # replies do not queue behind it.
    await alice.send("/help")
    await alice.expect_message(containing="How it works", timeout=10)
    assert sum(delivered_albums(sandbox).values()) < 400, "answered while it still went out"

    await sandbox.settle(timeout=120)
    albums = delivered_albums(sandbox)
    reachable = [u for u in CROWD if u not in BLOCKED] + [resident.user_id]
    assert {chat: albums[chat] for chat in reachable} == dict.fromkeys(reachable, 1)
    assert [albums[c.chat_id] for c in councils] == [1, 1]
    assert not any(albums[u] for u in BLOCKED)
    refused = [c for c in sandbox.calls_of("sendMediaGroup") if not c.ok]
    assert {int(c.params["chat_id"]) for c in refused} >= BLOCKED  # and 429s, retried later
    assert_paused_after_each_429(sandbox)
    english = next(m for m in sandbox.person(20_001, "R20001").messages if m.caption)
    assert "Xinhua Road Community" in (english.caption or ""), "each in their own language"

    async with bot.session() as session:
        unreachable = await session.exec(
            select(PersonRow.telegram_id).where(col(PersonRow.unreachable).is_(True))
        )
    assert set(unreachable.all()) == BLOCKED
    await run_job(bot, NOTICE_PROGRESS_JOB)
    final = await planner.expect_edit(containing="Sent: 493 / 503 delivered")
    assert "unreachable 10, failed 0" in final.text
