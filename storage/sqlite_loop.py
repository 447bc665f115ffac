"""SQLite in the event loop's own thread: aiosqlite's API without its worker thread.

aiosqlite runs every sqlite3 call on a thread of its own and hands the answer back to the
event loop. Against a local file a statement takes microseconds, and the two thread hops
around it cost far more: a unit of work with one query took 0.7 ms of CPU through the
thread and 0.2 ms without it (benchmarks/README.md, "SQLite in the loop, statements built
once"). Here every call runs where it is awaited, so a unit of work runs from BEGIN to
COMMIT without giving the loop away, as long as it awaits nothing but the database
(handlers and jobs never hold a session across a Bot API request or a sleep:
tests/unit/test_layers.py, ``test_a_unit_of_work_awaits_nothing_but_the_database``; an
update's held first read ends before its Bot API requests: bot/update_unit.py,
tests/conversation/test_held_unit.py).

What this changes, and what holds it:

- sqlite3 refuses a connection used from any thread but the one that opened it
  (``check_same_thread``, left on), so a call that slipped to another thread fails loudly
  instead of racing: tests/storage/test_sqlite_loop.py,
  ``test_every_call_runs_in_the_loop_thread``.
- The engine keeps ONE connection (storage/db.py). A second unit of work waits for it
  without blocking the loop; with two connections, a unit of work that held a write lock
  across a non-database await would make the other one wait for SQLite's lock *inside*
  the loop, and the loop could never let the first one finish
  (``test_a_unit_of_work_that_yields_does_not_stall_another``).
- A statement blocks the loop while it runs, disk writes included (each commit syncs the
  write-ahead log); another process holding the write lock blocks it for up to
  ``busy_timeout`` (5 s, storage/db.py). The bot is SQLite's only regular writer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator
from functools import partial
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")


class LoopConnection(aiosqlite.Connection):
    """aiosqlite's connection whose calls run in the awaiting thread (no worker thread).

    aiosqlite routes every sqlite3 call, its cursors' included, through
    ``Connection._execute``; that one method is replaced, with the start-up and shut-down
    that would otherwise start and stop the thread.
    """

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> LoopConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, LoopConnection]:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


async def connect(database: str, **kwargs: Any) -> LoopConnection:
    """A connection to `database` (a path, or ``:memory:``) for ``async_creator``."""
    return await LoopConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size=64)
