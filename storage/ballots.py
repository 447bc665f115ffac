"""Writing a priority ballot (issue 14): a planner's draft, its items, and opening it.

    /ballot xinhua-road | 2027 年第一批微更新项目 [| typed item | typed item …]
    /ballot_add 3 号楼后墙墙绘          (one more typed item, to the planner's newest draft)

A ballot starts as a draft of one planner in a community they serve. Items are the
community's accepted or planned reports (added by button) or typed words, `MIN_ITEMS` to
`MAX_ITEMS` of them. Every change bumps the draft's `version`, which its card's buttons
carry, so a button of an older card is refused. Opening sets the closing time and queues one
invitation per eligible voter (storage/ballot_voting.py says who), deduplicated per voter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ballot_models import Ballot, BallotItem, BallotStatus, Electorate
from storage.ballot_voting import eligible_voters
from storage.models import Community, Report, ReportStatus
from storage.outbox import enqueue
from storage.roles import community_by_slug
from storage.triage import Scope

LOCAL_FORMAT = "%Y-%m-%d %H:%M"
MIN_ITEMS, MAX_ITEMS = 2, 12
MAX_TITLE, MAX_ITEM_TEXT = 200, 300
OPEN_DAYS = (1, 3, 7)  # the closing times offered on the draft's card
CANDIDATE_STATUSES = (ReportStatus.ACCEPTED, ReportStatus.PLANNED)
MAX_CANDIDATES = 8  # reports offered as buttons, oldest first
BALLOT_INVITE = "ballot_invite"


class BallotError(ValueError):
    """A refusal with a code the handlers put into words (`ballots.refused_<code>`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class DraftView:
    """What a draft's card shows: the ballot, its community, its items (with their reports),
    and the reports that could still be added."""

    ballot: Ballot
    community: Community
    items: list[tuple[BallotItem, Report | None]]
    candidates: list[Report]
    voters: int  # eligible now


async def start_ballot(
    session: AsyncSession, *, scope: Scope, slug: str, title: str, typed: list[str], now: datetime
) -> Ballot:
    """A new draft in the community named by `slug` (which the planner must serve), with the
    typed items given on the command line."""
    community = await community_by_slug(session, slug=slug)
    if community is None:
        raise BallotError("unknown_community")
    if not scope.covers(community.id):
        raise BallotError("not_yours")
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise BallotError("title_length")
    typed = [text.strip() for text in typed if text.strip()]
    if len(typed) > MAX_ITEMS:
        raise BallotError("too_many")
    if any(len(text) > MAX_ITEM_TEXT for text in typed):
        raise BallotError("item_length")
    assert community.id is not None
    ballot = Ballot(
        community_id=community.id, author_id=scope.person_id, title=title, created_at=now
    )
    session.add(ballot)
    await session.flush()
    assert ballot.id is not None
    for position, text in enumerate(typed, start=1):
        session.add(BallotItem(ballot_id=ballot.id, position=position, text=text))
    await session.flush()
    return ballot


async def draft_for(session: AsyncSession, *, scope: Scope, ballot_id: int, version: int) -> Ballot:
    """The draft a card's button names, if that card is still the newest and the planner
    serves its community; refused otherwise."""
    ballot = await session.get(Ballot, ballot_id)
    if ballot is None or not scope.covers(ballot.community_id):
        raise BallotError("not_yours")
    if ballot.status != BallotStatus.DRAFT:
        raise BallotError(f"already_{ballot.status}")
    if ballot.version != version:
        raise BallotError("stale")
    return ballot


async def _bump(session: AsyncSession, ballot: Ballot) -> None:
    """The draft changed: its version moves on, with a guard against a concurrent change."""
    moved = await session.exec(
        update(Ballot)
        .where(col(Ballot.id) == ballot.id, col(Ballot.version) == ballot.version)
        .values(version=ballot.version + 1)
    )
    if int(moved.rowcount) != 1:
        raise BallotError("stale")
    await session.refresh(ballot)


async def items_of(session: AsyncSession, *, ballot_id: int) -> list[BallotItem]:
    query = select(BallotItem).where(BallotItem.ballot_id == ballot_id)
    return list((await session.exec(query.order_by(col(BallotItem.position)))).all())


async def add_report(
    session: AsyncSession, *, scope: Scope, ballot_id: int, version: int, report_id: int
) -> Ballot:
    """Add one of the community's accepted or planned reports to the draft."""
    ballot = await draft_for(session, scope=scope, ballot_id=ballot_id, version=version)
    report = await session.get(Report, report_id)
    if (
        report is None
        or report.community_id != ballot.community_id
        or report.status not in CANDIDATE_STATUSES
    ):
        raise BallotError("not_a_candidate")
    items = await items_of(session, ballot_id=ballot_id)
    if any(item.report_id == report_id for item in items):
        raise BallotError("already_added")
    if len(items) >= MAX_ITEMS:
        raise BallotError("too_many")
    await _bump(session, ballot)
    assert ballot.id is not None
    session.add(BallotItem(ballot_id=ballot.id, position=len(items) + 1, report_id=report_id))
    await session.flush()
    return ballot


async def add_typed(session: AsyncSession, *, scope: Scope, text: str) -> Ballot:
    """Add typed words as an item to the planner's newest draft (`/ballot_add …`)."""
    query = (
        select(Ballot)
        .where(Ballot.author_id == scope.person_id, Ballot.status == BallotStatus.DRAFT)
        .order_by(col(Ballot.id).desc())
    )
    ballot = (await session.exec(query)).first()
    if ballot is None or not scope.covers(ballot.community_id):
        raise BallotError("no_draft")
    text = text.strip()
    if not text or len(text) > MAX_ITEM_TEXT:
        raise BallotError("item_length")
    assert ballot.id is not None
    items = await items_of(session, ballot_id=ballot.id)
    if len(items) >= MAX_ITEMS:
        raise BallotError("too_many")
    await _bump(session, ballot)
    session.add(BallotItem(ballot_id=ballot.id, position=len(items) + 1, text=text))
    await session.flush()
    return ballot


async def set_electorate(
    session: AsyncSession, *, scope: Scope, ballot_id: int, version: int, electorate: Electorate
) -> Ballot:
    ballot = await draft_for(session, scope=scope, ballot_id=ballot_id, version=version)
    await _bump(session, ballot)
    ballot.electorate = electorate
    session.add(ballot)
    await session.flush()
    return ballot


async def cancel_ballot(
    session: AsyncSession, *, scope: Scope, ballot_id: int, version: int
) -> Ballot:
    ballot = await draft_for(session, scope=scope, ballot_id=ballot_id, version=version)
    await _bump(session, ballot)
    ballot.status = BallotStatus.CANCELLED
    session.add(ballot)
    await session.flush()
    return ballot


async def draft_view(session: AsyncSession, *, ballot: Ballot) -> DraftView:
    community = await session.get(Community, ballot.community_id)
    assert community is not None
    assert ballot.id is not None
    items = await items_of(session, ballot_id=ballot.id)
    reports = {
        r.id: r
        for r in (
            await session.exec(
                select(Report).where(
                    col(Report.id).in_([i.report_id for i in items if i.report_id])
                )
            )
        ).all()
    }
    taken = [i.report_id for i in items if i.report_id is not None]
    candidates = await session.exec(
        select(Report)
        .where(
            Report.community_id == ballot.community_id,
            col(Report.status).in_(list(CANDIDATE_STATUSES)),
            col(Report.id).not_in(taken),
        )
        .order_by(col(Report.created_at), col(Report.id))
        .limit(MAX_CANDIDATES)
    )
    return DraftView(
        ballot=ballot,
        community=community,
        items=[(i, reports.get(i.report_id) if i.report_id else None) for i in items],
        candidates=list(candidates.all()),
        voters=len(await eligible_voters(session, ballot=ballot)),
    )


async def open_ballot(
    session: AsyncSession,
    *,
    scope: Scope,
    ballot_id: int,
    version: int,
    days: int,
    now: datetime,
    tz: tzinfo,
) -> tuple[Ballot, int]:
    """Open the draft for `days` and queue one invitation per eligible voter (dedupe key
    `ballot:<id>:invite:<person>`, so a second open of any kind queues nothing); the ballot
    and how many were invited. Refused with fewer than MIN_ITEMS items or no voter."""
    if days not in OPEN_DAYS:
        raise BallotError("stale")
    ballot = await draft_for(session, scope=scope, ballot_id=ballot_id, version=version)
    assert ballot.id is not None
    if await _count(session, ballot.id) < MIN_ITEMS:
        raise BallotError("too_few")
    voters = await eligible_voters(session, ballot=ballot)
    if not voters:
        raise BallotError("no_voters")
    await _bump(session, ballot)
    ballot.status = BallotStatus.OPEN
    ballot.opened_at, ballot.closes_at = now, now + timedelta(days=days)
    session.add(ballot)
    await session.flush()
    assert ballot.closes_at is not None
    params = {
        "ballot_id": ballot.id,
        "title": ballot.title,
        "items": await _count(session, ballot.id),
        "closes": ballot.closes_at.astimezone(tz).strftime(LOCAL_FORMAT),
    }
    invited = 0
    for voter in voters:
        queued = await enqueue(
            session,
            person=voter,
            kind=BALLOT_INVITE,
            params=params,
            now=now,
            dedupe_key=f"ballot:{ballot.id}:invite:{voter.id}",
        )
        invited += queued is not None
    return ballot, invited


async def _count(session: AsyncSession, ballot_id: int) -> int:
    query = select(func.count()).select_from(BallotItem).where(BallotItem.ballot_id == ballot_id)
    return int((await session.exec(query)).one())
