"""Committee digests (issue 13): scheduled under a controllable clock, figures checked against
the hand-computed data set (tests/digest_data.py), caught up once after a restart, never sent
twice, and the chart a real PNG."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import col, func, select

from bot.chart import HEIGHT_PX, WIDTH_PX
from bot.digest_jobs import catch_up_name, job_name
from botapi_sandbox import Group, Person, Sandbox, SentMessage
from storage.models import Category, DigestRun, LinkedChat, OutboxMessage, ReportStatus
from storage.roles import community_by_slug
from tests.conversation.conftest import Bot
from tests.conversation.test_triage import run_job
from tests.digest_data import add_report, digest_data_set


async def load_data_set(bot: Bot) -> None:
    async with bot.session() as session:
        xinhua = await community_by_slug(session, slug="xinhua-road")
        caojiadu = await community_by_slug(session, slug="caojiadu")
        assert xinhua is not None
        assert xinhua.id is not None
        assert caojiadu is not None
        assert caojiadu.id is not None
        await digest_data_set(session, community_id=xinhua.id, other_id=caojiadu.id)


async def weekly_committee(sandbox: Sandbox, planner: Person) -> Group:
    """Xinhua Road's committee chat, in English, with a digest every Monday at 09:00."""
    group = sandbox.group(chat_id=-100900, title="新华路议事会")
    await group.member(planner).send("/link committee xinhua-road en")
    await group.expect_message(containing="committee chat of Xinhua Road Community")
    await group.member(planner).send("/digest_schedule weekly mon 09:00")
    await group.expect_message(containing="every Monday at 09:00 (Asia/Shanghai time)")
    return group


async def linked_id(bot: Bot) -> int:
    async with bot.session() as session:
        (linked,) = (await session.exec(select(LinkedChat))).all()
    assert isinstance(linked.id, int)
    return linked.id


async def expect_digest(sandbox: Sandbox, group: Group, *, containing: str) -> SentMessage:
    """The digest's text, then its chart: a PNG of the expected size."""
    text = await group.expect_message(containing=containing)
    chart = await group.expect_message()
    assert chart.photo, "the chart follows the text"
    stored = sandbox.files.get(chart.photo[-1])
    assert stored is not None
    assert stored.data is not None
    assert stored.data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(stored.data)) as image:
        assert image.format == "PNG"
        assert image.size == (WIDTH_PX, HEIGHT_PX)
    return text


async def test_a_weekly_digest_with_hand_computed_figures(
    bot: Bot, sandbox: Sandbox, planner: Person
) -> None:
    await load_data_set(bot)
    group = await weekly_committee(sandbox, planner)  # set on Monday 11-02 at 17:30 local
    job = job_name(await linked_id(bot))
    await run_job(bot, job)  # Monday 09:00 had passed before the schedule was set
    await group.expect_no_message()

    bot.clock.advance(days=7)  # Monday 11-09, 17:30 local
    await run_job(bot, job)
    digest = await expect_digest(sandbox, group, containing="Xinhua Road Community: digest")
    expected = [
        "2026-11-02 09:00 to 2026-11-09 09:00",
        "New reports: 6 (before: 2)",
        "Litter and piled junk: 4",
        "Lighting and safety: 1",
        "Greenery: 1",
        "Response rate: 50% (before: 50% →)",
        "Median hours to first response: 7.0 (before: 1.0 ↑)",
        "Resolution rate: 33% (before: 50% ↓)",
        "Satisfaction rate: 50% (before: 100% ↓)",
        "Overdue without a response: 2",
        "1. 31.207, 121.427: 3",
        "2. 31.204, 121.425: 2",
        "3. 31.210, 121.430: 1",
    ]
    for line in expected:
        assert line in digest.text, f"{line!r} not in {digest.text}"
    assert "Parking" not in digest.text, "the previous week's categories stay out"

    await run_job(bot, job)  # the same day again: that period went out already
    await group.expect_no_message()


async def test_a_missed_digest_is_caught_up_once_after_a_restart(
    bot: Bot, sandbox: Sandbox, planner: Person
) -> None:
    await load_data_set(bot)
    group = await weekly_committee(sandbox, planner)
    chat = await linked_id(bot)
    await bot.stop()  # down over Monday 11-09 09:00
    bot.clock.advance(days=7)
    await bot.start()
    await run_job(bot, catch_up_name(chat))
    await expect_digest(sandbox, group, containing="New reports: 6 (before: 2)")

    await bot.restart()  # and again: the period is known to have gone out
    await run_job(bot, catch_up_name(chat))
    await run_job(bot, job_name(chat))
    await group.expect_no_message()
    async with bot.session() as session:
        runs = (await session.exec(select(func.count()).select_from(DigestRun))).one()
        rows = (
            await session.exec(
                select(OutboxMessage.kind).where(col(OutboxMessage.chat_id) == group.chat_id)
            )
        ).all()
    assert runs == 1
    assert sorted(rows) == ["digest", "digest_chart"]


async def test_digest_now_and_the_schedule_for_planners_only(
    bot: Bot, sandbox: Sandbox, planner: Person, resident: Person
) -> None:
    group = sandbox.group(chat_id=-100901, title="新华路议事会")
    await group.member(planner).send("/link committee xinhua-road")
    await group.expect_message(containing="新华路社区 的议事群")
    await group.member(resident).send("/digest")
    await group.expect_message(containing="您没有权限")
    async with bot.session() as session:  # a report of a moment ago is in the digest
        xinhua = await community_by_slug(session, slug="xinhua-road")
        assert xinhua is not None
        await add_report(
            session,
            community_id=xinhua.id,
            created=bot.clock(),
            category=Category.LITTER,
            status=ReportStatus.SUBMITTED,
        )
    await group.member(planner).send("/digest")
    digest = await expect_digest(sandbox, group, containing="新华路社区 简报")
    assert "新报告：1 份（上期 0）" in digest.text
    assert "垃圾与杂物堆放：1" in digest.text
    await group.member(planner).send("/digest")  # within the same minute: the same period
    await group.expect_message(containing="这一时段的简报刚刚发过了")

    await group.member(planner).send("/digest_schedule sometimes")
    await group.expect_message(containing="用法：/digest_schedule weekly mon 09:00")
    await group.member(planner).send("/digest_schedule off")
    await group.expect_message(containing="本群没有定期简报")
    await group.member(planner).send("/digest_schedule monthly 1 08:00")
    await group.expect_message(containing="每月 1 日 08:00")
    chat = await linked_id(bot)
    assert bot.application is not None
    assert bot.application.job_queue is not None
    assert len(bot.application.job_queue.get_jobs_by_name(job_name(chat))) == 1
    await group.member(planner).send("/digest_schedule off")
    await group.expect_message(containing="已停止定期简报")
    assert bot.application.job_queue.get_jobs_by_name(job_name(chat)) == ()
