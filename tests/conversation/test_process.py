"""The real entry point: `microspace run` as a process, killed with SIGKILL mid-draft."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from botapi_sandbox import DEFAULT_TOKEN, Person, Sandbox, make_photo
from storage.db import make_engine, session_scope
from storage.models import Report, ReportPhoto

ROOT = Path(__file__).parents[2]


def prepare_environment(
    *, token: str, base_url: str, database_url: str, tmp_path: Path
) -> dict[str, str]:
    """The bot's environment (nothing inherited from ours), with the example communities."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "MEDIA_", "ADMIN_", "REPORTS_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=base_url,
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
def environment(sandbox: Sandbox, tmp_path: Path, database_url: str) -> dict[str, str]:
    """The bot's environment, on SQLite and (when the server is there) on PostgreSQL."""
    return prepare_environment(
        token=sandbox.token,
        base_url=sandbox.base_url,
        database_url=database_url,
        tmp_path=tmp_path,
    )


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
    await resident.expect_message(containing="我会用中文和您交流", timeout=30)  # start-up too
    await resident.tap("🏘 社区")
    await resident.expect_message(containing="请选择您所在的社区")
    await resident.tap("新华路社区")
    await resident.expect_message(containing="社区：")
    await resident.tap("📷 反映问题")
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


def free_port() -> int:
    """A loopback port nothing listens on (yet): connections to it are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def read_log(log: Path) -> str:
    return log.read_text(encoding="utf-8") if log.exists() else ""


async def wait_for_lines(log: Path, containing: str, *, count: int) -> list[str]:
    """The log's lines containing `containing`, once there are `count` of them (30 s at most)."""
    try:
        async with asyncio.timeout(30):
            while True:
                lines = [line for line in read_log(log).splitlines() if containing in line]
                if len(lines) >= count:
                    return lines
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(
            f"fewer than {count} lines with {containing!r}:\n{read_log(log)}"
        ) from None


async def test_the_bot_waits_for_the_bot_api_at_start_up(
    sqlite_database_url: str, processes: list[asyncio.subprocess.Process], tmp_path: Path
) -> None:
    """Telegram refuses connections, then answers 500, at start-up: the bot waits it out."""
    port = free_port()
    environment = prepare_environment(
        token=DEFAULT_TOKEN,
        base_url=f"http://127.0.0.1:{port}",  # a self-hosted server's address, without /bot
        database_url=sqlite_database_url,
        tmp_path=tmp_path,
    )
    environment.update(TELEGRAM_RETRY_FIRST_SECONDS="0.2", TELEGRAM_RETRY_MAX_SECONDS="0.8")
    bot = await run_bot(environment, tmp_path, processes)
    log = tmp_path / "bot-0.log"
    await wait_for_lines(log, "retrying", count=3)  # nothing listens yet
    assert bot.returncode is None, "still waiting"

    sandbox = Sandbox(port=port)
    sandbox.fail_next("getMe", error_code=500, count=2)  # up, but failing at first
    await sandbox.start()
    try:
        resident = sandbox.person(user_id=1001, first_name="王阿姨", language_code="zh-hans")
        await resident.send("/start")
        await resident.expect_message(containing="我会用中文和您交流", timeout=30)
        sandbox.fail_next("getUpdates", error_code=502, count=2)  # the same, mid-run
        await resident.tap("🏘 社区")  # ends the long poll under way; the next two fail
        await resident.expect_message(containing="请选择您所在的社区", timeout=30)
        await wait_for_lines(log, "getUpdates failed", count=2)
        await resident.tap("新华路社区")  # fetched by the poll after the failures
        await resident.expect_message(containing="社区：", timeout=30)
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), timeout=30) == 0
    finally:
        await sandbox.stop()
    text = read_log(log)
    assert "Traceback" not in text
    waits = [line for line in text.splitlines() if "retrying" in line]
    assert any("TELEGRAM_API_BASE_URL" in line for line in waits), "names the setting"
    assert any("ConnectError" in line for line in waits), "says why: refused"
    assert any("Internal Server Error" in line for line in waits), "says why: 500"
    assert len([line for line in text.splitlines() if "getUpdates failed" in line]) == 2
    assert sandbox.token not in text


async def test_a_bot_waiting_for_the_bot_api_stops_on_sigterm(
    sqlite_database_url: str, processes: list[asyncio.subprocess.Process], tmp_path: Path
) -> None:
    environment = prepare_environment(
        token=DEFAULT_TOKEN,
        base_url=f"http://127.0.0.1:{free_port()}/bot",
        database_url=sqlite_database_url,
        tmp_path=tmp_path,
    )
    bot = await run_bot(environment, tmp_path, processes)
    await wait_for_lines(tmp_path / "bot-0.log", "retrying", count=1)
    bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.wait(), timeout=10) == 0
    assert "Traceback" not in read_log(tmp_path / "bot-0.log")
