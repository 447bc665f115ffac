"""The digest's period figures on a fixed data set (tests/digest_data.py, worked out by hand),
and a period queued once per chat, on SQLite and PostgreSQL."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.digests import DIGEST_CHART, DIGEST_TEXT, digest_params, queue_digest
from storage.groups import link_chat
from storage.models import ChatKind, OutboxMessage
from storage.stats import busiest_places, category_status_counts, overdue_count
from tests.digest_data import PERIOD, PREVIOUS, digest_data_set
from tests.factories import NOW, make_community

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _setup(session: AsyncSession) -> tuple[int, int]:
    x = await make_community(session, slug="x")
    y = await make_community(session, slug="y")
    assert x.id is not None
    assert y.id is not None
    await digest_data_set(session, community_id=x.id, other_id=y.id)
    return x.id, y.id


async def test_the_period_figures_match_the_hand_computed_ones(session: AsyncSession) -> None:
    x, _ = await _setup(session)
    params = await digest_params(
        session,
        community_id=x,
        locale="en",
        period=PERIOD,
        previous=PREVIOUS,
        tz=SHANGHAI,
        first_response_hours=48,
    )
    assert params["since"] == "2026-11-02 09:00"
    assert params["until"] == "2026-11-09 09:00"
    assert (params["new"], params["new_before"]) == (6, 2)
    assert params["by_category"] == {"greenery": 1, "lighting": 1, "litter": 4}
    rates = params["rates"]
    assert rates["response"] == [pytest.approx(0.5), pytest.approx(0.5)]
    assert rates["median_hours"] == [pytest.approx(7.0), pytest.approx(1.0)]
    assert rates["resolution"] == [pytest.approx(2 / 6), pytest.approx(0.5)]
    assert rates["satisfaction"] == [pytest.approx(0.5), pytest.approx(1.0)]
    assert params["overdue"] == 2
    assert params["places"] == [
        {"lat": pytest.approx(31.207), "lon": pytest.approx(121.427), "count": 3},
        {"lat": pytest.approx(31.204), "lon": pytest.approx(121.425), "count": 2},
        {"lat": pytest.approx(31.210), "lon": pytest.approx(121.430), "count": 1},
    ]
    assert params["sections"] == {}


async def test_category_status_places_and_overdue(session: AsyncSession) -> None:
    x, y = await _setup(session)
    counts = await category_status_counts(
        session, community_ids=[x], since=PERIOD[0], until=PERIOD[1]
    )
    assert counts == {
        "greenery": {"submitted": 1},
        "lighting": {"submitted": 1},
        "litter": {"accepted": 1, "declined": 1, "reopened": 1, "resolved": 1},
    }
    places = await busiest_places(session, community_ids=[x], since=PERIOD[0], until=PERIOD[1])
    assert [n for _, _, n in places] == [3, 2, 1]
    both = await busiest_places(session, community_ids=[x, y], since=PERIOD[0], until=PERIOD[1])
    assert both[0][2] == 4, "the other community's report is in the same cell"
    assert await overdue_count(session, community_ids=[x], now=PERIOD[1], hours=48) == 2
    assert await overdue_count(session, community_ids=[x], now=PERIOD[0], hours=48) == 1, (
        "at the start of the period only P2 was overdue"
    )


async def test_a_period_is_queued_once_per_chat(session: AsyncSession) -> None:
    x, _ = await _setup(session)
    chat = await link_chat(
        session,
        chat_id=-100_200,
        kind=ChatKind.COMMITTEE,
        community_id=x,
        department=None,
        locale="zh",
        by=None,
        now=NOW,
    )
    runs = [
        await queue_digest(
            session,
            chat=chat,
            period=PERIOD,
            previous=PREVIOUS,
            scheduled=True,
            now=NOW,
            tz=SHANGHAI,
            first_response_hours=48,
        )
        for _ in range(2)
    ]
    first, again = runs
    assert first is not None
    assert again is None
    rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert [(r.chat_id, r.kind, r.locale) for r in rows] == [
        (-100_200, DIGEST_TEXT, "zh"),
        (-100_200, DIGEST_CHART, "zh"),
    ]
    assert rows[0].person_id is None
