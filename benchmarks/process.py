"""The benchmark's handle on a bot running in its own process (benchmarks/bot_process.py)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from benchmarks.meters import JsonDict

ROOT = Path(__file__).parents[1]
#: start-up includes imports and, for our bot, the first connection to the database
READY_TIMEOUT = 120.0
ANSWER_TIMEOUT = 30.0


class BotProcessError(RuntimeError):
    """The bot's process died, said something unexpected, or did not answer in time."""


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        return self._process.pid

    async def _read(self, timeout: float) -> JsonDict:  # noqa: ASYNC109
        assert self._process.stdout is not None
        try:
            async with asyncio.timeout(timeout):
                line = await self._process.stdout.readline()
        except TimeoutError:
            raise BotProcessError(f"the bot's process said nothing for {timeout} s") from None
        if not line:
            code = await self._process.wait()
            raise BotProcessError(f"the bot's process ended (exit status {code}); see stderr")
        answer = json.loads(line)
        if not isinstance(answer, dict) or answer.get("event") == "error":
            raise BotProcessError(f"the bot's process answered {line!r}")
        return answer

    async def _tell(self, command: str) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(f"{command}\n".encode())
        await self._process.stdin.drain()

    async def ready(self) -> None:
        answer = await self._read(READY_TIMEOUT)
        if answer.get("event") != "ready":
            raise BotProcessError(f"expected ready, got {answer!r}")

    async def mark(self) -> JsonDict:
        """The bot's counters now (benchmarks/bot_process.py ``Meters.snapshot``)."""
        await self._tell("mark")
        return await self._read(ANSWER_TIMEOUT)

    async def stop(self) -> None:
        if self._process.returncode is None:
            try:
                await self._tell("stop")
                await self._read(ANSWER_TIMEOUT)
                async with asyncio.timeout(ANSWER_TIMEOUT):
                    await self._process.wait()
            except (BotProcessError, TimeoutError, ConnectionError):
                self._process.kill()
                await self._process.wait()


def bot_command(
    bot: str, api_url: str, token: str, *, paced: bool, database_url: str | None, media_dir: Path
) -> list[str]:
    command = [sys.executable, "-m", "benchmarks.bot_process", "--bot", bot]
    command += ["--api-url", api_url, "--token", token]
    if bot == "ours":
        assert database_url is not None
        command += ["--database-url", database_url, "--media-dir", str(media_dir)]
    if paced:
        command.append("--paced")
    return command


@asynccontextmanager
async def bot_process(command: list[str]) -> AsyncIterator[BotProcess]:
    """Start the bot's process, wait until it polls, and stop it at the end of the block."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    handle = BotProcess(process)
    try:
        await handle.ready()
        yield handle
    finally:
        await handle.stop()
