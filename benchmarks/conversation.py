"""Throughput and reply latency of full report conversations, next to a bare echo bot.

Both bots run in this process, in one event loop, against the Bot API sandbox over real
loopback HTTP, on the same machine and in the same run:

- baseline: a python-telegram-bot Application with one echo handler; N people each send M
  texts, one at a time, waiting for each echo;
- ours: the real bot as ``build_application`` makes it (SQLite in a temporary directory, the
  example communities, the flood limit raised as in the demo); N residents at once each go
  from /start to a report receipt ("R-...");
- ours, unpaced: the same, with AIORateLimiter's 30 requests/s pacing switched off, to show
  what the bot itself costs.

Load is closed-loop: every simulated person waits for the reply before the next update.
Latency is measured inside the sandbox, from the moment a person's update is queued to the
moment the expected bot message is stored. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import telegram
from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import build_application, handler_config
from bot.demo import EXAMPLE_COMMUNITIES
from bot.runner import polling
from bot.settings import load_settings
from botapi_sandbox import ApiSpec, Person, Sandbox, SpecNotFoundError, load_spec, make_photo
from botapi_sandbox.models import StoredMessage
from botapi_sandbox.state import ChatState, JsonDict
from storage.communities import import_communities, read_communities_file
from storage.db import make_engine, session_scope, upgrade

DEFAULT_OUTPUT = Path(__file__).with_name("results") / "conversation.json"
#: generous: under load a reply may queue behind the rate limiter, and this is no test
REPLY_TIMEOUT = 60.0
ECHO_USER_IDS = 500_000
RESIDENT_USER_IDS = 100_000
#: the example community "新华路社区" (radius 800 m); residents stand on a grid around it,
#: ~75 m apart, so that no report is "near" another one (which would add "me too" buttons)
CENTRE = (31.2066, 121.4270)
GRID_STEP = (0.00068, 0.00079)
PERCENTILES = (50, 95, 99)
NOISY_LOGGERS = ("telegram", "apscheduler", "alembic", "httpx", "uvicorn", "aiosqlite")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
Action = Callable[[Person], Awaitable[object]]


# -- the sandbox, with a stopwatch -------------------------------------------------------------


class TimedSandbox(Sandbox):
    """The sandbox noting when each person's update is queued and each bot message stored."""

    def __init__(self, spec: ApiSpec) -> None:
        super().__init__(spec=spec)
        self.updates_queued = 0
        self.queued_at: dict[int, float] = {}  # user id -> their latest update
        self.stored_at: dict[tuple[int, int], float] = {}  # (chat id, message id)

    def queue_updates(self, items: list[tuple[str, JsonDict]]) -> list[JsonDict]:
        now = time.perf_counter()
        for _kind, payload in items:
            self.queued_at[int(payload["from"]["id"])] = now
        self.updates_queued += len(items)
        return super().queue_updates(items)

    def new_message(
        self, chat: ChatState, sender: JsonDict, content: JsonDict, *, from_bot: bool
    ) -> StoredMessage:
        stored = super().new_message(chat, sender, content, from_bot=from_bot)
        if from_bot:
            self.stored_at[(stored.chat_id, stored.message_id)] = time.perf_counter()
        return stored


@dataclass(frozen=True)
class SandboxOptions:
    """How every phase's sandbox is made: the reference to validate against."""

    spec: ApiSpec

    def sandbox(self) -> TimedSandbox:
        return TimedSandbox(self.spec)


# -- scripts: what each simulated person does ----------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One update a person sends, and the text of the bot message that answers it."""

    name: str
    act: Action
    expect: str
    #: messages read, in order, before / after the one timed (the bot sends them too, and
    #: the sandbox's expect_message reads every message in order)
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


def _send(text: str) -> Action:
    async def act(person: Person) -> object:
        return await person.send(text)

    return act


def _tap(label: str) -> Action:
    async def act(person: Person) -> object:
        return await person.tap(label, wait=REPLY_TIMEOUT)

    return act


