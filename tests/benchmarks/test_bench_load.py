"""The benchmark's load: the open loop keeps its schedule, and the step mix is steady."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from benchmarks import load
from benchmarks.echo_bots import ptb_echo_application
from benchmarks.load import Cast, TimedSandbox, drive_open, percentile, position
from bot.runner import polling
from botapi_sandbox import load_spec


@pytest.fixture
async def sandbox() -> AsyncIterator[TimedSandbox]:
    async with TimedSandbox(load_spec()) as started:
        yield started


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([0.0, 10.0], 99) == pytest.approx(9.9)


async def test_position_puts_the_kth_person_k_mod_steps_into_their_script(
    sandbox: TimedSandbox,
) -> None:
    cast = Cast(sandbox, residents=False, grid=0, echo_messages=3)
    async with polling(ptb_echo_application(sandbox.token, sandbox.url, paced=False)):
        ready = await position(sandbox, cast, pool=5)

    assert [cursor.done for cursor in ready] == [0, 1, 2, 0, 1]
    # each person was answered for the steps they already took
    assert [len(c.person.messages) for c in ready] == [0, 1, 2, 0, 1]


async def test_open_loop_counts_a_slot_as_missed_when_nobody_is_ready(
    sandbox: TimedSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "REPLY_TIMEOUT", 0.5)
    cast = Cast(sandbox, residents=False, grid=0, echo_messages=3)
    ready = await position(sandbox, cast, pool=1)  # nobody answers: no bot is running
    ready += [load.Cursor(*cast.next()), load.Cursor(*cast.next())]

    window = await drive_open(sandbox, cast, ready, rate=20, slots=8)

    assert (window.sent, window.missed) == (3, 5)  # each person once, then nobody was ready
    assert sandbox.updates_queued == 3
    assert len(window.samples.failures) == 3
    assert window.samples.latencies == []


async def test_open_loop_sends_one_update_per_slot_and_brings_in_newcomers(
    sandbox: TimedSandbox,
) -> None:
    cast = Cast(sandbox, residents=False, grid=0, echo_messages=3)
    async with polling(ptb_echo_application(sandbox.token, sandbox.url, paced=False)):
        ready = await position(sandbox, cast, pool=3)
        queued_before = sandbox.updates_queued
        window = await drive_open(sandbox, cast, ready, rate=10, slots=9)

    assert (window.sent, window.missed) == (9, 0)
    assert sandbox.updates_queued - queued_before == 9
    assert len(window.samples.latencies) == 9
    assert window.samples.failures == []
    # 3 + 2 + 1 steps were left to the three people; the other 3 came from newcomers
    assert cast.next_index > 3
    assert window.seconds == pytest.approx(0.9)
