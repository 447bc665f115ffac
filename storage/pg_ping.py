"""PostgreSQL: a pooled connection pinged only when the server may have closed it.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` on every checkout, one round trip before each
unit of work: 0.16 ms of CPU of a 0.91 ms caller read through psycopg (benchmarks/README.md).
Yet a server that ends a connection (a restart, `pg_terminate_backend`, an idle timeout, a
crash) says so on its socket: an error message, then the close. An idle pooled connection
whose socket has nothing to read was not closed by the server, so it is handed out as it
is; one whose socket is readable, or that psycopg already knows is broken or closed, gets
the dialect's own ping, and a failed ping makes the pool replace it (SQLAlchemy's
`DisconnectionError` from a checkout listener: the connection is discarded and a new one
tried). tests/storage/test_pg_ping.py proves both halves on PostgreSQL.

What this does not see, like the ping it replaces in practice: a network path that died
silently (no close ever arrives); there, either way, the statement waits for TCP to give up.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine


def ping_when_the_server_spoke(engine: AsyncEngine) -> None:
    """Check each connection of `engine`'s pool as it is checked out (see the module doc)."""
    dialect = engine.sync_engine.dialect

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if not may_be_closed(dbapi_connection.driver_connection):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError(str(error)) from error
            raise

    event.listen(engine.sync_engine.pool, "checkout", on_checkout)


def may_be_closed(driver_connection: Any) -> bool:
    """Whether a psycopg connection could have been ended by the server since its last use:
    psycopg knows it is closed or broken, or its socket has something to read (an idle
    connection is sent nothing but a goodbye, an error, or a rare notice)."""
    if driver_connection.closed or driver_connection.broken:
        return True
    try:
        readable, _, _ = select.select([driver_connection.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.Error):
        return True
    return bool(readable)
