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

from bot.app import build_application, handler_config
from bot.runner import polling
from bot.settings import load_settings
from botapi_sandbox import Person, Sandbox, SpecNotFoundError, make_photo
from storage.communities import import_communities, read_communities_file
from storage.db import make_engine, session_scope, upgrade

EXAMPLE_COMMUNITIES = Path(__file__).with_name("examples") / "communities.yaml"
DEMO_ADMIN_ID = 9000


async def _prepare_database(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with session_scope(engine) as session:
            await import_communities(session, items=read_communities_file(EXAMPLE_COMMUNITIES))
    finally:
        await engine.dispose()


async def walkthrough(sandbox: Sandbox) -> None:
    """A resident starts and reports a corner in six steps (/start, a photo, the location,
    the category, the words, confirm; the place told back by its landmark), lists their
    reports; the report is triaged and resolved."""
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


async def triage_and_resolve(sandbox: Sandbox, resident: Person, ref: str) -> None:
    """The admin invites a planner, who triages the report and moves it to resolved; the
    resident hears of each step and rates the fix."""
    admin = sandbox.person(user_id=DEMO_ADMIN_ID, first_name="Admin", language_code="en")
    await admin.send("/invite planner xinhua-road")
    invite = await admin.expect_message(containing="/join ")
    code = invite.text.split("/join ", 1)[1].split()[0]
    li = sandbox.person(user_id=2001, first_name="Planner Li", language_code="en")
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
    for stage, note in (
        ("📅 Planned", ""),
        ("🔨 Work started", "Volunteers clear the passage on Saturday morning."),
        ("✅ Resolved", "Cleared and a new lamp fitted."),
    ):
        await li.send(f"/report {ref}")
        await _expect_card(li, ref)
        await li.tap(stage)
        await li.expect_message(containing="note")
        if note:
            await li.send(note)
        else:
            await li.tap("Update without a note")
        await li.expect_message(containing="is now:")
        await resident.expect_message(containing="有新进展")
    await resident.expect_message(containing="真的修好了吗")
    await resident.tap("⭐⭐⭐⭐⭐")
    await resident.expect_edit(containing="谢谢您的评价")
    await li.send("/stats")
    await li.expect_message(containing="Last 30 days")


async def _expect_card(planner: Person, ref: str) -> None:
    """A report's card: the photo, the map pin, then the facts and the buttons."""
    await planner.expect_message()
    await planner.expect_message()
    await planner.expect_message(containing=ref)


async def run_demo(*, quiet: bool = False) -> int:
    for noisy in ("telegram", "apscheduler", "alembic", "httpx", "uvicorn"):
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
            )
            # The walkthrough's people type faster than any thumb: no flood limit for them.
            config = replace(handler_config(settings), album_settle_seconds=0.3, flood_limit=1000)
            application = build_application(settings, config=config)
            async with polling(application):
                await walkthrough(sandbox)
            await application.bot_data.services.engine.dispose()
        finally:
            await sandbox.stop()
        if not quiet:
            print(sandbox.transcript())
        if sandbox.rejections:
            for rejection in sandbox.rejections:
                print(f"sandbox rejected {rejection.method}: {rejection.description}")
            return 1
    print("demo: walkthrough complete, the sandbox rejected no request")
    return 0
