"""storage.types.UTCDateTime: naive datetimes are refused, stored values come back aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect

from storage.types import UTCDateTime

NAIVE = datetime(2026, 1, 1, 9, 0, tzinfo=UTC).replace(tzinfo=None)
DIALECTS: list[Dialect] = [SQLiteDialect_pysqlite(), PGDialect_psycopg()]  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_a_naive_datetime_is_refused(dialect: Dialect) -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(NAIVE, dialect)


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_any_zone_is_stored_as_utc_and_read_back_aware(dialect: Dialect) -> None:
    column = UTCDateTime()
    shanghai = timezone(timedelta(hours=8))
    stored = column.process_bind_param(datetime(2026, 1, 1, 9, 0, tzinfo=shanghai), dialect)
    assert stored == datetime(2026, 1, 1, 1, 0, tzinfo=UTC).replace(tzinfo=None)  # UTC wall time
    read = column.process_result_value(stored, dialect)
    assert read == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    assert read is not None
    assert read.tzinfo is UTC
    assert column.process_bind_param(None, dialect) is None
    assert column.process_result_value(None, dialect) is None