def _photo(data: bytes) -> Action:
    async def act(person: Person) -> object:
        return await person.send_photo(data)

    return act


def _location(latitude: float, longitude: float) -> Action:
    async def act(person: Person) -> object:
        return await person.send_location(latitude, longitude)

    return act


def echo_steps(user_id: int, messages: int) -> list[Step]:
    texts = [f"echo #{n:04d} from {user_id}" for n in range(messages)]
    return [Step("echo", _send(text), text) for text in texts]


def report_steps(photo: bytes, latitude: float, longitude: float) -> list[Step]:
    """Onboarding in Chinese and one report, as in tests/conversation/test_report_flow.py."""
    return [
        Step("start", _send("/start"), "请选择语言"),
        Step("language", _tap("✓ 中文"), "请选择您所在的社区", after=("发送位置",)),
        Step("community", _tap("新华路社区"), "社区："),
        Step("report", _tap("📷 报告角落问题"), "第 1 步"),
        Step("photo", _photo(photo), "已收到 1 张照片"),
        Step("photos_done", _tap("➡ 照片好了，下一步"), "第 2 步"),
        Step("location", _location(latitude, longitude), "第 3 步", before=("📍 地点：",)),
        Step("category", _tap("🗑 垃圾与杂物堆放"), "第 4 步"),
        Step("skip_words", _tap("➡ 跳过"), "请确认您的报告"),
        Step("confirm", _tap("✅ 确认提交"), "R-"),
    ]


def grid_point(index: int, count: int) -> tuple[float, float]:
    side = math.ceil(math.sqrt(count))
    row, column = divmod(index, side)
    middle = (side - 1) / 2
    return (
        CENTRE[0] + (row - middle) * GRID_STEP[0],
        CENTRE[1] + (column - middle) * GRID_STEP[1],
    )


# -- driving people and collecting samples --------------------------------------------------------


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    by_step: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, step: str, seconds: float) -> None:
        self.latencies.append(seconds)
        self.by_step.setdefault(step, []).append(seconds)


async def play(
    sandbox: TimedSandbox, person: Person, steps: Sequence[Step], samples: Samples
) -> None:
    """One person's script, step by step, each waiting for its reply."""
    for step in steps:
        try:
            await step.act(person)
            # the action queues its update and returns without yielding to the loop again,
            # so this is still this person's update
            queued = sandbox.queued_at[person.user_id]
            for text in step.before:
                await person.expect_message(containing=text, timeout=REPLY_TIMEOUT)
            reply = await person.expect_message(containing=step.expect, timeout=REPLY_TIMEOUT)
            for text in step.after:
                await person.expect_message(containing=text, timeout=REPLY_TIMEOUT)
        except AssertionError as exc:
            first_line = str(exc).splitlines()[0]
            samples.failures.append(f"{person.first_name} at {step.name}: {first_line}")
            return
        samples.add(step.name, sandbox.stored_at[(reply.chat_id, reply.message_id)] - queued)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(values: Sequence[float]) -> dict[str, float | None]:
    def ms(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds * 1000, 2)

    summary = {f"p{q}": ms(percentile(values, q)) for q in PERCENTILES}
    summary["mean"] = ms(sum(values) / len(values)) if values else None
    summary["max"] = ms(max(values)) if values else None
    return summary


@dataclass(frozen=True)
class Measurement:
    """One phase: how many updates the people sent, how fast, and how long each reply took."""

    people: int
    updates: int
    replies_timed: int
    seconds: float
    updates_per_second: float
    latency_ms: dict[str, float | None]
    latency_ms_by_step: dict[str, dict[str, float | None]]
    bot_api_calls: dict[str, int]
    bot_api_calls_per_update: float
    failures: list[str]


