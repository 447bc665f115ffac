"""PTB's request contract over aiohttp (bot/aiohttp_request.py), against real local servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

import bot.aiohttp_request
from bot.aiohttp_request import AiohttpRequest, client_timeout
from tests.unit.http_servers import (
    TOKEN,
    FakeBotApi,
    RawServer,
    close,
    cut_short,
    free_port,
)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(poll_delay=0.8) as server:
        yield server


def bot_on(api: FakeBotApi, *, read_timeout: float | None = 5.0) -> Bot:
    return Bot(
        TOKEN,
        base_url=api.base_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=read_timeout),
    )


async def test_the_session_lives_from_initialize_to_shutdown() -> None:
    request = AiohttpRequest()
    async with RawServer() as server:
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(server.url(), "POST")
        await request.initialize()
        await request.initialize()  # idempotent: the same session, its connection kept
        assert await request.do_request(server.url(), "POST") == (
            200,
            b'{"ok": true, "result": true}',
        )
        await request.initialize()
        await request.do_request(server.url(), "POST")
        assert server.connections == 1
        await request.shutdown()
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(server.url(), "POST")
        await request.shutdown()  # twice is fine
        await request.initialize()  # a new session after a shutdown
        assert (await request.do_request(server.url(), "POST"))[0] == 200
        await request.shutdown()
    assert server.calls == 3


def test_a_request_made_outside_a_loop_serves_one_loop_after_another() -> None:
    """No session (bound to a loop) is made before `initialize()` runs inside one."""
    request = AiohttpRequest()

    async def one_call() -> int:
        async with RawServer() as server, request:
            code, _payload = await request.do_request(server.url(), "POST")
        return code

    assert asyncio.run(one_call()) == 200
    assert asyncio.run(one_call()) == 200  # another loop: re-created after the shutdown


async def test_parameters_arrive_as_one_json_object(api: FakeBotApi) -> None:
    """Without files, the parameters go as one UTF-8 JSON object, a keyboard nested in it as
    an object (the Bot API takes both that and a JSON string)."""
    async with bot_on(api) as telegram_bot:
        await telegram_bot.send_message(
            chat_id=42,
            text="你好 & <b>ok</b> +1",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("确认", callback_data="d:1")]]
            ),
        )
    (call,) = [c for c in api.calls if c.method == "sendMessage"]
    assert call.content_type == "application/json"
    assert call.payload == {
        "chat_id": 42,
        "text": "你好 & <b>ok</b> +1",
        "reply_markup": {"inline_keyboard": [[{"text": "确认", "callback_data": "d:1"}]]},
    }
    assert call.user_agent == BaseRequest.USER_AGENT
    (get_me,) = [c for c in api.calls if c.method == "getMe"]  # no parameters: no body
    assert (get_me.fields, get_me.payload) == ({}, None)


async def test_a_multipart_upload_arrives_with_its_files_and_fields(api: FakeBotApi) -> None:
    csv = "区,数\n新华路,3\n".encode()
    first, second = b"\xff\xd8first-photo", b"\xff\xd8second-photo"
    async with bot_on(api) as telegram_bot:
        await telegram_bot.send_document(
            chat_id=42, document=csv, filename="报告 2024.csv", caption="导出"
        )
        await telegram_bot.send_media_group(
            chat_id=42,
            media=[
                InputMediaPhoto(first, filename="a.jpg", caption="一"),
                InputMediaPhoto(second, filename="b.jpg"),
            ],
        )
        await telegram_bot.send_document(chat_id=42, document=b"1", filename='a "b"\n\\.csv')
    document, album, awkward = [
        c for c in api.calls if c.method in ("sendDocument", "sendMediaGroup")
    ]
    assert document.content_type == "multipart/form-data"
    assert document.user_agent == BaseRequest.USER_AGENT
    sent = document.fields["document"]
    assert (sent.value, sent.filename, sent.content_type) == (csv, "报告 2024.csv", "text/csv")
    assert document.fields["chat_id"].value == b"42"
    assert document.fields["caption"].value == "导出".encode()
    files = {name: part for name, part in album.fields.items() if part.filename is not None}
    assert sorted((p.value, p.filename, p.content_type) for p in files.values()) == [
        (first, "a.jpg", "image/jpeg"),
        (second, "b.jpg", "image/jpeg"),
    ]
    media = json.loads(album.fields["media"].value)
    assert [item["media"] for item in media] == [f"attach://{name}" for name in files]
    assert media[0]["caption"] == "一"
    # as browsers and httpx write it: `"` and a line break percent-encoded, `\` kept
    assert awkward.fields["document"].filename == "a %22b%22%0A\\.csv"


async def test_a_long_poll_outlives_the_default_read_timeout(api: FakeBotApi) -> None:
    """getUpdates answers after 0.8 s; the read timeout is 0.3 s, plus the poll's 1 s."""
    async with bot_on(api, read_timeout=0.3) as telegram_bot:
        assert await telegram_bot.get_updates(timeout=1) == ()
        with pytest.raises(TimedOut, match="read timeout"):  # without the poll's second
            await telegram_bot.get_updates(timeout=0)


