"""`microspace run` against a broken world: one line naming the setting, no traceback.

Each case starts the real command as a process and reads what an operator would see.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from botapi_sandbox import Sandbox
from storage.db import upgrade
from tests.conversation.test_process import ROOT, free_port, prepare_environment
from tests.databases import postgres_base_url, sqlite_url


def microspace_run(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def microspace_run_async(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The same, without blocking the event loop the sandbox answers in."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return subprocess.CompletedProcess(
        [], process.returncode, out.decode("utf-8"), err.decode("utf-8")
    )


def database_env(database_url: str) -> dict[str, str]:
    """The environment of a bot whose database is the thing that is broken."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "MEDIA_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN="123:not-used",
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}",
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
    )
    return env


def assert_one_line(result: subprocess.CompletedProcess[str], *, naming: str, code: int) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert line.startswith("microspace: ")
    assert naming in line
    assert result.returncode == code, result.stderr
    return line


def missing_postgres_database() -> str:
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL leg skipped: MICROSPACE_TEST_POSTGRES_URL is not set")
    url = make_url(base).set(database=f"microspace_missing_{uuid.uuid4().hex[:8]}")
    return url.render_as_string(hide_password=False)


def case(name: str, database_url: str | None, hint: str) -> object:
    return pytest.param(name, database_url, hint, id=name)


@pytest.mark.parametrize(
    ("case", "database_url", "hint"),
    [
        case("postgres port", f"postgresql://postgres@127.0.0.1:{free_port()}/test", "server"),
        case("postgres database", None, "does not exist"),
        case("sqlite under a file", "{tmp}/a-file/db.sqlite3", "directory"),
        case("sqlite in /proc", "/proc/microspace-test.sqlite3", "cannot open"),
    ],
)
def test_a_database_that_cannot_be_opened_is_named(
    case: str, database_url: str | None, hint: str, tmp_path: Path
) -> None:
    if database_url is None:
        database_url = missing_postgres_database()
    elif case.startswith("sqlite"):
        (tmp_path / "a-file").write_text("not a directory", encoding="utf-8")
        database_url = "sqlite:///" + database_url.format(tmp=tmp_path)
    result = microspace_run(database_env(database_url), tmp_path)
    line = assert_one_line(result, naming="DATABASE_URL", code=1)
    assert hint in line


def test_a_malformed_database_port_is_named(tmp_path: Path) -> None:
    env = database_env("postgresql+psycopg://postgres:s3cret@127.0.0.1:54x2/test")
    result = microspace_run(env, tmp_path)
    line = assert_one_line(result, naming="DATABASE_URL is invalid", code=2)
    assert "port" in line
    assert "s3cret" not in line


def test_a_malformed_api_port_is_named(tmp_path: Path) -> None:
    env = database_env(sqlite_url(tmp_path / "test.sqlite3"))
    env["TELEGRAM_API_BASE_URL"] = "http://127.0.0.1:80x1"
    result = microspace_run(env, tmp_path)
    assert_one_line(result, naming="TELEGRAM_API_BASE_URL is invalid: the port", code=2)


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    """A database already at the newest schema, so the run prints no migration lines."""
    url = sqlite_url(tmp_path / "test.sqlite3")
    upgrade(url)
    return url


async def test_a_token_telegram_rejects_is_named(
    sandbox: Sandbox, migrated: str, tmp_path: Path
) -> None:
    env = prepare_environment(
        token="654321:REVOKED", base_url=sandbox.base_url, database_url=migrated, tmp_path=tmp_path
    )
    result = await microspace_run_async(env, tmp_path)
    line = assert_one_line(result, naming="TELEGRAM_BOT_TOKEN", code=1)
    assert "REVOKED" not in line, "the token is a secret, also when wrong"
    assert "@BotFather" in line


async def test_an_address_that_is_no_bot_api_is_named(
    sandbox: Sandbox, migrated: str, tmp_path: Path
) -> None:
    env = prepare_environment(
        token=sandbox.token,
        base_url=f"{sandbox.url}/not-the-api",  # a server answers, with 404 for everything
        database_url=migrated,
        tmp_path=tmp_path,
    )
    result = await microspace_run_async(env, tmp_path)
    line = assert_one_line(result, naming="TELEGRAM_API_BASE_URL", code=1)
    assert sandbox.token not in line
