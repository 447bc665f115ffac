"""`microspace demo`: the bot and the Bot API sandbox on loopback, playing a walkthrough.

Everything runs for real (HTTP, database, migrations, photo storage) in a temporary
directory; the conversation is printed as a transcript. Exit status 0 means every step got
the answer it expected and the sandbox rejected no request.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from telegram.ext import AIORateLimiter

from bot.app import build_application, handler_config
from bot.demo_public import DEMO_CHART, AnyApplication, DemoClock, in_public
from bot.runner import polling
from bot.settings import load_settings
from botapi_sandbox import Person, Sandbox, SpecNotFoundError, make_photo
from handlers.context import utc_now
from storage.communities import import_communities, read_communities_file
from storage.db import make_engine, session_scope, upgrade

EXAMPLE_COMMUNITIES = Path(__file__).with_name("examples") / "communities.yaml"
DEMO_ADMIN_ID = 9000
DEMO_PLANNER_ID = 2001
DEMO_CHAT_GAP_SECONDS = 0.05  # between two messages to one chat, instead of about 1 s


def demo_pace() -> AIORateLimiter:
    """Telegram's overall pace, but no wait of 3.1 s between two messages to one group: the
    council's chat gets seven in the walkthrough (Telegram's group and per-chat limits are
    held in tests/conversation/test_broadcast.py)."""
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / 29,
        group_max_rate=1,
        group_time_period=DEMO_CHAT_GAP_SECONDS,
        max_retries=3,
    )


async def _prepare_database(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with session_scope(engine) as session:
            await import_communities(session, items=read_communities_file(EXAMPLE_COMMUNITIES))
    finally:
        await engine.dispose()


async def walkthrough(
    sandbox: Sandbox,
    application: AnyApplication,
    clock: DemoClock,
    *,
    chart_to: Path | None = None,
) -> None:
    """A resident starts and reports a corner in six steps (/start, a photo, the location,
    the category, the words, confirm; the place told back by its landmark), lists their
    reports; a planner triages and resolves it. Then, in public (bot/demo_public.py): a
    notice, a naming poll, a ballot and a volunteer event she signs up to; last, the
    committee chat's digest covering them (the chart is saved to `chart_to`)."""
    wang = sandbox.person(user_id=1001, first_name="王阿姨", language_code="zh-hans")
    await wang.send("/start")
    await wang.expect_message(containing="我会用中文和您交流")
    await wang.send_photo(make_photo(seed=7))
    await wang.expect_message(containing="已收到 1 张照片")
    await wang.tap("📍 发送我的位置", latitude=31.2069, longitude=121.4273)
    await wang.expect_message(containing="幸福小区 3 号楼附近")
    await wang.tap("🗑 垃圾与杂物堆放")
    await wang.expect_message(containing="第 4 步")
    await wang.send("楼后通道堆满了旧家具，晚上很暗，老人经过不安全。")
    await wang.expect_message(containing="请确认您的报告")
    await wang.tap("✅ 确认提交")
    receipt = await wang.expect_message(containing="R-")
    ref = receipt.text.split("R-", 1)[1][:6]
    await wang.tap("📋 我的报告")
    await wang.expect_message(containing="您的报告共 1 份")
    await wang.tap(f"R-{ref} · 已提交")
    await wang.expect_message(containing="进展")  # the photo, its history as the caption

    await triage_and_resolve(sandbox, wang, f"R-{ref}")
    await planner_overview(sandbox, f"R-{ref}")

    alice = sandbox.person(user_id=1002, first_name="Alice", language_code="en")
    await alice.send("/start")
    await alice.expect_message(containing="I will speak English")
    await alice.tap("🏘 Community")
    await alice.expect_message(containing="Please choose your community")
    await alice.tap("📍 Not sure? Use my location")
    await alice.expect_message(containing="Send my location")
    await alice.tap("📍 Send my location", latitude=31.2291, longitude=121.4312)
    await alice.expect_message(containing="The nearest community is Caojiadu Community")
    await alice.send("/myreports")
    await alice.expect_message(containing="You have not sent any reports yet")

    await in_public(sandbox, application, clock, wang, chart_to=chart_to)