def test_the_timeouts_map_onto_aiohttp() -> None:
    # a request without files (a reply, a download): no limit on the whole, per step only
    assert client_timeout(read=5, write=5, connect=5, pool=1) == aiohttp.ClientTimeout(
        total=None, connect=6, sock_connect=5, sock_read=5
    )
    # an upload: its writing has no knob of its own, so the whole is bounded by the sum
    upload = client_timeout(read=5, write=20, connect=5, pool=1, upload=True)
    assert upload == aiohttp.ClientTimeout(total=31, connect=6, sock_connect=5, sock_read=5)
    assert client_timeout(
        read=None, write=5, connect=5, pool=1, upload=True
    ) == aiohttp.ClientTimeout(total=None, connect=6, sock_connect=5, sock_read=None)
    assert client_timeout(read=5, write=5, connect=5, pool=None) == aiohttp.ClientTimeout(
        total=None, connect=None, sock_connect=5, sock_read=5
    )


async def test_do_request_passes_ptbs_timeouts_and_their_overrides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[dict[str, float | None]] = []

    def recording(**timeouts: float | None) -> aiohttp.ClientTimeout:
        seen.append(timeouts)
        return client_timeout(**timeouts)

    monkeypatch.setattr(bot.aiohttp_request, "client_timeout", recording)
    request = AiohttpRequest()
    upload = RequestData()
    upload.contains_files = True  # a request with files: the media write timeout
    async with RawServer() as server, request:
        await request.do_request(server.url(), "POST")
        await request.do_request(
            server.url(), "POST", read_timeout=30, write_timeout=None, pool_timeout=2
        )
        await request.do_request(server.url(), "POST", request_data=upload)
    assert seen == [
        {"read": 5.0, "write": 5.0, "connect": 5.0, "pool": 1.0, "upload": False},
        {"read": 30, "write": None, "connect": 5.0, "pool": 2, "upload": False},
        {"read": 5.0, "write": 20.0, "connect": 5.0, "pool": 1.0, "upload": True},
    ]


async def expect_error(request: AiohttpRequest, url: str, raised: type[Exception]) -> Any:
    with pytest.raises(raised) as caught:
        await request.do_request(url, "POST")
    return caught.value.__cause__


async def test_errors_become_ptb_errors_with_their_cause() -> None:
    async with AiohttpRequest(read_timeout=0.2) as request:
        refused = f"http://127.0.0.1:{free_port()}/bot{TOKEN}/getMe"
        cause = await expect_error(request, refused, NetworkError)
        assert isinstance(cause, aiohttp.ClientConnectorError)
        async with RawServer(close, cut_short) as server:
            cause = await expect_error(request, server.url(), NetworkError)
            assert isinstance(cause, aiohttp.ServerDisconnectedError)
            cause = await expect_error(request, server.url(), NetworkError)
            assert isinstance(cause, aiohttp.ClientPayloadError)  # reading the body
            server.steps.append(server.hang)
            cause = await expect_error(request, server.url(), TimedOut)
            assert isinstance(cause, aiohttp.SocketTimeoutError)


async def test_refused_says_connect_error_as_the_log_always_did() -> None:
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(f"http://127.0.0.1:{free_port()}/", "POST")
    assert str(caught.value).startswith("ConnectError: Cannot connect to host 127.0.0.1:")


async def test_a_proxy_in_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host nobody can resolve, reached through the proxy the environment names; a host
    NO_PROXY names is reached directly (and fails here, as nobody can resolve it)."""
    bot.aiohttp_request._proxy_for.cache_clear()
    async with RawServer() as proxy:
        for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("NO_PROXY", "direct.invalid")
        request = AiohttpRequest()
        async with request:
            status, _body = await request.do_request(
                f"http://bot-api.invalid/bot{TOKEN}/getMe", "POST"
            )
            with pytest.raises(NetworkError):
                await request.do_request(f"http://direct.invalid/bot{TOKEN}/getMe", "POST")
    bot.aiohttp_request._proxy_for.cache_clear()
    assert status == 200
    assert [r.path for r in proxy.requests] == [f"http://bot-api.invalid/bot{TOKEN}/getMe"]
