"""The request layer's bounded retries, against a scripted HTTP transport (no server)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.transport import Backoff, RetryingRequest, single_attempts

TOKEN = "123:SECRET-TOKEN"
URL = f"http://bot-api.test/bot{TOKEN}/sendMessage"
OK = httpx.Response(200, json={"ok": True, "result": True})

Step = Callable[[httpx.Request], httpx.Response]


def answer(status: int, description: str, **parameters: int) -> Step:
    body: dict[str, object] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return lambda _request: httpx.Response(status, content=json.dumps(body).encode())


def fail(error: type[httpx.TransportError]) -> Step:
    def step(request: httpx.Request) -> httpx.Response:
        raise error("scripted", request=request)

    return step


class Script:
    """Answers requests with the given steps in order, then with 200 OK; counts them."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return self.steps.pop(0)(request) if self.steps else OK


async def send(script: Script, *, retries: int = 3) -> object:
    request = RetryingRequest(
        backoff=Backoff(first=0.01, cap=0.02),
        retries=retries,
        httpx_kwargs={"transport": httpx.MockTransport(script)},
    )
    await request.initialize()
    try:
        return await request.post(URL)
    finally:
        await request.shutdown()


async def test_two_5xx_are_retried_and_the_answer_returned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    script = Script(answer(500, "Internal Server Error"), answer(502, "Bad Gateway"))
    assert await send(script) is True
    assert script.calls == 3
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.transport"]
    assert len(lines) == 2, lines
    assert "sendMessage" in lines[0]
    assert "HTTP 500" in lines[0]
    assert "retry 1 of 3" in lines[0]
    assert "retry 2 of 3" in lines[1]
    assert all(r.exc_info is None for r in caplog.records), "one line each, no traceback"
    assert TOKEN not in caplog.text


async def test_retries_are_bounded_then_the_error_is_raised() -> None:
    script = Script(*[answer(500, "Internal Server Error")] * 10)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await send(script, retries=3)
    assert script.calls == 4  # the request and three retries


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.RemoteProtocolError],
)
async def test_network_errors_are_retried(error: type[httpx.TransportError]) -> None:
    script = Script(fail(error))
    assert await send(script) is True
    assert script.calls == 2


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.WriteTimeout])
async def test_a_timeout_after_sending_is_not_repeated(error: type[httpx.TransportError]) -> None:
    """Telegram may be working on it: a repeat could deliver the message twice."""
    script = Script(fail(error))
    with pytest.raises(TimedOut):
        await send(script)
    assert script.calls == 1


@pytest.mark.parametrize(
    ("step", "raised"),
    [
        (answer(400, "Bad Request: message text is empty"), BadRequest),
        (answer(429, "Too Many Requests: retry after 3", retry_after=3), RetryAfter),
    ],
)
async def test_4xx_and_429_are_left_to_the_caller(step: Step, raised: type[Exception]) -> None:
    script = Script(step)
    with pytest.raises(raised):
        await send(script)
    assert script.calls == 1


async def test_single_attempts_leave_the_retrying_to_the_caller() -> None:
    script = Script(answer(500, "Internal Server Error"))
    with single_attempts(), pytest.raises(NetworkError):
        await send(script)
    assert script.calls == 1
    assert await send(Script(answer(500, "Internal Server Error"))) is True  # outside: retried


def test_backoff_doubles_up_to_its_cap() -> None:
    pauses = Backoff(first=0.5, cap=3).pauses()
    assert [next(pauses) for _ in range(6)] == [0.5, 1, 2, 3, 3, 3]
