"""What the bot's own process spends: CPU time, SQL round trips, transactions, sessions.

These meters live in the bot's process (benchmarks/bot_process.py) and only count; the
benchmark asks for a snapshot before and after a phase and subtracts. Nothing here changes
what the bot does: the SQL meter listens to SQLAlchemy events on the bot's own engine.
"""

from __future__ import annotations

import os
import re
import resource
import weakref
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, SessionTransaction

JsonDict = dict[str, Any]

WRITE_VERBS = frozenset({"INSERT", "UPDATE", "DELETE"})
_VERB = re.compile(r"^\s*([A-Za-z]+)")
_TABLE_AFTER = {
    "SELECT": re.compile(r"\bFROM\s+\"?(\w+)\"?", re.IGNORECASE),
    "INSERT": re.compile(r"\bINTO\s+\"?(\w+)\"?", re.IGNORECASE),
    "UPDATE": re.compile(r"^\s*UPDATE\s+\"?(\w+)\"?", re.IGNORECASE),
    "DELETE": re.compile(r"\bFROM\s+\"?(\w+)\"?", re.IGNORECASE),
}


@lru_cache(maxsize=4096)  # the meter runs in the measured process: keep it cheap
def statement_kind(sql: str) -> str:
    """``"SELECT report_draft"``, ``"INSERT report"``: the verb and the first table named."""
    match = _VERB.match(sql)
    verb = match.group(1).upper() if match else "?"
    table_pattern = _TABLE_AFTER.get(verb)
    table = table_pattern.search(sql) if table_pattern else None
    return f"{verb} {table.group(1)}" if table else verb


def cpu_seconds() -> JsonDict:
    """User and system CPU time of this whole process, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"user": usage.ru_utime, "system": usage.ru_stime}


@dataclass
class SqlMeter:
    """Counts what the bot asks of its database, from SQLAlchemy's own events.

    - statements: every statement sent through a cursor (an ``executemany`` is one);
    - transactions: every transaction begun on a connection (a read-only unit of work too);
    - write_transactions: committed transactions that ran an INSERT, UPDATE or DELETE;
    - sessions: ORM sessions that used a connection at least once;
    - checkouts: connections taken from the pool (on PostgreSQL each one is also a ping);
    - compiled: statements SQLAlchemy had to compile because its compiled cache had no entry
      (a statement built anew each time, with a new alias say, misses on every call; after
      the warm-up a conversation should compile nothing), by kind in ``by_compiled``.
    """

    statements: int = 0
    transactions: int = 0
    write_transactions: int = 0
    commits: int = 0
    rollbacks: int = 0
    sessions: int = 0
    checkouts: int = 0
    compiled: int = 0
    by_compiled: Counter[str] = field(default_factory=Counter)
    by_statement: Counter[str] = field(default_factory=Counter)
    _seen_sessions: weakref.WeakSet[Session] = field(default_factory=weakref.WeakSet)

    def attach(self, engine: AsyncEngine) -> None:
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._on_statement)
        event.listen(sync_engine, "begin", self._on_begin)
        event.listen(sync_engine, "commit", self._on_commit)
        event.listen(sync_engine, "rollback", self._on_rollback)
        event.listen(sync_engine, "checkout", self._on_checkout)
        # class-wide: in the bot's process every ORM session is the bot's
        event.listen(Session, "after_begin", self._on_session_begin)

    def snapshot(self) -> JsonDict:
        return {
            "statements": self.statements,
            "transactions": self.transactions,
            "write_transactions": self.write_transactions,
            "commits": self.commits,
            "rollbacks": self.rollbacks,
            "sessions": self.sessions,
            "checkouts": self.checkouts,
            "compiled": self.compiled,
            "by_compiled": dict(self.by_compiled),
            "by_statement": dict(self.by_statement),
        }

    def _on_statement(
        self,
        conn: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        self.statements += 1
        kind = statement_kind(statement)
        self.by_statement[kind] += 1
        if getattr(context, "cache_hit", None) is not CacheStats.CACHE_HIT:
            self.compiled += 1
            self.by_compiled[kind] += 1
        if kind.split(" ", 1)[0] in WRITE_VERBS:
            conn.info["bench_wrote"] = True

    def _on_begin(self, conn: Connection) -> None:
        self.transactions += 1
        conn.info["bench_wrote"] = False

    def _on_commit(self, conn: Connection) -> None:
        self.commits += 1
        if conn.info.pop("bench_wrote", False):
            self.write_transactions += 1

    def _on_rollback(self, conn: Connection) -> None:
        self.rollbacks += 1
        conn.info.pop("bench_wrote", None)

    def _on_checkout(self, *_args: Any) -> None:
        self.checkouts += 1

    def _on_session_begin(
        self, session: Session, _transaction: SessionTransaction, _connection: Connection
    ) -> None:
        if session not in self._seen_sessions:
            self._seen_sessions.add(session)
            self.sessions += 1


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float | None:
    """utime + stime of another process on this machine (None when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # fields 14 and 15 of proc(5)


@dataclass
class PostgresBackends:
    """The server processes behind the bot's PostgreSQL connections, and their CPU time.

    Their work is not in the bot's own CPU time; it is reported next to it. A connection's
    last reading is kept when the pool closes it, so nothing it used is lost.
    """

    last_seen: dict[int, float] = field(default_factory=dict)

    def attach(self, engine: AsyncEngine) -> None:
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "connect", self._on_connect)
        event.listen(sync_engine, "close", self._on_close)

    def cpu_seconds(self) -> float:
        for pid in self.last_seen:
            self._read(pid)
        return sum(self.last_seen.values())

    def _read(self, pid: int) -> None:
        seconds = process_cpu_seconds(pid)
        if seconds is not None:
            self.last_seen[pid] = seconds

    @staticmethod
    def _pid(dbapi_connection: Any) -> int | None:
        driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        info = getattr(driver, "info", None)
        pid = getattr(info, "backend_pid", None)
        return pid if isinstance(pid, int) else None

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        pid = self._pid(dbapi_connection)
        if pid is not None:
            self.last_seen.setdefault(pid, 0.0)
            self._read(pid)

    def _on_close(self, dbapi_connection: Any, _record: Any) -> None:
        pid = self._pid(dbapi_connection)
        if pid is not None:
            self._read(pid)
