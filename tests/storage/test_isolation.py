"""Each storage test gets an empty database whose ids start at 1, as a fresh one would.

The database is migrated once per session (tests/databases.py); this runs twice on each
leg, so the second run sees whatever the first one (or any earlier test) left behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Community, Report
from tests.factories import make_report


@pytest.mark.parametrize("run", ["first", "second"])
async def test_every_test_starts_empty_with_ids_from_one(
    session: AsyncSession, tmp_path: Path, run: str
) -> None:
    for table in (Community, Report):
        assert (await session.exec(select(func.count()).select_from(table))).one() == 0
    report = await make_report(session, media_dir=tmp_path)
    assert (report.id, report.community_id) == (1, 1)
