"""What an event carries out: an item of the community's latest closed priority ballot,
named by its rank ("rank 2" / "第 2 位" typed while the event is drawn up)."""

from __future__ import annotations

import re

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ballot_models import Ballot, BallotItem, BallotStatus
from storage.event_models import Event
from storage.models import format_ref

RANK_RE = re.compile(r"^\s*(?:rank\s*(\d{1,2})|第\s*(\d{1,2})\s*位)\s*$", re.IGNORECASE)


def ballot_rank(text: str) -> int | None:
    """ "rank 2" or "第 2 位": the event carries out that item of the latest closed ballot."""
    found = RANK_RE.match(text)
    return None if found is None else int(found.group(1) or found.group(2))


async def ranked_item(session: AsyncSession, *, event: Event, rank: int) -> int | None:
    """The item ranked `rank` in the community's latest closed ballot, if there is one."""
    query = (
        select(BallotItem.id)
        .join(Ballot, col(Ballot.id) == col(BallotItem.ballot_id))
        .where(Ballot.community_id == event.community_id, Ballot.status == BallotStatus.CLOSED)
        .where(BallotItem.rank == rank)
        .order_by(col(Ballot.closed_at).desc(), col(Ballot.id).desc())
    )
    item_id = (await session.exec(query)).first()
    return None if item_id is None else int(item_id)


async def ballot_item_line(session: AsyncSession, *, event: Event) -> tuple[int, str, str] | None:
    """The linked ballot item as (rank, ballot title, its words or report reference)."""
    if event.ballot_item_id is None:
        return None
    item = await session.get(BallotItem, event.ballot_item_id)
    ballot = None if item is None else await session.get(Ballot, item.ballot_id)
    if item is None or ballot is None or item.rank is None:
        return None
    label = format_ref(item.report_id) if item.report_id else item.text
    return item.rank, ballot.title, label
