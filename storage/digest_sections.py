"""What later features add to a committee's digest (issues 13-14), as plain figures: the
notices sent, the polls and the ballots closed in the period, the upcoming volunteer events
and the period's volunteer hours. `storage.digests.digest_params`
puts them under `sections`; `handlers/digest_text.py` renders each in `SECTIONS` order."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ballot_tally import closed_between
from storage.event_reminders import digest_section as events_section
from storage.notice_models import Notice, NoticeStatus
from storage.poll_votes import closed_in_period

SENT = (NoticeStatus.SENDING, NoticeStatus.DONE)


async def notices_sent(
    session: AsyncSession, *, community_id: int, since: datetime, until: datetime
) -> dict[str, Any] | None:
    """Notices of the community sent in [since, until): how many, to how many, their titles."""
    query = (
        select(Notice)
        .where(Notice.community_id == community_id, col(Notice.status).in_(SENT))
        .where(col(Notice.sent_at) >= since, col(Notice.sent_at) < until)
        .order_by(col(Notice.sent_at), col(Notice.id))
    )
    notices = list((await session.exec(query)).all())
    if not notices:
        return None
    return {
        "count": len(notices),
        "recipients": sum(n.total for n in notices),
        "titles": [n.title for n in notices],
    }


async def digest_sections(
    session: AsyncSession,
    *,
    community_id: int,
    since: datetime,
    until: datetime,
    tz: tzinfo | None = None,
) -> dict[str, Any]:
    """Each section that has something to say for the period, by name."""
    found: dict[str, Any] = {}
    notices = await notices_sent(session, community_id=community_id, since=since, until=until)
    if notices is not None:
        found["notices"] = notices
    polls = await closed_in_period(session, community_id=community_id, since=since, until=until)
    if polls:
        found["polls"] = {"polls": polls}
    ballots = await closed_between(session, community_id=community_id, start=since, end=until)
    if ballots:  # with their results
        found["ballots"] = {"ballots": [{"title": b.title, "items": items} for b, items in ballots]}
    events = await events_section(  # issue 15: upcoming events and the period's hours
        session, community_id=community_id, since=since, until=until, tz=tz or UTC
    )
    if events is not None:
        found["events"] = events
    return found
