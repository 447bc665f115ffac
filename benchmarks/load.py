"""The people side: scripts, the sandbox's stopwatch, closed-loop and open-loop load.

Everything here runs in the benchmark's own process, next to the sandbox; the bot runs in
another (benchmarks/bot_process.py). Latency is measured inside the sandbox, from the moment
a person's update is queued to the moment the bot message they were waiting for is stored.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from botapi_sandbox import ApiSpec, Person, Sandbox, make_photo
from botapi_sandbox.models import StoredMessage
from botapi_sandbox.state import ChatState, JsonDict

#: generous: under load a reply may queue behind the rate limiter, and this is no test
REPLY_TIMEOUT = 60.0
ECHO_USER_IDS = 500_000
RESIDENT_USER_IDS = 100_000
#: two people apart from the others: one warms the bot up, one is profiled step by step
APART_USER_IDS = (99_999, 99_998)
#: the example community "新华路社区" (radius 800 m); residents stand on a grid around it,
#: ~75 m apart, so that no report is "near" another one (which would add "me too" buttons)
CENTRE = (31.2066, 121.4270)
GRID_STEP = (0.00068, 0.00079)
#: ~550 m north and south of the centre, away from everyone on the grid and from each other
APART_SPOTS = ((CENTRE[0] + 0.0050, CENTRE[1]), (CENTRE[0] - 0.0050, CENTRE[1]))
PERCENTILES = (50, 95, 99)

Action = Callable[[Person], Awaitable[object]]


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

    def requests_made(self) -> int:
        """Requests the bot has made so far, getUpdates not counted."""
        return sum(1 for call in self.calls if call.method != "getUpdates")


async def quiet(sandbox: TimedSandbox, *, for_seconds: float = 0.2, at_most: float = 5.0) -> None:
    """Wait until the bot has made no request (but getUpdates) for ``for_seconds``."""
    deadline = time.perf_counter() + at_most
    seen = sandbox.requests_made()
    while time.perf_counter() < deadline:
        await asyncio.sleep(for_seconds)
        now = sandbox.requests_made()
        if now == seen:
            return
        seen = now


# -- scripts: what each simulated person does ----------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One update a person sends, and the text of the bot message that answers it."""

    name: str
    act: Action
    expect: str
    #: messages the bot also sends for this update, read (in order) before / after the one
    #: timed: the sandbox's expect_message reads every message in order
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
    """The location button of the photos' keyboard: the pin says where and ends the photos."""

    async def act(person: Person) -> object:
        return await person.tap(
            "📍 发送我的位置", latitude=latitude, longitude=longitude, wait=REPLY_TIMEOUT
        )

    return act


def echo_steps(user_id: int, messages: int) -> list[Step]:
    texts = [f"echo #{n:04d} from {user_id}" for n in range(messages)]
    return [Step("echo", _send(text), text) for text in texts]


def report_steps(photo: bytes, latitude: float, longitude: float) -> list[Step]:
    """A first report from /start, as in tests/conversation/test_fewer_steps.py: the language
    is Telegram's, the photo starts the report, the pin ends the photos and names the
    community."""
    return [
        Step("start", _send("/start"), "我会用中文和您交流"),
        Step("photo", _photo(photo), "已收到 1 张照片"),
        Step("location", _location(latitude, longitude), "第 3 步"),
        Step("category", _tap("🗑 垃圾与杂物堆放"), "第 4 步"),
        Step("skip_words", _tap("➡ 跳过"), "请确认您的报告"),
        Step("confirm", _tap("✅ 确认提交"), "R-"),
    ]


STEPS_PER_RESIDENT = len(report_steps(b"", *CENTRE))


def grid_point(index: int, count: int) -> tuple[float, float]:
    side = math.ceil(math.sqrt(count))
    row, column = divmod(index, side)
    middle = (side - 1) / 2
    return (
        CENTRE[0] + (row - middle) * GRID_STEP[0],
        CENTRE[1] + (column - middle) * GRID_STEP[1],
    )


