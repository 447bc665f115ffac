"""One bot in a process of its own, so that its CPU time is its own.

The conversation benchmark (benchmarks/conversation.py) starts this module with
``python -m benchmarks.bot_process`` and keeps the sandbox and the simulated people in its own
process. This process runs the bot against the sandbox's URL and answers a tiny protocol, one
JSON object per line:

- it prints ``{"event": "ready", ...}`` once the bot polls;
- on ``mark`` (stdin) it prints a snapshot: its CPU time, and for our bot the SQL meter and
  the CPU time of its PostgreSQL server processes (benchmarks/meters.py);
- on ``stop`` (or end of input) it stops the bot, prints ``{"event": "stopped"}`` and exits.

Only the protocol goes to stdout; logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path

from telegram.ext import AIORateLimiter

from benchmarks.echo_bots import running_aiogram_echo, running_ptb_echo
from benchmarks.meters import JsonDict, PostgresBackends, SqlMeter, cpu_seconds
from bot.app import build_application, handler_config
from bot.runner import polling
from bot.settings import load_settings
from storage.db import make_engine

BOTS = ("ours", "ptb-echo", "ptb-aiohttp-echo", "aiogram-echo")
NOISY_LOGGERS = ("telegram", "apscheduler", "httpx", "aiohttp", "aiogram", "aiosqlite")


def unpaced_rate_limiter() -> AIORateLimiter:
    """AIORateLimiter without its 30 requests/s pacing; it still retries 429s."""
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)


class Meters:
    """What a ``mark`` reports; the SQL meters only exist for our bot."""

    def __init__(self) -> None:
        self.sql: SqlMeter | None = None
        self.postgres: PostgresBackends | None = None

    def snapshot(self) -> JsonDict:
        return {
            "event": "mark",
            "cpu": cpu_seconds(),
            "sql": self.sql.snapshot() if self.sql is not None else None,
            "db_server_cpu": self.postgres.cpu_seconds() if self.postgres is not None else None,
        }


@asynccontextmanager
async def running_ours(args: argparse.Namespace, meters: Meters) -> AsyncIterator[None]:
    """Our bot as production builds it, on the engine the meters listen to.

    Paced: ``build_application``'s own rate limiter (AIORateLimiter, Telegram's 30/s).
    Unpaced: the same limiter class with its pacing off.
    """
    settings = load_settings(
        _env_file=None,
        telegram_bot_token=args.token,
        telegram_api_base_url=f"{args.api_url}/bot",
        database_url=args.database_url,
        media_dir=Path(args.media_dir),
    )
    engine = make_engine(settings.database_url)
    meters.sql = SqlMeter()
    meters.sql.attach(engine)
    if engine.dialect.name == "postgresql":
        meters.postgres = PostgresBackends()
        meters.postgres.attach(engine)
    # As in bot/demo.py: scripted people type faster than any thumb.
    config = replace(handler_config(settings), album_settle_seconds=0.3, flood_limit=1000)
    limiter = None if args.paced else unpaced_rate_limiter()
    application = build_application(settings, engine=engine, config=config, rate_limiter=limiter)
    try:
        async with polling(application):
            yield
    finally:
        await engine.dispose()


def running_bot(args: argparse.Namespace, meters: Meters) -> AbstractAsyncContextManager[None]:
    if args.bot == "ours":
        return running_ours(args, meters)
    if args.bot in ("ptb-echo", "ptb-aiohttp-echo"):
        aiohttp = args.bot == "ptb-aiohttp-echo"
        return running_ptb_echo(args.token, args.api_url, paced=args.paced, aiohttp=aiohttp)
    return running_aiogram_echo(args.token, args.api_url)


def say(message: JsonDict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    meters = Meters()
    async with running_bot(args, meters):
        say({"event": "ready", "pid": os.getpid()})
        while line := (await commands.readline()).decode().strip():
            if line == "stop":
                break
            if line == "mark":
                say(meters.snapshot())
            else:
                say({"event": "error", "error": f"unknown command {line!r}"})
    say({"event": "stopped"})


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bot_process")
    parser.add_argument("--bot", choices=BOTS, required=True)
    parser.add_argument("--api-url", required=True, help="the sandbox, e.g. http://127.0.0.1:1234")
    parser.add_argument("--token", required=True)
    parser.add_argument("--database-url", help="ours only")
    parser.add_argument("--media-dir", help="ours only")
    parser.add_argument("--paced", action="store_true", help="Telegram's 30 requests/s pacing")
    args = parser.parse_args(argv)
    if args.bot == "ours" and not (args.database_url and args.media_dir):
        parser.error("--bot ours needs --database-url and --media-dir")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # as `microspace run` does
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="bot: %(levelname)s %(name)s: %(message)s"
    )
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = parse_args(argv)
    # For finding where the CPU goes, not for figures: cProfile slows the bot down.
    profile_to = os.environ.get("MICROSPACE_BENCH_PROFILE")
    if not profile_to:
        asyncio.run(serve(args))
        return 0
    profiler = cProfile.Profile()
    profiler.runcall(asyncio.run, serve(args))
    profiler.dump_stats(f"{profile_to}.{args.bot}.{os.getpid()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
