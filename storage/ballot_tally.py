"""The result of a priority ballot (issue 14), defined once.

An item's score is the **mean over its voters of (urgency × importance)**: for every voter
who gave the item both scores (1-3 each), multiply the two, add the products up and divide
by the number of such voters. So it lies between 1 and 9; an item nobody scored fully has
no score and ranks after every scored one. Items are ranked by score, highest first; a tie
by the number of voters, more first; then by the earliest report (the smaller report id;
typed items, which have no report, after reports), then by the order they were added. The
comparison is exact (fractions, not floats), and the same on SQLite and PostgreSQL
(tests/storage/test_ballot_tally.py).

Closing writes `rank`, `score_sum` and `voters` on the items, marks the ballot closed (once:
a guarded UPDATE), and queues the result to every eligible voter and the community's
committee chats, deduplicated per recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ballot_models import Ballot, BallotItem, BallotScore, BallotStatus
from storage.ballot_voting import eligible_voters
from storage.groups import committee_chats
from storage.models import OutboxMessage, Report
from storage.outbox import enqueue
from storage.writes import insert_or_skip

BALLOT_RESULT = "ballot_result"


@dataclass(frozen=True)
class Ranked:
    """One item's place in the result."""

    item: BallotItem
    rank: int
    score_sum: int  # sum over voters of urgency × importance
    voters: int  # voters who gave both scores

    @property
    def mean(self) -> Fraction | None:
        return Fraction(self.score_sum, self.voters) if self.voters else None


def _order(item: BallotItem, score_sum: int, voters: int) -> tuple[Any, ...]:
    mean = Fraction(score_sum, voters) if voters else Fraction(-1)
    report = item.report_id if item.report_id is not None else float("inf")
    return (-mean, -voters, report, item.position)


async def tally(session: AsyncSession, *, ballot_id: int) -> list[Ranked]:
    """The ranking as it stands now (see the module's docstring for the definition)."""
    sums = await session.exec(
        select(
            BallotScore.item_id,
            func.sum(col(BallotScore.urgency) * col(BallotScore.importance)),
            func.count(),
        )
        .where(
            BallotScore.ballot_id == ballot_id,
            col(BallotScore.urgency).is_not(None),
            col(BallotScore.importance).is_not(None),
        )
        .group_by(col(BallotScore.item_id))
    )
    figures = {item_id: (int(total or 0), int(count)) for item_id, total, count in sums.all()}
    items = (await session.exec(select(BallotItem).where(BallotItem.ballot_id == ballot_id))).all()
    ordered = sorted(items, key=lambda i: _order(i, *figures.get(i.id or 0, (0, 0))))
    return [
        Ranked(
            item=item,
            rank=n,
            score_sum=figures.get(item.id or 0, (0, 0))[0],
            voters=figures.get(item.id or 0, (0, 0))[1],
        )
        for n, item in enumerate(ordered, start=1)
    ]


async def close_ballot(session: AsyncSession, *, ballot_id: int, now: datetime) -> Ballot | None:
    """Close an open ballot whose time has come: ranks stored, result queued. None when it
    is not open or not due (closed already by another job or process: nothing happens twice)."""
    moved = await session.exec(
        update(Ballot)
        .where(
            col(Ballot.id) == ballot_id,
            col(Ballot.status) == BallotStatus.OPEN,
            col(Ballot.closes_at) <= now,
        )
        .values(status=BallotStatus.CLOSED, closed_at=now)
    )
    if int(moved.rowcount) != 1:
        return None
    ballot = await session.get(Ballot, ballot_id, populate_existing=True)
    assert ballot is not None
    ranked = await tally(session, ballot_id=ballot_id)
    for place in ranked:
        place.item.rank, place.item.score_sum, place.item.voters = (
            place.rank,
            place.score_sum,
            place.voters,
        )
        session.add(place.item)
    await session.flush()
    params = await result_params(session, ballot=ballot, ranked=ranked)
    for voter in await eligible_voters(session, ballot=ballot):
        await enqueue(
            session,
            person=voter,
            kind=BALLOT_RESULT,
            params=params,
            now=now,
            dedupe_key=f"ballot:{ballot_id}:result:{voter.id}",
        )
    for chat in await committee_chats(session, community_id=ballot.community_id):
        row = OutboxMessage(
            chat_id=chat.chat_id,
            locale=chat.locale,
            kind=BALLOT_RESULT,
            params=params,
            dedupe_key=f"ballot:{ballot_id}:result:c{chat.chat_id}",
            not_before=now,
            created_at=now,
        )
        await insert_or_skip(session, row, conflict=("dedupe_key",))
    return ballot


async def result_params(
    session: AsyncSession, *, ballot: Ballot, ranked: list[Ranked]
) -> dict[str, Any]:
    """What a result message needs, as data: each item's rank, label, score and voters."""
    report_ids = [p.item.report_id for p in ranked if p.item.report_id is not None]
    reports = {
        r.id: r
        for r in (await session.exec(select(Report).where(col(Report.id).in_(report_ids)))).all()
    }
    rows = []
    for place in ranked:
        report = reports.get(place.item.report_id) if place.item.report_id else None
        text = place.item.text if report is None else report.description
        label = text if report is None else f"{report.ref} {text}".strip()
        rows.append(
            {
                "rank": place.rank,
                "label": label[:80],
                "report_id": place.item.report_id,
                "text": text,
                "category": None if report is None else report.category,
                "score_sum": place.score_sum,
                "voters": place.voters,
            }
        )
    return {"ballot_id": ballot.id, "title": ballot.title, "items": rows}


async def open_ballots(session: AsyncSession) -> list[Ballot]:
    """Every open ballot (the closing jobs are derived from these rows)."""
    query = select(Ballot).where(Ballot.status == BallotStatus.OPEN).order_by(col(Ballot.id))
    return list((await session.exec(query)).all())


async def closed_between(
    session: AsyncSession, *, community_id: int, start: datetime, end: datetime
) -> list[tuple[Ballot, list[dict[str, Any]]]]:
    """The ballots of a community closed in [start, end), each with its result rows."""
    query = (
        select(Ballot)
        .where(
            Ballot.community_id == community_id,
            Ballot.status == BallotStatus.CLOSED,
            col(Ballot.closed_at) >= start,
            col(Ballot.closed_at) < end,
        )
        .order_by(col(Ballot.closed_at), col(Ballot.id))
    )
    found = []
    for ballot in (await session.exec(query)).all():
        assert ballot.id is not None
        items = (
            await session.exec(
                select(BallotItem)
                .where(BallotItem.ballot_id == ballot.id)
                .order_by(col(BallotItem.rank))
            )
        ).all()
        ranked = [
            Ranked(item=i, rank=i.rank or 0, score_sum=i.score_sum, voters=i.voters) for i in items
        ]
        found.append(
            (ballot, (await result_params(session, ballot=ballot, ranked=ranked))["items"])
        )
    return found


async def report_rank(session: AsyncSession, *, report_id: int) -> tuple[int, str] | None:
    """The report's rank in the latest closed ballot it was on, with that ballot's title."""
    query = (
        select(BallotItem.rank, Ballot.title)
        .join(Ballot, col(Ballot.id) == col(BallotItem.ballot_id))
        .where(
            BallotItem.report_id == report_id,
            Ballot.status == BallotStatus.CLOSED,
            col(BallotItem.rank).is_not(None),
        )
        .order_by(col(Ballot.closed_at).desc(), col(Ballot.id).desc())
    )
    row = (await session.exec(query)).first()
    if row is None or row[0] is None:
        return None
    return int(row[0]), row[1]