@cache
def photo(seed: int) -> bytes:
    """A resident's photo as Telegram delivers one sent compressed: a 640x480 JPEG without
    EXIF (Telegram re-encodes it and drops its metadata). Before dfa9228 these photos carried
    camera and GPS EXIF, which sent every one down the re-encoding path."""
    return make_photo(seed=seed, metadata=False)


Script = tuple[Person, list[Step]]


@dataclass
class Cast:
    """Who the people are: residents on the grid (our bot) or echo people; numbered from 0."""

    sandbox: TimedSandbox
    residents: bool
    grid: int  # residents: how many grid points to spread them over
    echo_messages: int = 0
    next_index: int = 0

    def next(self) -> Script:
        index, self.next_index = self.next_index, self.next_index + 1
        if not self.residents:
            person = self.sandbox.person(ECHO_USER_IDS + index, f"Echo {index}", language_code="en")
            return person, echo_steps(person.user_id, self.echo_messages)
        if index >= self.grid:
            raise ValueError(f"only {self.grid} grid points for residents")
        person = self.sandbox.person(
            RESIDENT_USER_IDS + index, f"居民{index}", language_code="zh-hans"
        )
        return person, report_steps(photo(index), *grid_point(index, self.grid))

    def take(self, count: int) -> list[Script]:
        return [self.next() for _ in range(count)]

    def apart(self, which: int) -> Script:
        """Someone apart from the others (0 or 1), not part of the measured load."""
        if not self.residents:
            user_id = ECHO_USER_IDS - 1 - which
            person = self.sandbox.person(user_id, f"Echo apart {which}", language_code="en")
            return person, echo_steps(person.user_id, self.echo_messages)
        user_id = APART_USER_IDS[which]
        person = self.sandbox.person(user_id, f"独立居民{which}", language_code="zh-hans")
        return person, report_steps(photo(user_id), *APART_SPOTS[which])


# -- driving people and collecting samples --------------------------------------------------------


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    queued: list[float] = field(default_factory=list)  # perf_counter, one per latency
    by_step: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, step: str, queued: float, seconds: float) -> None:
        self.latencies.append(seconds)
        self.queued.append(queued)
        self.by_step.setdefault(step, []).append(seconds)

    def by_quarter(self) -> list[list[float]]:
        """The latencies of the updates queued in each quarter of the time they span."""
        if not self.queued:
            return [[], [], [], []]
        first, last = min(self.queued), max(self.queued)
        span = (last - first) or 1.0
        quarters: list[list[float]] = [[], [], [], []]
        for queued, latency in zip(self.queued, self.latencies, strict=True):
            quarters[min(3, int(4 * (queued - first) / span))].append(latency)
        return quarters


async def take_step(sandbox: TimedSandbox, person: Person, step: Step) -> float:
    """Send the step's update; return when its queueing moment was (perf_counter)."""
    await step.act(person)
    # the action queues its update and returns without yielding to the loop again,
    # so this is still this person's update
    return sandbox.queued_at[person.user_id]


async def await_reply(
    sandbox: TimedSandbox, person: Person, step: Step, queued: float, samples: Samples | None
) -> bool:
    """Wait for the step's reply; note its latency in ``samples``. False if none came."""
    try:
        for text in step.before:
            await person.expect_message(containing=text, timeout=REPLY_TIMEOUT)
        reply = await person.expect_message(containing=step.expect, timeout=REPLY_TIMEOUT)
        for text in step.after:
            await person.expect_message(containing=text, timeout=REPLY_TIMEOUT)
    except AssertionError as exc:
        if samples is not None:
            first_line = str(exc).splitlines()[0]
            samples.failures.append(f"{person.first_name} at {step.name}: {first_line}")
        return False
    if samples is not None:
        stored = sandbox.stored_at[(reply.chat_id, reply.message_id)]
        samples.add(step.name, queued, stored - queued)
    return True


