"""The real entry point: `microspace run` as a process, killed with SIGKILL mid-draft."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from botapi_sandbox import Person, Sandbox, make_photo
from storage.db import make_engine, session_scope
from storage.models import Report, ReportPhoto

ROOT = Path(__file__).parents[2]


@pytest.fixture
def environment(sandbox: Sandbox, tmp_path: Path, database_url: str) -> dict[str, str]:
    """The bot's environment, on SQLite and (when the server is there) on PostgreSQL."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "MEDIA_", "ADMIN_", "REPORTS_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=sandbox.token,
        TELEGRAM_API_BASE_URL=sandbox.base_url,
        DATABASE_URL=database_url,
        MEDIA_DIR=str(tmp_path / "media"),
        PYTHONPATH=str(ROOT),
    )
    example = ROOT / "bot" / "examples" / "communities.yaml"
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "communities", "import", str(example)],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    started: list[asyncio.subprocess.Process] = []
    yield started
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def run_bot(
    env: dict[str, str], tmp_path: Path, started: list[asyncio.subprocess.Process]
) -> asyncio.subprocess.Process:
    log = (tmp_path / f"bot-{len(started)}.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=tmp_path, env=env, stdout=log, stderr=log
    )
    log.close()
    started.append(process)
    return process


async def test_sigkill_mid_draft_then_the_resident_finishes(
    sandbox: Sandbox,
    environment: dict[str, str],
    processes: list[asyncio.subprocess.Process],
    tmp_path: Path,
) -> None:
    resident: Person = sandbox.person(user_id=1001, first_name="王阿姨", language_code="zh-hans")
    first = await run_bot(environment, tmp_path, processes)
    await resident.send("/start")
    await resident.expect_message(containing="请选择语言", timeout=30)  # start-up included
    await resident.tap("✓ 中文")
    await resident.expect_message(containing="请选择您所在的社区")
    await resident.expect_message(containing="发送位置")
    await resident.tap("新华路社区")
    await resident.expect_message(containing="社区：")
    await resident.tap("📷 报告角落问题")
    await resident.expect_message(containing="第 1 步")
    await resident.send_photo(make_photo(seed=1))
    await resident.expect_message(containing="已收到 1 张照片")
    await resident.send_photo(make_photo(seed=2))
    await resident.expect_message(containing="已收到 2 张照片")

    first.send_signal(signal.SIGKILL)  # no shutdown, no goodbye
    await first.wait()

    second = await run_bot(environment, tmp_path, processes)
    await resident.tap("➡ 照片好了，下一步")
    await resident.expect_message(containing="第 2 步", timeout=30)
    await resident.send_location(31.2069, 121.4273)
    await resident.expect_message(containing="📍 地点：")
    await resident.expect_message(containing="第 3 步")
    await resident.tap("🗑 垃圾与杂物堆放")
    await resident.expect_message(containing="第 4 步")
    await resident.tap("➡ 跳过")
    await resident.expect_message(containing="请确认您的报告")
    await resident.tap("✅ 确认提交")
    await resident.expect_message(containing="R-000001")

    engine = make_engine(environment["DATABASE_URL"])
    async with session_scope(engine) as session:
        report = (await session.exec(select(Report))).one()
        photos = (await session.exec(select(ReportPhoto))).all()
    await engine.dispose()
    assert report.category == "litter"
    assert len(photos) == 2, "both photos sent before the kill are in the report, once each"

    second.send_signal(signal.SIGTERM)  # a polite stop ends cleanly
    assert await asyncio.wait_for(second.wait(), timeout=30) == 0
