"""uvicorn, embedded: the sandbox's HTTP server runs inside the test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator

import uvicorn

__all__ = ["EmbeddedServer"]

_SHUTDOWN_POLL_SECONDS = 0.005


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside someone else's event loop: no signal handling, and no 0.1 s ticks.

    uvicorn polls for ``should_exit`` every 0.1 s and sleeps 0.1 s more while shutting down;
    the sandbox is started and stopped for every test, so it waits on an event instead and
    closes its connections as soon as they are done.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.exit_requested = asyncio.Event()

    def request_exit(self) -> None:
        self.should_exit = True
        self.exit_requested.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def main_loop(self) -> None:
        await self.on_tick(0)  # sets the Date header once
        await self.exit_requested.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.config.timeout_graceful_shutdown or 3)
        state = self.server_state
        while (state.connections or state.tasks) and loop.time() < deadline:
            if self.force_exit:
                break
            await asyncio.sleep(_SHUTDOWN_POLL_SECONDS)
        for task in list(state.tasks):
            task.cancel()
