"""Voting on a priority ballot (issue 14): who may vote, one item as a voter sees it, and a
score given or changed.

Eligible voters are the community's residents (`electorate = residents`: people whose
community it is, and who are reachable), or its panel (`electorate = panel`: people with the
community's "panel" role, joined with a one-time code). Eligibility is checked at every
score, so a member removed from the panel can no longer score. A score is 1 to 3 for
urgency and for importance; a voter changes it in place until the ballot closes. Anything
else (an item not in the ballot, a score out of range, a closed ballot, a voter not
eligible) is refused with `BallotError` and writes nothing
(tests/conversation/test_ballots.py::test_forged_ballot_buttons_leave_the_tally_unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ballot_models import Ballot, BallotItem, BallotScore, BallotStatus, Electorate
from storage.models import Person, PersonRole, Report, ReportPhoto, Role
from storage.writes import insert_or_skip

SCORES = (1, 2, 3)


class Axis(StrEnum):
    URGENCY = "u"
    IMPORTANCE = "i"


class VoteError(ValueError):
    """A refused vote: `missing` (no such ballot or item), `range`, `closed`, `not_eligible`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class VoterItem:
    """One item as a voter sees it: its place in the ballot, its report and first photo (a
    typed item has neither), the voter's scores, and how many items they have scored."""

    ballot: Ballot
    item: BallotItem
    total: int
    report: Report | None
    photo: ReportPhoto | None
    score: BallotScore | None
    scored: int  # items with both scores given


async def eligible_voters(session: AsyncSession, *, ballot: Ballot) -> list[Person]:
    query = select(Person).where(col(Person.unreachable).is_(False))
    if ballot.electorate == Electorate.PANEL:
        panel = select(PersonRole.person_id).where(
            PersonRole.role == Role.PANEL, PersonRole.community_id == ballot.community_id
        )
        query = query.where(col(Person.id).in_(panel))
    else:
        query = query.where(Person.community_id == ballot.community_id)
    return list((await session.exec(query.order_by(col(Person.id)))).all())


async def is_eligible(session: AsyncSession, *, ballot: Ballot, person: Person) -> bool:
    if ballot.electorate == Electorate.PANEL:
        query = select(PersonRole.id).where(
            PersonRole.person_id == person.id,
            PersonRole.role == Role.PANEL,
            PersonRole.community_id == ballot.community_id,
        )
        return (await session.exec(query)).first() is not None
    return person.community_id == ballot.community_id


async def _open_ballot_for(session: AsyncSession, *, ballot_id: int, person: Person) -> Ballot:
    ballot = await session.get(Ballot, ballot_id)
    if ballot is None or ballot.status in (BallotStatus.DRAFT, BallotStatus.CANCELLED):
        raise VoteError("missing")
    if ballot.status != BallotStatus.OPEN:
        raise VoteError("closed")
    if not await is_eligible(session, ballot=ballot, person=person):
        raise VoteError("not_eligible")
    return ballot


async def voter_item(
    session: AsyncSession, *, ballot_id: int, position: int, person: Person
) -> VoterItem:
    """The item at `position` (1-based) for an eligible voter of an open ballot."""
    ballot = await _open_ballot_for(session, ballot_id=ballot_id, person=person)
    item = (
        await session.exec(
            select(BallotItem).where(
                BallotItem.ballot_id == ballot_id, BallotItem.position == position
            )
        )
    ).first()
    if item is None:
        raise VoteError("missing")
    return await _view(session, ballot=ballot, item=item, person=person)


async def _view(
    session: AsyncSession, *, ballot: Ballot, item: BallotItem, person: Person
) -> VoterItem:
    total = await session.exec(
        select(func.count()).select_from(BallotItem).where(BallotItem.ballot_id == ballot.id)
    )
    scored = await session.exec(
        select(func.count())
        .select_from(BallotScore)
        .where(
            BallotScore.ballot_id == ballot.id,
            BallotScore.person_id == person.id,
            col(BallotScore.urgency).is_not(None),
            col(BallotScore.importance).is_not(None),
        )
    )
    score = (
        await session.exec(
            select(BallotScore)
            .where(BallotScore.item_id == item.id, BallotScore.person_id == person.id)
            .execution_options(populate_existing=True)  # changed by an UPDATE just now
        )
    ).first()
    report = photo = None
    if item.report_id is not None:
        report = await session.get(Report, item.report_id)
        photo = (
            await session.exec(
                select(ReportPhoto)
                .where(ReportPhoto.report_id == item.report_id, ReportPhoto.kind == "before")
                .order_by(col(ReportPhoto.position))
            )
        ).first()
    return VoterItem(
        ballot=ballot,
        item=item,
        total=int(total.one()),
        report=report,
        photo=photo,
        score=score,
        scored=int(scored.one()),
    )


async def give_score(
    session: AsyncSession,
    *,
    ballot_id: int,
    item_id: int,
    person: Person,
    axis: Axis,
    value: int,
    now: datetime,
) -> VoterItem:
    """Record (or change) one of the voter's scores of an item; the item as they now see it."""
    if value not in SCORES:
        raise VoteError("range")
    ballot = await _open_ballot_for(session, ballot_id=ballot_id, person=person)
    item = await session.get(BallotItem, item_id)
    if item is None or item.ballot_id != ballot_id:
        raise VoteError("missing")
    assert person.id is not None
    column = "urgency" if axis == Axis.URGENCY else "importance"
    row = BallotScore(ballot_id=ballot_id, item_id=item_id, person_id=person.id, updated_at=now)
    setattr(row, column, value)
    if await insert_or_skip(session, row, conflict=("item_id", "person_id")) is None:
        await session.exec(
            update(BallotScore)
            .where(col(BallotScore.item_id) == item_id, col(BallotScore.person_id) == person.id)
            .values({column: value, "updated_at": now})
        )
    return await _view(session, ballot=ballot, item=item, person=person)
