"""A benchmark phase end to end: the bot in its own process, its counters taken around the load.

Tiny loads: these check that the figures are wired to the right things (the bot's own engine,
the sandbox's requests), not how fast anything is.
"""

from __future__ import annotations

from benchmarks.load import STEPS_PER_RESIDENT
from benchmarks.phases import CONFIGURATIONS, OPEN_LOOP, UNPACED, Configuration, Load, run_phase
from botapi_sandbox import load_spec

BY_KEY = {configuration.key: configuration for configuration in CONFIGURATIONS}
TINY = Load(
    spec=load_spec(),
    residents=2,
    echo_messages=2,
    postgres_url="",
    open_loop_rate=10,
    open_loop_seconds=1.0,
    open_loop_pool=2,
)


def configuration(key: str) -> Configuration:
    return BY_KEY[key]


async def test_echo_phase_counts_the_updates_and_the_bot_process_cpu() -> None:
    result = await run_phase(configuration("echo_ptb"), UNPACED, TINY)

    assert (result["failures"], result["rejections"]) == ([], [])
    assert result["updates"] == 4
    assert result["replies_timed"] == 4
    assert result["bot_api_calls"] == {"sendMessage": 4}  # the warm-up's are not counted
    assert result["paced_requests_per_update"] == 1.0
    assert result["bot_cpu_ms_per_update"] > 0
    assert "sql" not in result  # an echo bot has no database


async def test_our_phase_meters_the_bot_engine_and_profiles_each_step() -> None:
    result = await run_phase(configuration("ours_sqlite"), UNPACED, TINY, profile=True)

    assert (result["failures"], result["rejections"]) == ([], [])
    assert result["updates"] == 2 * STEPS_PER_RESIDENT  # two residents, one report each
    sql = result["sql"]["per_update"]
    assert sql["statements"] > sql["transactions"] >= sql["write_transactions"] > 0
    assert result["sql"]["total"]["write_transactions"] >= 2  # at least each report's submit
    assert "db_server_cpu_ms_per_update" not in result  # SQLite works inside the bot
    steps = result["per_step"]
    assert [row["step"] for row in steps][0] == "start"
    assert len(steps) == STEPS_PER_RESIDENT == 6  # the first report in six updates
    confirm = steps[-1]
    assert confirm["step"] == "confirm"
    assert confirm["by_statement"].get("INSERT report") == 1.0
    # answerCallbackQuery and getFile carry no chat_id, so AIORateLimiter does not pace them
    for row in steps:
        calls = row["bot_api_calls"]
        unpaced = calls.get("answerCallbackQuery", 0) + calls.get("getFile", 0)
        assert row["paced_requests"] == sum(calls.values()) - unpaced, row["step"]
    assert sum(row["bot_api_calls"].get("answerCallbackQuery", 0) for row in steps) > 0


async def test_open_loop_phase_sends_at_the_rate_it_was_given() -> None:
    result = await run_phase(configuration("echo_ptb"), OPEN_LOOP, TINY)

    window = result["open_loop"]
    assert window["slots"] == 10
    assert window["sent"] + window["missed_slots"] == 10
    assert result["updates"] == window["sent"]
    assert result["paced"] is True  # as in production
