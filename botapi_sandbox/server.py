"""The sandbox HTTP server: Bot API routes on loopback, served by uvicorn in the current loop."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .actors import Group, Person
from .embedded import EmbeddedServer
from .errors import ApiError, bad_request
from .faults import is_send_method
from .methods import METHODS, Params
from .models import ApiCall, Rejection, UploadedFile
from .spec import ApiSpec, load_spec
from .state import JsonDict, SandboxState
from .validation import validate_request

__all__ = ["DEFAULT_TOKEN", "Sandbox"]

log = logging.getLogger("botapi_sandbox")

DEFAULT_TOKEN = "123456:TEST-TOKEN"
_MAX_PART_SIZE = 64 * 1024 * 1024
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _json_top_level(value: object) -> object:
    """Top-level JSON body values become what a form would carry (Telegram treats them alike)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return value


class Sandbox(SandboxState):
    """A fake Telegram Bot API server for tests (see the package docstring)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        spec: ApiSpec | str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        bot_username: str = "microspace_sandbox_bot",
        bot_first_name: str = "Microspace Sandbox",
    ) -> None:
        super().__init__(
            token, clock=clock, bot_username=bot_username, bot_first_name=bot_first_name
        )
        #: every request is checked against this reference; there is no unchecked mode
        self.spec: ApiSpec = spec if isinstance(spec, ApiSpec) else load_spec(spec)
        self.host = host
        self._requested_port = port
        self.port: int | None = None
        #: places where the sandbox's own answers did not match the reference (sandbox bugs)
        self.response_problems: list[str] = []
        self._people: dict[int, Person] = {}
        self._groups: dict[int, Group] = {}
        self._server: EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api_endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._file_endpoint, methods=["GET"]),
            ]
        )

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the sandbox is not started; await sandbox.start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (PTB appends the token)."""
        return f"{self.url}/file/bot"

    async def start(self) -> Self:
        """Bind (port 0 picks a free port) and serve in the running event loop."""
        if self._task is not None:
            raise RuntimeError("the sandbox is already started")
        # IPPROTO_TCP, not 0: asyncio switches Nagle's algorithm off (TCP_NODELAY) only for
        # sockets created with it; with 0, every response after the first on a keep-alive
        # connection waits ~40 ms for a delayed ACK (measured by benchmarks/conversation.py).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            ws="none",
            timeout_keep_alive=120,
            timeout_graceful_shutdown=3,
        )
        self._server = EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="bot-sandbox")
        while not self._server.started:
            if self._task.done():
                sock.close()
                self._task.result()  # re-raise whatever stopped it
                raise RuntimeError("the Bot API sandbox server stopped during startup")
            await asyncio.sleep(0.005)
        listening = [sk for server in self._server.servers for sk in server.sockets]
        if listening:
            self.port = int(listening[0].getsockname()[1])
        log.debug("Bot API sandbox listening on %s", self.url)
        return self

    async def stop(self) -> None:
        """Release long polls, close connections and stop the server."""
        if self._task is None or self._server is None:
            return
        self._stopping = True
        self.notify()
        self._server.request_exit()
        try:
            async with asyncio.timeout(5):
                await asyncio.shield(self._task)
        except TimeoutError:
            self._server.force_exit = True
            await self._task
        finally:
            self._task = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- test-facing API --------------------------------------------------------------------

    def person(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
        started: bool = True,
    ) -> Person:
        """A person with a private chat with the bot (chat id == user id).

        ``started=False``: the person never opened the bot, so until they write to it the bot
        gets ``403 Forbidden: bot can't initiate conversation with a user``.
        """
        if user_id in self._people:
            return self._people[user_id]
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        chat: JsonDict = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat["last_name"] = last_name
        if username:
            chat["username"] = username
        self.users[user_id] = user
        self.add_chat(chat, first_name, user_id)
        if not started:
            self.not_started.add(user_id)
        person = Person(self, user)
        self._people[user_id] = person
        return person

    def group(self, chat_id: int, title: str, *, username: str | None = None) -> Group:
        """A supergroup; ``group.send(person, text)`` posts as that member."""
        if chat_id in self._groups:
            return self._groups[chat_id]
        chat: JsonDict = {"id": chat_id, "type": "supergroup", "title": title}
        if username:
            chat["username"] = username
        self.add_chat(chat, title, None)
        group = Group(self, chat_id)
        self._groups[chat_id] = group
        return group

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (optionally to one chat) fail."""
        self.faults.fail_next(
            method,
            error_code=error_code,
            description=description,
            retry_after=retry_after,
            count=count,
            chat_id=chat_id,
        )

    def block(self, user_id: int) -> None:
        """The person blocked the bot: sends to their chat get 403."""
        self.faults.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self.faults.blocked.discard(user_id)

    def rate_limit(
        self,
        per_chat_per_second: float | None = None,
        global_per_second: float | None = None,
        per_group_per_minute: float | None = None,
    ) -> None:
        """Answer sends beyond these rates with 429 + retry_after (``None`` lifts a limit).
        Telegram's own: 30 a second overall, about 1 a second per chat, 20 a minute per
        group (`telegram_limits()`)."""
        self.faults.rate_limit(per_chat_per_second, global_per_second, per_group_per_minute)

    def telegram_limits(self) -> None:
        """The limits Telegram documents for bots, enforced."""
        self.rate_limit(per_chat_per_second=1, global_per_second=30, per_group_per_minute=20)

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def assert_no_rejections(self) -> None:
        if self.rejections:
            listing = "\n".join(f"  - {r}" for r in self.rejections)
            raise AssertionError(
                f"the Bot API sandbox rejected {len(self.rejections)} request(s):\n{listing}"
            )

    # -- dispatch ---------------------------------------------------------------------------

    async def dispatch(self, method_name: str, raw: dict[str, object]) -> tuple[int, JsonDict]:
        """Validate and execute one Bot API call; return (HTTP status, response body)."""
        method_spec = self.spec.find_method(method_name)
        if method_spec is None:
            error = ApiError(404, "Not Found")
            self._finish(method_name, dict(raw), error, None)
            return error.http_status, error.payload()
        canonical = method_spec.name
        implementation = METHODS.get(canonical.lower())
        params: dict[str, Any] = dict(raw)
        chat_id: int | None = None
        try:
            params = validate_request(self.spec, method_spec, raw)
            if implementation is None:
                raise bad_request("method not implemented by the sandbox")
            p = Params(params, {k: v for k, v in raw.items() if isinstance(v, UploadedFile)})
            chat_id = self._injected_faults(canonical, p)
            result = await implementation[1](self, p)
        except ApiError as error:
            self._finish(canonical, params, error, chat_id)
            return error.http_status, error.payload()
        self.calls.append(ApiCall(canonical, params, True, time.monotonic()))
        problems = self.spec.check_result(method_spec.returns, result)
        if problems:  # the sandbox itself answered unrealistically
            log.error("Bot API sandbox answered %s unrealistically: %s", canonical, problems)
            self.response_problems.extend(f"{canonical}: {p}" for p in problems)
        return 200, {"ok": True, "result": result}

    def _injected_faults(self, method: str, p: Params) -> int | None:
        chat_id: int | None = None
        private_user: int | None = None
        if p.has("chat_id"):
            try:
                chat = self.find_chat(p.get("chat_id"))
            except ApiError:
                chat = None
            if chat is not None:
                chat_id = chat.chat_id
                private_user = chat.user_id
        self.faults.check(method, chat_id, private_user)
        if private_user in self.not_started and is_send_method(method):
            raise ApiError(
                403, "Forbidden: bot can't initiate conversation with a user", injected=True
            )
        return chat_id

    def _finish(
        self, method: str, params: dict[str, Any], error: ApiError, chat_id: int | None
    ) -> None:
        at = time.monotonic()
        self.calls.append(ApiCall(method, params, False, at, error.error_code, error.retry_after))
        if error.record:
            rejection = Rejection(method, dict(params), error.error_code, error.description)
            self.record_rejection(rejection, chat_id)

    # -- HTTP -------------------------------------------------------------------------------

    async def _api_endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        method = str(request.path_params["method"])
        try:
            raw = await self._read_params(request)
        except ApiError as error:
            self._finish(method, {}, error, None)
            return JSONResponse(error.payload(), status_code=error.http_status)
        try:
            status, body = await self.dispatch(method, raw)
        except Exception as exc:  # a sandbox bug must not look like a network problem
            log.exception("Bot API sandbox crashed on %s", method)
            crash = ApiError(500, f"Internal Server Error: sandbox bug: {exc!r}")
            self._finish(method, dict(raw), crash, None)
            return JSONResponse(crash.payload(), status_code=500)
        return JSONResponse(body, status_code=status)

    async def _read_params(self, request: Request) -> dict[str, object]:
        params: dict[str, object] = dict(request.query_params)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            body = await request.body()
            if body.strip():
                try:
                    data = json.loads(body)
                except ValueError:
                    raise bad_request("can't parse JSON body") from None
                if not isinstance(data, dict):
                    raise bad_request("the JSON body must be an object")
                for key, value in data.items():
                    if value is not None:
                        params[key] = _json_top_level(value)
        elif content_type in _FORM_TYPES:
            async with request.form(max_part_size=_MAX_PART_SIZE) as form:
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        data_bytes = await value.read()
                        params[key] = UploadedFile(
                            key, value.filename, value.content_type, data_bytes
                        )
                    else:
                        params[key] = value
        return params

    async def _file_endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        stored = self.files.by_path(str(request.path_params["file_path"]))
        if stored is None or stored.data is None:
            return JSONResponse(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404
            )
        return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")
