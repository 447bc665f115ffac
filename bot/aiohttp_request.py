"""PTB's request contract over aiohttp: every Bot API request the bot makes goes through here.

Why not PTB's HTTPXRequest: measured by hand on `bot.send_message`, httpx/httpcore/anyio
cost 0.78 ms of CPU per request, a minimal aiohttp-based request 0.35 ms (with 20 requests
at once 1.3 ms against 0.26 ms: httpcore scans its pool on every request).

`AiohttpRequest` keeps HTTPXRequest's behaviour where the bot can see it:

- one `aiohttp.ClientSession` per object, made in `initialize()` inside the running loop
  (`test_a_request_made_outside_a_loop_serves_one_loop_after_another`); `initialize()`
  again does nothing, and after `shutdown()` it makes a new one; `do_request` before
  `initialize()` raises RuntimeError (tests/unit/test_aiohttp_request.py
  `test_the_session_lives_from_initialize_to_shutdown`);
- a request without files is one JSON object (`request_data.parameters`, UTF-8, as the Bot
  API takes it; 6 µs of CPU for a reply with a keyboard against 35 µs form-encoded,
  `test_parameters_arrive_as_one_json_object`); one with files is multipart/form-data: the
  parameters as fields, then each file with its name and MIME type; a file name is written
  as browsers and httpx write it (UTF-8, `"` and control characters percent-encoded)
  (`test_a_multipart_upload_arrives_with_its_files_and_fields`); a file handle is read from
  its start on every attempt (tests/unit/test_transport.py
  `test_a_retried_upload_sends_its_file_handle_whole`);
- PTB's timeouts: read 5 s, write 5 s (20 s for a request with files), connect 5 s, pool
  1 s, overridable per call, `None` for no limit
  (`test_do_request_passes_ptbs_timeouts_and_their_overrides`). aiohttp has other knobs, so
  (`client_timeout`, `test_the_timeouts_map_onto_aiohttp`):

  | PTB | aiohttp's `ClientTimeout` |
  |---|---|
  | read | `sock_read`: the longest wait for the next bytes of the answer |
  | connect | `sock_connect`: making the TCP (and TLS) connection |
  | pool + connect | `connect`: waiting for a free connection, then making it |
  | write | no such knob: only in `total`, for an upload |
  | pool + connect + write + read | `total`, for a request with files: the whole upload |

  A sum has no limit when one of its parts is None. A request without files has no `total`
  (as under httpx, whose timeouts are per step): a download of a large photo takes as long as
  it takes while bytes keep coming within the read timeout; an upload, whose writing aiohttp
  cannot time out otherwise, is bounded by the sum as a whole. getUpdates' long poll is not
  cut short: PTB adds the poll's timeout to `read_timeout` (the property below) and passes
  the sum
  (`test_a_long_poll_outlives_the_default_read_timeout`);
- errors: any timeout is `telegram.error.TimedOut`, any other `aiohttp.ClientError` is
  `telegram.error.NetworkError`, reading the answer's body included, always raised `from`
  aiohttp's exception, which bot/transport.py reads to decide on a retry
  (`test_errors_become_ptb_errors_with_their_cause`). A connection that could not be made
  says "ConnectError: " and aiohttp's words (refused, DNS), as the log said it under httpx
  (`test_refused_says_connect_error_as_the_log_always_did`);
- the `User-Agent` is PTB's (`test_parameters_arrive_as_one_json_object`);
- a proxy named in the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`) is used, as
  httpx used it: where Telegram is reached only through a proxy, that is how the bot is
  told (`test_a_proxy_in_the_environment_is_used`). The environment is read once per host
  (`env_proxy`), not by aiohttp on every request (its `trust_env` cost 0.45 ms of CPU per
  request, more than the request itself).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

logger = logging.getLogger(__name__)

_JSON_HEADERS = {"Content-Type": "application/json"}  # aiohttp copies it
# What browsers (and httpx) percent-encode in a multipart name or file name: `"` and the
# control characters but ESC; aiohttp itself escapes a backslash as `\\`.
_FORM_DATA_ESCAPED = re.compile(r'["\x00-\x1a\x1c-\x1f]')


def _form_data_name(name: str) -> str:
    return _FORM_DATA_ESCAPED.sub(lambda match: f"%{ord(match.group()):02X}", name)


def _sum(*parts: float | None) -> float | None:
    """The sum, or None (no limit) when any part is None."""
    total = 0.0
    for part in parts:
        if part is None:
            return None
        total += part
    return total


@lru_cache(maxsize=64)
def client_timeout(
    *,
    read: float | None,
    write: float | None,
    connect: float | None,
    pool: float | None,
    upload: bool = False,
) -> aiohttp.ClientTimeout:
    """PTB's four timeouts as one aiohttp `ClientTimeout` (the table in the module doc);
    `upload`: the request carries files."""
    return aiohttp.ClientTimeout(
        total=_sum(pool, connect, write, read) if upload else None,
        connect=_sum(pool, connect),
        sock_connect=connect,
        sock_read=read,
    )


@lru_cache(maxsize=16)
def _proxy_for(scheme: str, host: str) -> str | None:
    if not host or urllib.request.proxy_bypass(host):  # NO_PROXY
        return None
    return urllib.request.getproxies().get(scheme)


def env_proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (None: go direct); read once per host."""
    parts = urlsplit(url)
    return _proxy_for(parts.scheme, parts.hostname or "")


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    """The parameters as fields, then every file with its file name and MIME type."""
    form = aiohttp.FormData(quote_fields=False, default_to_multipart=True)
    for name, value in request_data.json_parameters.items():
        form.add_field(_form_data_name(name), value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        if not isinstance(content, bytes) and content.seekable():
            content.seek(0)  # a file handle read by an earlier attempt, as httpx does
        form.add_field(
            _form_data_name(name),
            content,
            filename=_form_data_name(filename),
            content_type=mime_type,
        )
    return form


def _network_error(error: aiohttp.ClientError) -> NetworkError:
    if isinstance(error, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake
        return NetworkError(f"ConnectError: {error}")
    return NetworkError(f"aiohttp.{type(error).__name__}: {error}")


def _timed_out(error: TimeoutError) -> TimedOut:
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return TimedOut(
            "Timed out waiting for a free connection or connecting (pool or connect timeout); "
            "the request was not sent"
        )
    if isinstance(error, aiohttp.SocketTimeoutError):
        return TimedOut("Timed out reading the answer (read timeout)")
    return TimedOut("Timed out (an upload as a whole took longer than its timeouts' sum)")


class AiohttpRequest(BaseRequest):
    """`telegram.request.BaseRequest` over one aiohttp session (see the module doc).

    `connection_pool_size` is the most connections open at once (aiohttp's connector limit);
    the timeouts are PTB's, in seconds, None for no limit.
    """

    __slots__ = (
        "_connection_pool_size",
        "_media_write_timeout",
        "_session",
        "_timeouts",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connection_pool_size = connection_pool_size
        self._timeouts: dict[str, float | None] = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
        }
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout; PTB adds getUpdates' poll timeout to it."""
        return self._timeouts["read"]

    async def initialize(self) -> None:
        """Make the session, in the running loop; nothing when one is open already."""
        if self._session is not None and not self._session.closed:
            return
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._connection_pool_size),
            cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
            headers={"User-Agent": self.USER_AGENT},
        )

    async def shutdown(self) -> None:
        """Close the session and its connections; a later `initialize()` makes a new one."""
        session, self._session = self._session, None
        if session is None or session.closed:
            logger.debug("AiohttpRequest already shut down")
            return
        await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request; (status, body) for any answer, PTB's errors for no answer."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError(
                "AiohttpRequest is not initialized: call `await request.initialize()` "
                "(PTB's Bot and Application do) before making requests"
            )
        files = request_data is not None and request_data.contains_files
        default = BaseRequest.DEFAULT_NONE
        if write_timeout is default:
            write_timeout = self._media_write_timeout if files else self._timeouts["write"]
        timeout = client_timeout(
            read=self._timeouts["read"] if read_timeout is default else read_timeout,
            write=write_timeout,
            connect=self._timeouts["connect"] if connect_timeout is default else connect_timeout,
            pool=self._timeouts["pool"] if pool_timeout is default else pool_timeout,
            upload=files,
        )
        data: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if files:
                data = _multipart(request_data)
            elif parameters := request_data.parameters:
                data = json.dumps(parameters, ensure_ascii=False).encode()
                headers = _JSON_HEADERS
        try:
            async with session.request(
                method, url, data=data, headers=headers, timeout=timeout, proxy=env_proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # before ClientError: aiohttp's timeouts are both
            raise _timed_out(error) from error
        except aiohttp.ClientError as error:
            raise _network_error(error) from error