async def play(
    sandbox: TimedSandbox, person: Person, steps: Sequence[Step], samples: Samples | None
) -> None:
    """One person's script, step by step, each waiting for its reply."""
    for step in steps:
        queued = await take_step(sandbox, person, step)
        if not await await_reply(sandbox, person, step, queued, samples):
            return


async def drive_closed(sandbox: TimedSandbox, scripts: Sequence[Script]) -> tuple[Samples, float]:
    """Everyone at once, each waiting for every reply; seconds from first update to last reply."""
    samples = Samples()
    started = time.perf_counter()
    await asyncio.gather(*(play(sandbox, person, steps, samples) for person, steps in scripts))
    return samples, time.perf_counter() - started


@dataclass
class Cursor:
    """A person in the middle of their script."""

    person: Person
    steps: list[Step]
    done: int = 0


@dataclass
class OpenLoop:
    """What an open-loop window did: the slots, the updates sent in them, the ones missed."""

    samples: Samples
    seconds: float
    slots: int
    sent: int = 0
    missed: int = 0  # slots in which nobody was ready (their reply had not come yet)
    late_ms: list[float] = field(default_factory=list)  # how late each update left


async def position(
    sandbox: TimedSandbox, cast: Cast, pool: int, samples: Samples | None = None
) -> deque[Cursor]:
    """``pool`` people, the k-th already ``k mod steps`` steps into their script (unmeasured).

    Taken in turn from there, every round of ``pool`` updates holds each step equally often,
    so the step mix is steady from the first slot on.
    """
    cursors = [Cursor(*cast.next()) for _ in range(pool)]
    for index, cursor in enumerate(cursors):
        cursor.done = index % len(cursor.steps)

    async def walk(cursor: Cursor) -> None:
        await play(sandbox, cursor.person, cursor.steps[: cursor.done], samples)

    await asyncio.gather(*(walk(c) for c in cursors))
    return deque(cursors)


async def drive_open(
    sandbox: TimedSandbox, cast: Cast, ready: deque[Cursor], *, rate: float, slots: int
) -> OpenLoop:
    """One update every 1/rate s, whatever the bot does, from the person whose turn it is.

    The people take turns (first ready, first to send); someone who finishes their script is
    replaced by a newcomer. A slot in which nobody is ready (everyone still waits for a
    reply) is missed and counted, never made up later.
    """
    loop = asyncio.get_running_loop()
    window = OpenLoop(samples=Samples(), seconds=slots / rate, slots=slots)
    waiting: set[asyncio.Task[None]] = set()

    async def reply_then_requeue(cursor: Cursor, step: Step, queued: float) -> None:
        if not await await_reply(sandbox, cursor.person, step, queued, window.samples):
            return  # a failure: this person drops out
        cursor.done += 1
        ready.append(cursor if cursor.done < len(cursor.steps) else Cursor(*cast.next()))

    start = loop.time() + 0.01
    for slot in range(slots):
        due = start + slot / rate
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        if not ready:
            window.missed += 1
            continue
        cursor = ready.popleft()
        window.late_ms.append(max(0.0, loop.time() - due) * 1000)
        step = cursor.steps[cursor.done]
        queued = await take_step(sandbox, cursor.person, step)
        window.sent += 1
        task = asyncio.create_task(reply_then_requeue(cursor, step, queued))
        waiting.add(task)
        task.add_done_callback(waiting.discard)
    if waiting:
        await asyncio.gather(*waiting)
    return window


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(values: Sequence[float]) -> dict[str, float | None]:
    def ms(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds * 1000, 2)

    summary = {f"p{q}": ms(percentile(values, q)) for q in PERCENTILES}
    summary["mean"] = ms(sum(values) / len(values)) if values else None
    summary["max"] = ms(max(values)) if values else None
    return summary
