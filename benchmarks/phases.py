"""One phase of the benchmark: one bot, one kind of load, a fresh sandbox and database.

A phase starts the bot in its own process, warms it up with one person who is not measured,
takes the bot's counters, applies the load, waits until the bot is quiet, and takes the
counters again. What it returns is plain JSON.
"""

from __future__ import annotations

import resource
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.databases import fresh_postgres, fresh_sqlite
from benchmarks.load import (
    STEPS_PER_RESIDENT,
    Cast,
    OpenLoop,
    Samples,
    Script,
    TimedSandbox,
    await_reply,
    drive_closed,
    drive_open,
    latency_summary,
    play,
    position,
    quiet,
    take_step,
)
from benchmarks.meters import JsonDict
from benchmarks.process import BotProcess, bot_command, bot_process
from botapi_sandbox import ApiSpec

UNPACED, PACED, OPEN_LOOP = "unpaced", "paced", "open_loop"
MODES = (UNPACED, PACED, OPEN_LOOP)


@dataclass(frozen=True)
class Configuration:
    """A bot and its database, as one row of the results."""

    key: str
    label: str
    bot: str  # benchmarks/bot_process.py BOTS
    database: str | None = None  # "sqlite" | "postgresql"
    can_pace: bool = True  # aiogram has no pacing of its own

    def paced_in(self, mode: str) -> bool:
        """The open-loop phase runs as in production: paced, where the bot can pace."""
        return self.can_pace and mode in (PACED, OPEN_LOOP)


CONFIGURATIONS = (
    Configuration("ours_sqlite", "microspace-bot, SQLite", "ours", "sqlite"),
    Configuration("ours_postgresql", "microspace-bot, PostgreSQL", "ours", "postgresql"),
    Configuration("echo_ptb", "bare python-telegram-bot echo bot", "ptb-echo"),
    Configuration("echo_aiogram", "bare aiogram echo bot", "aiogram-echo", can_pace=False),
)


@dataclass(frozen=True)
class Load:
    """How hard to push: the same for every configuration of a run."""

    spec: ApiSpec
    residents: int
    echo_messages: int
    postgres_url: str
    open_loop_rate: float
    open_loop_seconds: float
    open_loop_pool: int

    @property
    def open_loop_slots(self) -> int:
        return round(self.open_loop_rate * self.open_loop_seconds)

    def cast(self, sandbox: TimedSandbox, configuration: Configuration) -> Cast:
        ours = configuration.bot == "ours"
        steps = STEPS_PER_RESIDENT if ours else self.echo_messages
        # the open loop brings in newcomers as people finish: room for all of them
        open_loop_people = 2 * self.open_loop_pool + self.open_loop_slots // steps + 1
        grid = max(self.residents, open_loop_people)
        return Cast(sandbox, residents=ours, grid=grid, echo_messages=self.echo_messages)


@asynccontextmanager
async def database(
    configuration: Configuration, load: Load, directory: Path
) -> AsyncIterator[str | None]:
    if configuration.database == "sqlite":
        async with fresh_sqlite(directory) as url:
            yield url
    elif configuration.database == "postgresql":
        async with fresh_postgres(load.postgres_url) as url:
            yield url
    else:
        yield None


def cpu_seconds_here() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _per(value: float, updates: int, digits: int = 2) -> float | None:
    return round(value / updates, digits) if updates else None


def api_costs(calls: Sequence[tuple[str, bool]], updates: int) -> JsonDict:
    """Requests the bot made (getUpdates aside); "paced" are those carrying a chat_id,
    which AIORateLimiter holds to Telegram's 30 per second."""
    by_method = Counter(method for method, _paced in calls if method != "getUpdates")
    paced = sum(1 for method, with_chat in calls if with_chat and method != "getUpdates")
    polls = sum(1 for method, _paced in calls if method == "getUpdates")
    return {
        "bot_api_calls": dict(by_method.most_common()),
        # how many updates each poll brought, on average: a poll costs a request and its
        # answer's parsing whatever it brings, so a bot that polls more often pays more
        "updates_per_poll": round(updates / polls, 2) if polls else None,
        "api_requests_per_update": _per(sum(by_method.values()), updates),
        "paced_requests_per_update": _per(paced, updates),
    }


def bot_costs(before: JsonDict, after: JsonDict, updates: int) -> JsonDict:
    """The bot process's CPU time and database work between two marks, per update."""
    user = after["cpu"]["user"] - before["cpu"]["user"]
    system = after["cpu"]["system"] - before["cpu"]["system"]
    costs: JsonDict = {
        "bot_cpu_ms": {"user": round(user * 1000, 1), "system": round(system * 1000, 1)},
        "bot_cpu_ms_per_update": _per((user + system) * 1000, updates),
    }
    if before["db_server_cpu"] is not None:
        server = after["db_server_cpu"] - before["db_server_cpu"]
        costs["db_server_cpu_ms_per_update"] = _per(server * 1000, updates)
    if before["sql"] is not None:
        costs["sql"] = sql_costs(before["sql"], after["sql"], updates)
    return costs


def sql_costs(before: JsonDict, after: JsonDict, updates: int) -> JsonDict:
    counts = {
        key: after[key] - before[key]
        for key in after
        if not key.startswith("by_") and key in before
    }
    return {
        "total": counts,
        "per_update": {key: _per(value, updates) for key, value in counts.items()},
        "by_statement_per_update": _by_kind(before, after, "by_statement", updates),
        "by_compiled_per_update": _by_kind(before, after, "by_compiled", updates),
    }