def measure(
    samples: Samples, people: int, updates: int, seconds: float, calls: Counter[str]
) -> Measurement:
    sends = sum(n for method, n in calls.items() if method != "getUpdates")
    return Measurement(
        people=people,
        updates=updates,
        replies_timed=len(samples.latencies),
        seconds=round(seconds, 3),
        updates_per_second=round(updates / seconds, 1) if seconds > 0 else 0.0,
        latency_ms=latency_summary(samples.latencies),
        latency_ms_by_step={k: latency_summary(v) for k, v in samples.by_step.items()},
        bot_api_calls=dict(calls.most_common()),
        bot_api_calls_per_update=round(sends / updates, 2) if updates else 0.0,
        failures=samples.failures,
    )


async def drive(sandbox: TimedSandbox, scripts: Sequence[tuple[Person, list[Step]]]) -> Measurement:
    """Everyone at once; the clock runs from the first update to the last reply."""
    samples = Samples()
    updates_before, calls_before = sandbox.updates_queued, len(sandbox.calls)
    started = time.perf_counter()
    await asyncio.gather(*(play(sandbox, person, steps, samples) for person, steps in scripts))
    elapsed = time.perf_counter() - started
    calls = Counter(call.method for call in sandbox.calls[calls_before:])
    updates = sandbox.updates_queued - updates_before
    return measure(samples, len(scripts), updates, elapsed, calls)


# -- the two bots ------------------------------------------------------------------------------


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def echo_application(sandbox: Sandbox) -> AnyApplication:
    application: AnyApplication = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


async def run_echo(
    options: SandboxOptions, people: int, messages: int
) -> tuple[Measurement, list[str]]:
    async with options.sandbox() as sandbox:
        scripts = []
        for n in range(people):
            person = sandbox.person(ECHO_USER_IDS + n, f"Echo {n}", language_code="en")
            scripts.append((person, echo_steps(person.user_id, messages)))
        async with polling(echo_application(sandbox)):
            measurement = await drive(sandbox, scripts)
    return measurement, [str(r) for r in sandbox.rejections]


async def prepare_database(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with session_scope(engine) as session:
            items = read_communities_file(EXAMPLE_COMMUNITIES)
            await import_communities(session, items=items)
    finally:
        await engine.dispose()


def unpaced_rate_limiter(max_retries: int = 0) -> AIORateLimiter:
    """AIORateLimiter without its 30 requests/s pacing; it still retries 429s."""
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)


def our_application(sandbox: Sandbox, url: str, media_dir: Path, *, paced: bool) -> AnyApplication:
    settings = load_settings(
        _env_file=None,
        telegram_bot_token=sandbox.token,
        telegram_api_base_url=sandbox.base_url,
        database_url=url,
        media_dir=media_dir,
    )
    # As in bot/demo.py: scripted people type faster than any thumb.
    config = replace(handler_config(settings), album_settle_seconds=0.3, flood_limit=1000)
    limiter = None if paced else unpaced_rate_limiter()
    return build_application(settings, config=config, rate_limiter=limiter)


def resident_scripts(sandbox: Sandbox, residents: int) -> list[tuple[Person, list[Step]]]:
    scripts = []
    for n in range(residents):
        person = sandbox.person(RESIDENT_USER_IDS + n, f"居民{n}", language_code="zh-hans")
        latitude, longitude = grid_point(n, residents)
        scripts.append((person, report_steps(make_photo(seed=n), latitude, longitude)))
    return scripts


async def run_ours(
    options: SandboxOptions, residents: int, *, paced: bool
) -> tuple[Measurement, list[str]]:
    with tempfile.TemporaryDirectory(prefix="microspace-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        await prepare_database(url)
        async with options.sandbox() as sandbox:
            scripts = resident_scripts(sandbox, residents)  # photos are made before the clock
            application = our_application(sandbox, url, Path(tmp) / "media", paced=paced)
            async with polling(application):
                measurement = await drive(sandbox, scripts)
            await application.bot_data.services.engine.dispose()
    return measurement, [str(r) for r in sandbox.rejections]


# -- report ----------------------------------------------------------------------------------


def git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def environment(options: SandboxOptions) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "python_telegram_bot": telegram.__version__,
        "git_commit": git_commit(),
        "sandbox_validates_requests": True,  # find_spec() stops the run without a reference
    }


