"""What one update costs our bot, next to bare echo bots measured in the same run.

Each configuration (our bot on SQLite, on PostgreSQL, a bare python-telegram-bot echo bot on
PTB's HTTP client and on ours, and, when installed, a bare aiogram one) runs in a process of
its own against the Bot API sandbox over loopback HTTP; the sandbox and the simulated people
stay in this process. Phases:

- unpaced: 100 residents at once, each from /start to a report receipt ("R-..."), closed
  loop, with Telegram's 30 requests/s pacing off: updates/s, the bot process's CPU time per
  update, SQL statements, transactions and sessions per update, Bot API requests per update
  (and how many carry a chat_id, which AIORateLimiter paces);
- paced: the same with production's AIORateLimiter: updates/s and closed-loop latency;
- open_loop: one update every 1/20 s whatever the bot does, paced as in production: p50/p99
  reply latency below the ceiling.

Every phase gets a fresh sandbox, database and bot process, and a warm-up person who is not
measured. See benchmarks/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
import telegram

from benchmarks import phases
from benchmarks.databases import DEFAULT_POSTGRES_URL, postgres_problem, postgres_version
from benchmarks.echo_bots import AIOGRAM_HINT, aiogram_version
from benchmarks.load import REPLY_TIMEOUT, STEPS_PER_RESIDENT
from benchmarks.meters import JsonDict
from benchmarks.phases import (
    MODES,
    OPEN_LOOP,
    PACED,
    UNPACED,
    Configuration,
    Load,
    run_phase,
)
from benchmarks.report import paired_ratios, problems, ratios, summarise, table
from botapi_sandbox import ApiSpec, SpecNotFoundError, load_spec

DEFAULT_OUTPUT = Path(__file__).with_name("results") / "conversation.json"
NOISY_LOGGERS = ("telegram", "apscheduler", "alembic", "httpx", "aiohttp", "uvicorn", "aiosqlite")

#: the bare PTB echo bot on our HTTP client (bot/aiohttp_request.py), like for like with ours
ECHO_PTB_AIOHTTP = Configuration(
    "echo_ptb_aiohttp", "bare python-telegram-bot echo bot, our aiohttp request", "ptb-aiohttp-echo"
)


def with_echo_ptb_aiohttp(configurations: Sequence[Configuration]) -> tuple[Configuration, ...]:
    """`configurations` with ECHO_PTB_AIOHTTP right after the PTB echo bot."""
    found: list[Configuration] = []
    for configuration in configurations:
        found.append(configuration)
        if configuration.key == "echo_ptb":
            found.append(ECHO_PTB_AIOHTTP)
    return tuple(found)


CONFIGURATIONS = with_echo_ptb_aiohttp(phases.CONFIGURATIONS)


def git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def environment(args: argparse.Namespace, spec: ApiSpec) -> JsonDict:
    status = git("status", "--porcelain")
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load_average(),
        "python_telegram_bot": telegram.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "aiogram": aiogram_version(),
        "postgresql_server": postgres_version(args.postgres_url),
        "git_commit": git("rev-parse", "HEAD"),
        "git_uncommitted_changes": None if status is None else bool(status),
        "sandbox_validates_requests": bool(spec.methods),  # find_spec() stops without one
    }


def skip_reason(configuration: Configuration, args: argparse.Namespace) -> str | None:
    if configuration.bot == "aiogram-echo" and aiogram_version() is None:
        return f"aiogram is not installed ({AIOGRAM_HINT})"
    if configuration.database == "postgresql":
        return postgres_problem(args.postgres_url)
    return None


def plan(configurations: Sequence[Configuration], args: argparse.Namespace) -> list[Any]:
    """(configuration, mode, profile?) in run order: the repeats of a phase are interleaved
    across configurations, so that a busy moment on the machine does not hit one bot only."""
    repeats = {UNPACED: args.repeat, PACED: args.paced_repeat, OPEN_LOOP: args.open_loop_repeat}
    order = []
    for mode in MODES:
        if mode not in args.phases:
            continue
        for round_ in range(repeats[mode]):
            for configuration in configurations:
                if mode == PACED and not configuration.can_pace:
                    continue
                order.append((configuration, mode, mode == UNPACED and round_ == 0))
    return order


async def run_all(args: argparse.Namespace, load: Load) -> dict[str, JsonDict]:
    chosen = [c for c in CONFIGURATIONS if c.key in args.only]
    results: dict[str, JsonDict] = {}
    runnable = []
    for configuration in chosen:
        reason = skip_reason(configuration, args)
        if reason is not None:
            results[configuration.key] = {"label": configuration.label, "skipped": reason}
            sys.stderr.write(f"skipped {configuration.key}: {reason}\n")
        else:
            results[configuration.key] = {"label": configuration.label, "runs": {}, "errors": []}
            runnable.append(configuration)
    for configuration, mode, profile in plan(runnable, args):
        entry = results[configuration.key]
        started = time.perf_counter()
        try:
            result = await run_phase(configuration, mode, load, profile=profile)
        except Exception as exc:  # noqa: BLE001 - one broken phase must not hide the others
            entry["errors"].append(f"{mode}: {exc!r}")
            sys.stderr.write(f"{configuration.key} {mode}: failed: {exc!r}\n")
            continue
        if "per_step" in result:
            entry["per_step"] = result.pop("per_step")
        entry["runs"].setdefault(mode, []).append(result)
        sys.stderr.write(
            f"{configuration.key} {mode}: {result['updates']} updates, "
            f"{result['updates_per_second']} upd/s, {result['bot_cpu_ms_per_update']} ms CPU, "
            f"p99 {result['latency_ms']['p99']} ms ({time.perf_counter() - started:.0f} s)\n"
        )
    for entry in results.values():
        if "runs" in entry:
            entry["summary"] = summarise(entry["runs"])
    return results


def parameters(args: argparse.Namespace, load: Load) -> JsonDict:
    return {
        "residents": args.residents,
        "updates_per_resident": STEPS_PER_RESIDENT,
        "echo_people": args.residents,
        "echo_messages_per_person": args.echo_messages,
        "repeat_unpaced": args.repeat,
        "repeat_paced": args.paced_repeat,
        "repeat_open_loop": args.open_loop_repeat,
        "open_loop_updates_per_second": args.rate,
        "open_loop_seconds": args.open_loop_seconds,
        "open_loop_slots": load.open_loop_slots,
        "open_loop_people_taking_turns": args.open_loop_pool,
        "phases": list(args.phases),
        "reply_timeout_seconds": REPLY_TIMEOUT,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.conversation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--residents", type=int, default=100, help="people at once in the closed loop (100)")
    add("--echo-messages", type=int, default=5, help="texts per person for the echo bots (5)")
    add("--repeat", type=int, default=3, help="unpaced runs per configuration (3)")
    add("--paced-repeat", type=int, default=1, help="paced runs per configuration (1)")
    add("--open-loop-repeat", type=int, default=1, help="open-loop runs per configuration (1)")
    add("--rate", type=float, default=20.0, help="open-loop arrival rate, updates/s (20)")
    add("--open-loop-seconds", type=float, default=10.0, help="open-loop window (10 s)")
    add("--open-loop-pool", type=int, default=20, help="people taking turns in the open loop")
    add("--postgres-url", default=DEFAULT_POSTGRES_URL, help="server for the PostgreSQL row")
    keys = [c.key for c in CONFIGURATIONS]
    add("--only", default=",".join(keys), help=f"comma-separated, of: {', '.join(keys)}")
    add("--phases", default=",".join(MODES), help=f"comma-separated, of: {', '.join(MODES)}")
    add("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON result")
    args = parser.parse_args(argv)
    args.only = [k.strip() for k in args.only.split(",") if k.strip()]
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if unknown := set(args.only) - set(keys):
        parser.error(f"--only: unknown {sorted(unknown)}")
    if unknown := set(args.phases) - set(MODES):
        parser.error(f"--phases: unknown {sorted(unknown)}")
    counts = (args.residents, args.echo_messages, args.open_loop_pool)
    if min(counts) < 1 or min(args.repeat, args.paced_repeat, args.open_loop_repeat) < 0:
        parser.error("counts must be at least 1 (repeats at least 0)")
    if args.rate <= 0 or args.open_loop_seconds <= 0:
        parser.error("--rate and --open-loop-seconds must be positive")
    return args


def find_spec() -> ApiSpec:
    """The Bot API reference the sandbox checks every request against; exit 2 without it."""
    try:
        return load_spec()
    except SpecNotFoundError as exc:
        sys.stderr.write(f"benchmark: {exc}\n")
        raise SystemExit(2) from None


async def benchmark(args: argparse.Namespace) -> int:
    spec = find_spec()
    load = Load(
        spec=spec,
        residents=args.residents,
        echo_messages=args.echo_messages,
        postgres_url=args.postgres_url,
        open_loop_rate=args.rate,
        open_loop_seconds=args.open_loop_seconds,
        open_loop_pool=args.open_loop_pool,
    )
    started = time.perf_counter()
    document: JsonDict = {
        "benchmark": "conversation",
        "environment": environment(args, spec),
        "parameters": parameters(args, load),
    }
    configurations = await run_all(args, load)
    document["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    document["wall_seconds"] = round(time.perf_counter() - started, 1)
    document["load_average_at_end"] = load_average()
    document["ratios"] = {
        **ratios(configurations),
        **ratios(configurations, echo_key=ECHO_PTB_AIOHTTP.key),
        **paired_ratios(configurations),
    }
    document["configurations"] = configurations
    found = problems(configurations)
    document["problems"] = found
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    args.output.write_text(text, encoding="utf-8")
    labels = {key: entry["label"] for key, entry in configurations.items()}
    sys.stdout.write(table(labels, configurations, rate=args.rate))
    sys.stdout.write(f"ratios: {json.dumps(document['ratios'])}; written to {args.output}\n")
    for problem in found:
        sys.stderr.write(f"problem: {problem}\n")
    return 1 if found else 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return asyncio.run(benchmark(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
