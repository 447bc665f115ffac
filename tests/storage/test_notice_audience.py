"""Notices' audience and sending, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.followers import follow
from storage.models import FollowReason, OutboxMessage
from storage.notice_delivery import (
    Audience,
    audience,
    audience_chats,
    counts,
    note_progress,
    recent_notices,
    send_notice,
)
from storage.notices import NoticeError, start_notice
from storage.preferences import accepts_notices, set_accept_notices
from storage.triage import Scope
from tests.factories import NOW, make_community, make_person, make_report


async def _rows(session: AsyncSession, notice_id: int) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.notice_id == notice_id)
        .order_by(col(OutboxMessage.person_id))
    )
    return list((await session.exec(query)).all())


async def test_the_audience_is_the_residents_who_accept_notices(session: AsyncSession) -> None:
    home = await make_community(session)
    elsewhere = await make_community(session)
    assert home.id is not None
    accepts = await make_person(session, community=home)
    opted_out = await make_person(session, community=home)
    back_in = await make_person(session, community=home)
    blocked = await make_person(session, community=home)
    await make_person(session, community=elsewhere)
    assert opted_out.id
    assert back_in.id
    await set_accept_notices(session, person_id=opted_out.id, accept=False, now=NOW)
    await set_accept_notices(session, person_id=back_in.id, accept=False, now=NOW)
    await set_accept_notices(session, person_id=back_in.id, accept=True, now=NOW)
    blocked.unreachable = True
    session.add(blocked)
    planner = await make_person(session, community=elsewhere)
    scope = Scope(person_id=planner.id or 0, community_ids=(home.id,))

    draft = await start_notice(
        session, scope=scope, community_id=home.id, now=NOW, title="公示", body="清理通道"
    )
    notice = draft.notice
    assert notice.id is not None
    assert await audience(session, notice=notice) == Audience(residents=2, chats=0)
    assert await audience_chats(session, community_id=home.id) == []  # wired at merge
    assert not await accepts_notices(session, person_id=opted_out.id)

    sent = await send_notice(
        session,
        scope=scope,
        notice_id=notice.id,
        version=notice.version,
        status_chat_id=1,
        status_message_id=2,
        now=NOW,
    )
    assert sent.total == 2
    rows = await _rows(session, notice.id)
    assert [r.person_id for r in rows] == [accepts.id, back_in.id]
    assert {r.dedupe_key for r in rows} == {
        f"notice:{notice.id}:p{accepts.id}",
        f"notice:{notice.id}:p{back_in.id}",
    }
    assert rows[0].params["title"] == "公示"
    assert rows[0].kind == "notice"
    assert rows[0].not_before == NOW
    assert rows[0].status == "pending"

    with pytest.raises(NoticeError, match="already_sent"):
        await send_notice(
            session,
            scope=scope,
            notice_id=notice.id,
            version=notice.version,
            status_chat_id=1,
            status_message_id=2,
            now=NOW,
        )
    assert len(await _rows(session, notice.id)) == 2


async def test_followers_of_a_report_and_the_final_counts(
    session: AsyncSession, tmp_path: Path
) -> None:
    home = await make_community(session)
    assert home.id is not None
    reporter = await make_person(session, community=home)
    neighbour = await make_person(session, community=home)
    follower = await make_person(session, community=await make_community(session))
    report = await make_report(session, media_dir=tmp_path, reporter=reporter)
    assert report.id
    assert follower.id
    assert neighbour.id
    await follow(
        session, report_id=report.id, person_id=follower.id, reason=FollowReason.ME_TOO, now=NOW
    )
    planner = await make_person(session, community=home)
    scope = Scope(person_id=planner.id or 0, community_ids=(home.id,))
    draft = await start_notice(
        session,
        scope=scope,
        community_id=home.id,
        now=NOW,
        title="t",
        body="b",
        report_id=report.id,
        followers_only=True,
    )
    notice = draft.notice
    assert notice.id is not None
    assert await audience(session, notice=notice) == Audience(residents=2, chats=0)
    await send_notice(
        session,
        scope=scope,
        notice_id=notice.id,
        version=notice.version,
        status_chat_id=1,
        status_message_id=2,
        now=NOW,
    )
    rows = await _rows(session, notice.id)
    assert {r.person_id for r in rows} == {reporter.id, follower.id}
    rows[0].status, rows[1].status = "sent", "blocked"
    session.add_all(rows)
    await session.flush()
    now = await counts(session, notice_id=notice.id)
    assert (now.total, now.sent, now.unreachable, now.failed, now.left) == (2, 1, 1, 0, 0)
    assert await note_progress(session, notice_id=notice.id, shown=now, now=NOW)
    assert not await note_progress(session, notice_id=notice.id, shown=now, now=NOW)
    ((listed, final),) = await recent_notices(session, community_ids=(home.id,))
    assert listed.status == "done"
    assert final == now
