"""The request layer's bounded retries (bot/transport.py), against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from typing import Any, cast

import aiohttp
import pytest
from telegram import InputFile
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.transport import Backoff, RetryingRequest, retryable, single_attempts
from tests.unit.http_servers import (
    TOKEN,
    RawServer,
    Step,
    close,
    cut_short,
    error,
    free_port,
)


def retrying(**kwargs: Any) -> RetryingRequest:
    return RetryingRequest(backoff=Backoff(first=0.01, cap=0.02), **kwargs)


async def send(server: RawServer, *, retries: int = 3, **kwargs: Any) -> object:
    request = retrying(retries=retries, **kwargs)
    await request.initialize()
    try:
        return await request.post(server.url())
    finally:
        await request.shutdown()


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.transport"]


async def test_two_5xx_are_retried_and_the_answer_returned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with RawServer(error(500, "Internal Server Error"), error(502, "Bad Gateway")) as server:
        assert await send(server) is True
    assert server.calls == 3
    lines = retry_lines(caplog)
    assert len(lines) == 2, lines
    assert "sendMessage" in lines[0]
    assert "HTTP 500" in lines[0]
    assert "retry 1 of 3" in lines[0]
    assert "HTTP 502" in lines[1]
    assert "retry 2 of 3" in lines[1]
    assert all(r.exc_info is None for r in caplog.records), "one line each, no traceback"
    assert TOKEN not in caplog.text


async def test_retries_are_bounded_then_the_error_is_raised() -> None:
    async with RawServer(*[error(500, "Internal Server Error")] * 10) as server:
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await send(server, retries=3)
    assert server.calls == 4  # the request and three retries


class Refused(logging.Handler):
    """Sets `first` when the first retry is logged: the first attempt was refused."""

    def __init__(self) -> None:
        super().__init__()
        self.first = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.first.set()


async def test_a_refused_connection_is_retried_until_the_server_is_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    request = RetryingRequest(backoff=Backoff(first=0.3, cap=0.3))
    refused = Refused()
    logging.getLogger("bot.transport").addHandler(refused)
    await request.initialize()
    try:
        sending = asyncio.create_task(request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe"))
        async with asyncio.timeout(5):
            await refused.first.wait()
        async with RawServer(port=port) as server:
            assert await sending is True
    finally:
        logging.getLogger("bot.transport").removeHandler(refused)
        await request.shutdown()
    assert server.calls == 1
    (line,) = retry_lines(caplog)
    assert "getMe failed (ConnectError: Cannot connect to host 127.0.0.1" in line
    assert TOKEN not in caplog.text


async def test_a_refused_connection_is_retried_a_bounded_number_of_times(
    caplog: pytest.LogCaptureFixture,
) -> None:
    request = retrying(retries=2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="ConnectError"):
            await request.post(f"http://127.0.0.1:{free_port()}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
    assert len(retry_lines(caplog)) == 2


@pytest.mark.parametrize("step", [close, cut_short], ids=["no answer", "answer cut short"])
async def test_a_closed_connection_is_retried_only_without_an_answer(
    step: Step, caplog: pytest.LogCaptureFixture
) -> None:
    """Closed before the status line: retried. Closed in the middle of the body: Telegram
    answered, so it acted on the request; no repeat."""
    async with RawServer(step) as server:
        if step is close:
            assert await send(server) is True
        else:
            with pytest.raises(NetworkError, match="ClientPayloadError"):
                await send(server)
    assert server.calls == (2 if step is close else 1)
    assert server.connections == server.calls  # the closed connection was not reused
    assert len(retry_lines(caplog)) == server.calls - 1


async def test_a_retried_upload_sends_its_file_handle_whole() -> None:
    """PTB passes a file handle as it is when asked to (`read_file_handle=False`)."""
    handle = io.BytesIO(b"every byte of the file")
    document = InputFile(handle, filename="a.txt", read_file_handle=False)
    upload = RequestData([RequestParameter.from_input("document", document)])
    async with RawServer(close) as server:
        request = retrying()
        async with request:
            await request.post(server.url("sendDocument"), upload)
    assert server.calls == 2
    assert all(b"every byte of the file" in sent.body for sent in server.requests)


async def test_a_read_timeout_is_not_repeated(caplog: pytest.LogCaptureFixture) -> None:
    """Telegram may be working on it: a repeat could deliver the message twice."""
    async with RawServer() as server:
        server.steps.append(server.hang)
        with pytest.raises(TimedOut, match="read timeout"):
            await send(server, read_timeout=0.2)
        await asyncio.sleep(0.1)  # a retry would have arrived by now
        assert server.calls == 1
    assert retry_lines(caplog) == []


async def test_a_pool_timeout_is_retried(caplog: pytest.LogCaptureFixture) -> None:
    """The one connection is busy: the request was not sent, so waiting again is safe."""
    async with RawServer() as server:
        server.steps.append(server.hang)
        request = retrying(
            retries=2,
            connection_pool_size=1,
            read_timeout=None,
            pool_timeout=0.05,
            connect_timeout=0.05,
        )
        await request.initialize()
        try:
            busy = asyncio.create_task(request.post(server.url("getUpdates")))
            await server.arrived.wait()
            with pytest.raises(TimedOut, match="pool or connect timeout"):
                await request.post(server.url())
            assert server.calls == 1  # the busy one; the others never got a connection
            busy.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await busy
        finally:
            await request.shutdown()
    lines = retry_lines(caplog)
    assert len(lines) == 2, lines
    assert "sendMessage failed (Timed out waiting for a free connection" in lines[0]


@pytest.mark.parametrize(
    ("step", "raised"),
    [
        (error(400, "Bad Request: message text is empty"), BadRequest),
        (error(429, "Too Many Requests: retry after 3", retry_after=3), RetryAfter),
    ],
    ids=["400", "429"],
)
async def test_4xx_and_429_are_left_to_the_caller(step: Step, raised: type[Exception]) -> None:
    async with RawServer(step) as server:
        with pytest.raises(raised):
            await send(server)
    assert server.calls == 1


async def test_single_attempts_leave_the_retrying_to_the_caller() -> None:
    async with RawServer(error(500, "Internal Server Error")) as server:
        with single_attempts(), pytest.raises(NetworkError):
            await send(server)
        assert server.calls == 1
        server.steps.append(error(500, "Internal Server Error"))
        assert await send(server) is True  # outside the block: retried
    assert server.calls == 3


def _no_connection() -> Any:
    return cast(Any, None)  # aiohttp's connection key: only used in the message


@pytest.mark.parametrize(
    ("cause", "retried"),
    [
        (
            aiohttp.ClientConnectorError(_no_connection(), ConnectionRefusedError(111, "refused")),
            True,
        ),
        (aiohttp.ClientConnectorDNSError(_no_connection(), OSError(-2, "Name unknown")), True),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), True),
        (aiohttp.ClientConnectionResetError("Cannot write to closing transport"), True),
        (aiohttp.ServerDisconnectedError(), True),
        (aiohttp.ConnectionTimeoutError("Connection timeout"), True),
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"), False),
        (TimeoutError(), False),  # the request as a whole: in any phase
        (aiohttp.ClientPayloadError("Response payload is not completed"), False),
        (aiohttp.InvalidURL("http://"), False),
        (None, False),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, bool) else str(value),
)
def test_retryable_classifies_by_aiohttp_exception_type(
    cause: BaseException | None, retried: bool
) -> None:
    error = NetworkError("scripted")
    error.__cause__ = cause
    assert retryable(error) is retried


def test_backoff_doubles_up_to_its_cap() -> None:
    pauses = Backoff(first=0.5, cap=3).pauses()
    assert [next(pauses) for _ in range(6)] == [0.5, 1, 2, 3, 3, 3]