def _by_kind(before: JsonDict, after: JsonDict, key: str, updates: int) -> JsonDict:
    kinds: Counter[str] = Counter(after.get(key, {}))
    kinds.subtract(before.get(key, {}))
    return {kind: _per(n, updates, 3) for kind, n in kinds.most_common() if n}


def calls_since(sandbox: TimedSandbox, start: int) -> list[tuple[str, bool]]:
    return [(call.method, "chat_id" in call.params) for call in sandbox.calls[start:]]


async def profile_steps(
    sandbox: TimedSandbox, bot: BotProcess, script: Script, failures: list[str]
) -> list[JsonDict]:
    """One person alone, with the bot's counters taken around each of their updates."""
    person, steps = script
    rows: list[JsonDict] = []
    for step in steps:
        before, calls_before = await bot.mark(), len(sandbox.calls)
        queued = await take_step(sandbox, person, step)
        samples = Samples()
        if not await await_reply(sandbox, person, step, queued, samples):
            failures.extend(samples.failures)
            break
        await quiet(sandbox, for_seconds=0.15)
        after = await bot.mark()
        rows.append(step_row(step.name, samples, calls_since(sandbox, calls_before), before, after))
    return rows


def step_row(
    name: str, samples: Samples, calls: list[tuple[str, bool]], before: JsonDict, after: JsonDict
) -> JsonDict:
    """One update's costs, flat: what the bot sent, its CPU time, its SQL."""
    api, costs = api_costs(calls, 1), bot_costs(before, after, 1)
    row: JsonDict = {
        "step": name,
        "latency_ms": latency_summary(samples.latencies)["p50"],
        "bot_api_calls": api["bot_api_calls"],
        "paced_requests": api["paced_requests_per_update"],
        "bot_cpu_ms": costs["bot_cpu_ms_per_update"],
    }
    if "sql" in costs:
        row.update(costs["sql"]["total"])
        row["by_statement"] = costs["sql"]["by_statement_per_update"]
        row["by_compiled"] = costs["sql"]["by_compiled_per_update"]
    return row


def latencies(samples: Samples) -> JsonDict:
    return {
        "latency_ms": latency_summary(samples.latencies),
        "latency_ms_by_step": {k: latency_summary(v) for k, v in samples.by_step.items()},
    }


def open_loop_fields(window: OpenLoop) -> JsonDict:
    late = sorted(window.late_ms)
    quarters = window.samples.by_quarter()
    return {
        "target_updates_per_second": round(window.slots / window.seconds, 2),
        "slots": window.slots,
        "sent": window.sent,
        "missed_slots": window.missed,
        "send_lateness_ms_max": round(late[-1], 2) if late else None,
        # flat when the bot keeps up; rising when the arrivals outrun it (a growing queue)
        "p50_ms_by_quarter": [latency_summary(q)["p50"] for q in quarters],
    }


async def run_phase(
    configuration: Configuration, mode: str, load: Load, *, profile: bool = False
) -> JsonDict:
    """One phase on a fresh sandbox, database and bot process; see the module docstring."""
    paced = configuration.paced_in(mode)
    with tempfile.TemporaryDirectory(prefix="microspace-bench-") as tmp:
        async with (
            database(configuration, load, Path(tmp)) as url,
            TimedSandbox(load.spec) as sandbox,
        ):
            command = bot_command(
                configuration.bot,
                sandbox.url,
                sandbox.token,
                paced=paced,
                database_url=url,
                media_dir=Path(tmp) / "media",
            )
            async with bot_process(command) as bot:
                result = await measured(sandbox, bot, configuration, mode, load, profile)
    result.update(mode=mode, paced=paced, rejections=[str(r) for r in sandbox.rejections])
    return result


async def measured(
    sandbox: TimedSandbox,
    bot: BotProcess,
    configuration: Configuration,
    mode: str,
    load: Load,
    profile: bool,
) -> JsonDict:
    cast = load.cast(sandbox, configuration)
    setup = Samples()  # not measured; only its failures are kept
    await play(sandbox, *cast.apart(0), setup)  # warms the bot up: first use of everything
    per_step = await profile_steps(sandbox, bot, cast.apart(1), setup.failures) if profile else None
    ready = None
    if mode == OPEN_LOOP:
        ready = await position(sandbox, cast, load.open_loop_pool, setup)
    await quiet(sandbox)

    before = await bot.mark()
    calls_before, updates_before = len(sandbox.calls), sandbox.updates_queued
    driver_before = cpu_seconds_here()
    window = None
    if ready is not None:
        window = await drive_open(
            sandbox, cast, ready, rate=load.open_loop_rate, slots=load.open_loop_slots
        )
        samples, seconds = window.samples, window.seconds
    else:
        # the echo bots get as many people, each sending echo_messages texts
        samples, seconds = await drive_closed(sandbox, cast.take(load.residents))
    await quiet(sandbox)
    driver_cpu = cpu_seconds_here() - driver_before
    after = await bot.mark()
    updates = sandbox.updates_queued - updates_before

    result: JsonDict = {
        "updates": updates,
        "replies_timed": len(samples.latencies),
        "seconds": round(seconds, 3),
        "updates_per_second": round(updates / seconds, 1) if seconds > 0 else None,
    }
    result.update(latencies(samples))
    result.update(api_costs(calls_since(sandbox, calls_before), updates))
    result.update(bot_costs(before, after, updates))
    result["driver_cpu_ms_per_update"] = _per(driver_cpu * 1000, updates)
    if window is not None:
        result["open_loop"] = open_loop_fields(window)
    if per_step is not None:
        result["per_step"] = per_step
    result["failures"] = [f"before the load: {f}" for f in setup.failures] + samples.failures
    return result