@dataclass(frozen=True)
class Run:
    """The three phases of one run."""

    echo: Measurement
    ours: Measurement
    ours_unpaced: Measurement
    rejections: list[str]

    @property
    def problems(self) -> list[str]:
        phases = (self.echo, self.ours, self.ours_unpaced)
        return [*self.rejections, *(f for m in phases for f in m.failures)]


def _shown(value: float | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:.0f}{unit}"


def summary_line(run: Run) -> str:
    ratio = throughput_ratio(run.echo, run.ours)
    shown_ratio = "n/a" if ratio is None else f"{ratio:.2f}"
    problems = f" -- {len(run.problems)} problem(s), see stderr" if run.problems else ""
    return (
        f"conversation: {run.ours.updates_per_second:.0f} upd/s vs echo "
        f"{run.echo.updates_per_second:.0f} upd/s (ratio {shown_ratio}), "
        f"p99 {_shown(run.ours.latency_ms['p99'], ' ms')} at {run.ours.people} residents "
        f"[without the 30/s pacing: {run.ours_unpaced.updates_per_second:.0f} upd/s, "
        f"p99 {_shown(run.ours_unpaced.latency_ms['p99'], ' ms')}]{problems}\n"
    )


def throughput_ratio(echo_run: Measurement, ours: Measurement) -> float | None:
    if echo_run.updates_per_second <= 0:
        return None
    return round(ours.updates_per_second / echo_run.updates_per_second, 3)


def write_result(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# -- entry point -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.conversation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--residents", type=int, default=20, help="concurrent people (default 20)")
    parser.add_argument(
        "--echo-messages", type=int, default=20, help="texts per person for the echo baseline"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON result")
    args = parser.parse_args(argv)
    if args.residents < 1 or args.echo_messages < 1:
        parser.error("--residents and --echo-messages must be at least 1")
    return args


def find_spec() -> ApiSpec:
    try:
        return load_spec()
    except SpecNotFoundError as exc:
        sys.stderr.write(f"benchmark: {exc}\n")
        raise SystemExit(2) from None


def result_document(args: argparse.Namespace, options: SandboxOptions, run: Run) -> dict[str, Any]:
    return {
        "benchmark": "conversation",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(options),
        "parameters": {
            "residents": args.residents,
            "echo_people": args.residents,
            "echo_messages_per_person": args.echo_messages,
            "updates_per_resident": len(report_steps(b"", *CENTRE)),
            "reply_timeout_seconds": REPLY_TIMEOUT,
        },
        "baseline_echo": asdict(run.echo),
        "ours": asdict(run.ours),
        "ours_unpaced": asdict(run.ours_unpaced),
        "throughput_ratio_ours_over_echo": throughput_ratio(run.echo, run.ours),
        "throughput_ratio_unpaced_over_echo": throughput_ratio(run.echo, run.ours_unpaced),
        "sandbox_rejections": run.rejections,
    }


async def run_all(args: argparse.Namespace, options: SandboxOptions) -> Run:
    echo_run, echo_rejections = await run_echo(options, args.residents, args.echo_messages)
    ours, our_rejections = await run_ours(options, args.residents, paced=True)
    unpaced, unpaced_rejections = await run_ours(options, args.residents, paced=False)
    rejections = echo_rejections + our_rejections + unpaced_rejections
    return Run(echo=echo_run, ours=ours, ours_unpaced=unpaced, rejections=rejections)


async def benchmark(args: argparse.Namespace) -> int:
    options = SandboxOptions(spec=find_spec())
    run = await run_all(args, options)
    write_result(args.output, result_document(args, options, run))
    sys.stdout.write(summary_line(run))
    for problem in run.problems:
        sys.stderr.write(f"problem: {problem}\n")
    return 1 if run.problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return asyncio.run(benchmark(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
