"""Real HTTP servers on 127.0.0.1 for the request layer's tests.

`RawServer` speaks just enough HTTP/1.1 (asyncio streams) to do what a well-behaved server
never does: close the connection without an answer, never answer, cut a body short.
`FakeBotApi` is an aiohttp.web application that parses what arrives (form fields, multipart
files) as a real server would, and answers like the Bot API.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

TOKEN = "123:SECRET-TOKEN"


def free_port() -> int:
    """A port nothing listens on (a connection to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


# A step answers one request; it returns False to close the connection afterwards.
Step = Callable[[asyncio.StreamWriter], Awaitable[bool]]


def answer(status: int, body: object, *, delay: float = 0.0) -> Step:
    """An answer with a JSON body, after `delay` seconds."""
    content = json.dumps(body).encode()

    async def step(writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(delay)
        head = (
            f"HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(content)}\r\n\r\n"
        )
        writer.write(head.encode() + content)
        await writer.drain()
        return True

    return step


def error(status: int, description: str, **parameters: int) -> Step:
    body: dict[str, object] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return answer(status, body)


OK = answer(200, {"ok": True, "result": True})


async def close(_writer: asyncio.StreamWriter) -> bool:
    """The request read, the connection closed without a word."""
    return False


async def cut_short(writer: asyncio.StreamWriter) -> bool:
    """Headers promising 100 bytes, 10 sent, then the connection closed."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
    await writer.drain()
    return False


class RawServer:
    """Answers requests with the given steps in order, then with 200 OK; counts them.

    `hang` is a step that never answers (until the server stops).
    """

    def __init__(self, *steps: Step, port: int = 0) -> None:
        self.steps = list(steps)
        self.requests: list[Received] = []
        self.connections = 0
        self._port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._stopped = asyncio.Event()
        self.arrived = asyncio.Event()  # set by every request

    async def hang(self, _writer: asyncio.StreamWriter) -> bool:
        await self._stopped.wait()
        return False

    @property
    def calls(self) -> int:
        return len(self.requests)

    def url(self, method: str = "sendMessage") -> str:
        return f"http://127.0.0.1:{self.port}/bot{TOKEN}/{method}"

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self._port)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._stopped.set()
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, path, _version = request_line.split(" ", 2)
                headers = {
                    name.strip().lower(): value.strip()
                    for name, value in (line.split(":", 1) for line in lines if ":" in line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append(Received(method, path, headers, body))
                self.arrived.set()
                step = self.steps.pop(0) if self.steps else OK
                if not await step(writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away
        finally:
            self._writers.discard(writer)
            writer.close()


@dataclass
class Part:
    """One field of a request as the server parsed it."""

    value: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass
class ApiCall:
    method: str
    content_type: str
    user_agent: str
    fields: dict[str, Part] = field(default_factory=dict)  # form or multipart fields
    payload: Any = None  # a JSON body, decoded


class FakeBotApi:
    """A Bot API stand-in on aiohttp.web: every call is recorded, parsed as a server would.

    getMe answers a bot user; getUpdates answers [] after `poll_delay` seconds;
    sendMediaGroup a list of one message; any other method a message.
    """

    BOT_USER = {"id": 123, "is_bot": True, "first_name": "Test", "username": "test_bot"}
    MESSAGE = {"message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"}}

    def __init__(self, *, poll_delay: float = 0.0) -> None:
        self.poll_delay = poll_delay
        self.calls: list[ApiCall] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        self.port = listening.getsockname()[1]
        await web.SockSite(self._runner, listening).start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = ApiCall(
            method=method,
            content_type=request.content_type,
            user_agent=request.headers.get("User-Agent", ""),
        )
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, BodyPartReader)
                assert part.name is not None
                call.fields[part.name] = Part(
                    await part.read(), part.filename, part.headers.get("Content-Type")
                )
        elif request.content_type == "application/json":
            call.payload = await request.json()
        else:
            for name, value in (await request.post()).items():
                assert isinstance(value, str)
                call.fields[name] = Part(value.encode())
        self.calls.append(call)
        result: Any = self.MESSAGE
        if method == "getMe":
            result = self.BOT_USER
        elif method == "sendMediaGroup":
            result = [self.MESSAGE]
        elif method == "getUpdates":
            await asyncio.sleep(self.poll_delay)
            result = []
        return web.json_response({"ok": True, "result": result})
