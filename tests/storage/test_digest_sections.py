"""The digest's sections of later features (storage/digest_sections.py): notices sent and
polls closed in the period, and nothing from outside it or from another community, on
SQLite and PostgreSQL; rendered in both languages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.digest_text import render_digest
from storage.digest_sections import digest_sections
from storage.notice_models import Notice, NoticeStatus
from storage.poll_models import Poll, PollStatus
from tests.digest_data import PERIOD
from tests.factories import make_community, make_person

START, END = PERIOD


async def _notice(
    session: AsyncSession, community_id: int, author_id: int, title: str, **values: Any
) -> None:
    values.setdefault("status", NoticeStatus.DONE)
    values.setdefault("sent_at", START + timedelta(days=1))
    notice = Notice(
        community_id=community_id, author_id=author_id, title=title, created_at=START, **values
    )
    session.add(notice)
    await session.flush()


async def _poll(
    session: AsyncSession, community_id: int, author_id: int, question: str, **values: Any
) -> None:
    values.setdefault("status", PollStatus.CLOSED)
    values.setdefault("closed_at", START + timedelta(days=2))
    poll = Poll(
        community_id=community_id,
        author_id=author_id,
        question=question,
        options=["桂花角", "邻里院", "向阳坊"],
        result=[3, 5, 1],
        voters=9,
        created_at=START,
        **values,
    )
    session.add(poll)
    await session.flush()


async def test_notices_sent_and_polls_closed_in_the_period(session: AsyncSession) -> None:
    here, there = await make_community(session, slug="x"), await make_community(session, slug="y")
    author = await make_person(session, community=here)
    assert here.id is not None
    assert there.id is not None
    assert author.id is not None
    await _notice(session, here.id, author.id, "楼后通道清理公示", total=120)
    await _notice(session, here.id, author.id, "墙绘招募", total=80, status=NoticeStatus.SENDING)
    await _notice(session, here.id, author.id, "还是草稿", status=NoticeStatus.DRAFT)
    await _notice(session, here.id, author.id, "上周的", sent_at=START - timedelta(hours=1))
    await _notice(session, here.id, author.id, "本期之后", sent_at=END)
    await _notice(session, there.id, author.id, "别的社区", total=5)
    await _poll(session, here.id, author.id, "小花园叫什么名字？")
    await _poll(session, here.id, author.id, "还开着", status=PollStatus.OPEN, closed_at=None)
    await _poll(session, here.id, author.id, "上周结束", closed_at=START - timedelta(days=1))
    await _poll(session, there.id, author.id, "别的社区的投票")

    found = await digest_sections(session, community_id=here.id, since=START, until=END)
    assert found == {
        "notices": {"count": 2, "recipients": 200, "titles": ["楼后通道清理公示", "墙绘招募"]},
        "polls": {
            "polls": [
                {
                    "question": "小花园叫什么名字？",
                    "options": ["桂花角", "邻里院", "向阳坊"],
                    "counts": [3, 5, 1],
                    "voters": 9,
                }
            ]
        },
    }
    after = START + timedelta(days=3)  # nothing was sent or closed from here to the end
    assert await digest_sections(session, community_id=here.id, since=after, until=END) == {}


@pytest.mark.parametrize(
    ("locale", "notices", "polls"),
    [
        (
            "zh",
            "📢 发出公示：2 条，送达 200 位居民和群",
            "小花园叫什么名字？（9 人投票）：桂花角 3，邻里院 5",
        ),
        ("en", "📢 Notices sent: 2, to 200 residents and groups", "(9 voters): 桂花角 3, 邻里院 5"),
    ],
)
def test_the_sections_are_rendered_after_the_figures(locale: str, notices: str, polls: str) -> None:
    params: dict[str, Any] = {
        "community": "X",
        "since": "2026-11-02 09:00",
        "until": "2026-11-09 09:00",
        "new": 0,
        "new_before": 0,
        "by_category": {},
        "rates": {
            k: [None, None] for k in ("response", "median_hours", "resolution", "satisfaction")
        },
        "overdue": 0,
        "places": [],
        "sections": {
            "notices": {"count": 2, "recipients": 200, "titles": ["楼后通道清理公示", "墙绘招募"]},
            "polls": {
                "polls": [
                    {
                        "question": "小花园叫什么名字？",
                        "options": ["桂花角", "邻里院"],
                        "counts": [3, 5],
                        "voters": 9,
                    }
                ]
            },
        },
    }
    text = render_digest(locale, params)
    assert notices in text.replace("<b>", "").replace("</b>", "")
    assert "墙绘招募" in text
    assert polls in text
    assert text.index("墙绘招募") < text.index("小花园叫什么名字")