async def triage_and_resolve(sandbox: Sandbox, resident: Person, ref: str) -> None:
    """The admin invites a planner, who triages the report and moves it on; the resident
    hears of each step."""
    admin = sandbox.person(user_id=DEMO_ADMIN_ID, first_name="Admin", language_code="en")
    await admin.send("/invite planner xinhua-road")
    invite = await admin.expect_message(containing="/join ")
    code = invite.text.split("/join ", 1)[1].split()[0]
    li = sandbox.person(user_id=DEMO_PLANNER_ID, first_name="Planner Li", language_code="en")
    await li.send(f"/join {code}")
    await li.expect_message(containing="You are now a planner")
    await li.send("/inbox")
    await li.expect_message(containing="1 waiting")
    await _expect_card(li, ref)
    await li.tap("✅ Accept")
    await li.expect_edit()
    await li.tap("🧹 Sanitation")
    await li.expect_message(containing="is now: accepted")
    await li.expect_message(containing="The inbox is empty")
    await resident.expect_message(containing="已受理")
    for stage, note in (  # each move is one tap on the reply to the one before
        ("📅 Planned", ""),
        ("🔨 Work started", "Volunteers clear the passage on Saturday morning."),
    ):
        await li.tap(stage)
        await li.expect_message(containing="is now:")
        await resident.expect_message(containing="有新进展")
        if note:  # a note for the resident: one more tap, and the words
            await li.tap("📣 Note for residents")
            await li.expect_message(containing="type a note")
            await li.send(note)
            await li.expect_message(containing="was sent to the residents")
            await resident.expect_message(containing="有新进展")
    await hear_back(li, resident, ref)


async def hear_back(li: Person, resident: Person, ref: str) -> None:
    """The planner resolves with a photo of the fixed corner: it reaches the resident with
    the notice as its caption; she answers on the 12345 scale and sees before and after."""
    await li.send(f"/report {ref}")
    await _expect_card(li, ref)
    await li.tap("✅ Resolved")
    await li.expect_message(containing="after")
    await li.send_photo(make_photo(seed=8), caption="Cleared and a new lamp fitted.")
    await li.expect_message(containing="is now: resolved")
    notice = await resident.expect_message(containing="规划师留言：Cleared and a new lamp fitted.")
    if not notice.photo:
        raise RuntimeError("the after photo did not reach the resident")
    await resident.expect_message(containing="您对处理结果满意吗")
    await resident.tap("😊 满意")
    await resident.expect_edit(containing="谢谢")
    await resident.expect_message(containing="已办结")
    await resident.tap("📋 我的报告")
    await resident.expect_message(containing="您的报告共 1 份")
    await resident.tap(f"{ref} · 已办结")
    await resident.expect_message(containing="修好后")  # an album: before, with the history
    after = await resident.expect_message()  # and after
    if after.photo != notice.photo:
        raise RuntimeError("/myreports does not show the after photo")
    await li.send("/stats")
    await li.expect_message(containing="Last 30 days")


async def planner_overview(sandbox: Sandbox, ref: str) -> None:
    """The planner's whole picture: /reports with a typed filter, a filter button, and one
    tap to a report's card."""
    li = sandbox.person(user_id=2001, first_name="Planner Li", language_code="en")
    await li.send("/reports status=closed")
    await li.expect_message(containing="1 report · closed")
    await li.tap("⏰ Overdue only")
    await li.expect_edit(containing="0 reports")
    await li.tap("✓ ⏰ Overdue only")
    await li.expect_edit(containing="1 report · closed")
    await li.tap(f"{ref} · closed")
    await _expect_card(li, ref)


async def _expect_card(planner: Person, ref: str) -> None:
    """A report's card: its photos (before, and after once resolved), the map pin, then the
    facts and the buttons."""
    while ref not in (await planner.expect_message()).text:
        pass


async def run_demo(*, quiet: bool = False, output: Path | None = None) -> int:
    """Play the walkthrough; the committee digest's chart is saved as `output`/demo-digest.png
    (beside the transcript, when that is written to a file in the same directory)."""
    for noisy in (
        "telegram",
        "apscheduler",
        "alembic",
        "aiohttp",
        "uvicorn",
        "bot.poll_jobs",
        "bot.ballot_jobs",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:  # every request is checked against the Bot API reference; without it, no demo
        sandbox = Sandbox()
    except SpecNotFoundError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="microspace-demo-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'demo.sqlite3'}"
        await _prepare_database(url)
        await sandbox.start()
        try:
            settings = load_settings(
                _env_file=None,
                telegram_bot_token=sandbox.token,
                telegram_api_base_url=sandbox.base_url,
                database_url=url,
                media_dir=Path(tmp) / "media",
                admin_ids=str(DEMO_ADMIN_ID),
                outbox_chat_gap_seconds=DEMO_CHAT_GAP_SECONDS,
            )
            # The walkthrough's people type faster than any thumb: no flood limit for them.
            config = replace(handler_config(settings), album_settle_seconds=0.3, flood_limit=1000)
            clock = DemoClock(utc_now)
            application = build_application(
                settings, clock=clock, config=config, rate_limiter=demo_pace()
            )
            async with polling(application):
                await walkthrough(sandbox, application, clock, chart_to=output)
            await application.bot_data.services.engine.dispose()
        finally:
            await sandbox.stop()
        if not quiet:
            print(sandbox.transcript())
        if sandbox.rejections:
            for rejection in sandbox.rejections:
                print(f"sandbox rejected {rejection.method}: {rejection.description}")
            return 1
    if output is not None:
        print(f"demo: the committee digest's chart is in {output / DEMO_CHART}")
    print("demo: walkthrough complete, the sandbox rejected no request")
    return 0
