"""Priority ballots in storage (issue 14), on SQLite and PostgreSQL: the ranking by the mean of
urgency × importance with its tie-breaks, eligibility, refused scores, closing once."""

from __future__ import annotations

from datetime import UTC, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ballot_models import Ballot, BallotScore, BallotStatus, Electorate
from storage.ballot_tally import close_ballot, closed_between, report_rank, tally
from storage.ballot_voting import Axis, VoteError, give_score, voter_item
from storage.ballots import BallotError, add_report, open_ballot, set_electorate, start_ballot
from storage.models import Community, OutboxMessage, Person, PersonRole, Report, ReportStatus, Role
from storage.triage import Scope
from tests.factories import NOW, make_community, make_person, make_report


async def accepted_report(session: AsyncSession, tmp_path: Path, community: Community) -> Report:
    reporter = await make_person(session, community=community)
    report = await make_report(session, media_dir=tmp_path, reporter=reporter)
    report.community_id, report.status = community.id, ReportStatus.ACCEPTED
    session.add(report)
    await session.flush()
    return report


async def panel_member(session: AsyncSession, community: Community) -> Person:
    person = await make_person(session, community=await make_community(session))
    assert person.id is not None
    assert community.id is not None
    session.add(
        PersonRole(person_id=person.id, role=Role.PANEL, community_id=community.id, granted_at=NOW)
    )
    await session.flush()
    return person


async def a_ballot(
    session: AsyncSession, community: Community, typed: list[str], *, panel: bool = False
) -> tuple[Ballot, Scope]:
    planner = await make_person(session, community=community)
    assert planner.id is not None
    assert community.id is not None
    scope = Scope(person_id=planner.id, community_ids=(community.id,))
    ballot = await start_ballot(
        session, scope=scope, slug=community.slug, title="2027 第一批", typed=typed, now=NOW
    )
    if panel:
        ballot = await set_electorate(
            session,
            scope=scope,
            ballot_id=ballot.id or 0,
            version=ballot.version,
            electorate=Electorate.PANEL,
        )
    return ballot, scope


async def vote(
    session: AsyncSession, ballot: Ballot, position: int, voter: Person, u: int, i: int
) -> None:
    seen = await voter_item(session, ballot_id=ballot.id or 0, position=position, person=voter)
    for axis, value in ((Axis.URGENCY, u), (Axis.IMPORTANCE, i)):
        await give_score(
            session,
            ballot_id=ballot.id or 0,
            item_id=seen.item.id or 0,
            person=voter,
            axis=axis,
            value=value,
            now=NOW,
        )


async def test_rank_by_mean_product_then_voters_then_earliest_report(
    session: AsyncSession, tmp_path: Path
) -> None:
    home = await make_community(session)
    first, second = [await accepted_report(session, tmp_path, home) for _ in range(2)]
    ballot, scope = await a_ballot(session, home, ["长椅", "路灯", "花坛"], panel=True)
    # items: 1 长椅, 2 路灯, 3 花坛, then 4 = the later report, 5 = the earlier one
    for report in (second, first):
        ballot = await add_report(
            session,
            scope=scope,
            ballot_id=ballot.id or 0,
            version=ballot.version,
            report_id=report.id or 0,
        )
    a, b, c = [await panel_member(session, home) for _ in range(3)]
    ballot, invited = await open_ballot(
        session,
        scope=scope,
        ballot_id=ballot.id or 0,
        version=ballot.version,
        days=3,
        now=NOW,
        tz=UTC,
    )
    assert invited == 3
    # 长椅: 3×3, 2×2 -> mean 6.5 (2 voters)
    await vote(session, ballot, 1, a, 3, 3)
    await vote(session, ballot, 1, b, 2, 2)
    # 路灯: 2×3, 3×2, 3×3 -> mean 7 (3 voters): first
    await vote(session, ballot, 2, a, 2, 3)
    await vote(session, ballot, 2, b, 3, 2)
    await vote(session, ballot, 2, c, 3, 3)
    # 花坛: 3×2, 1×1, 3×3 -> 16/3 (3 voters); the later report 4: 3×3, 2×1 -> 5.5 (2 voters);
    # the earlier report 5: 2×3, 3×2, 2×2 -> 16/3 (3 voters): ties 花坛 on mean and voters,
    # and wins by being a report (the earliest report first, typed items after)
    await vote(session, ballot, 3, a, 3, 2)
    await vote(session, ballot, 3, b, 1, 1)
    await vote(session, ballot, 3, c, 3, 3)
    await vote(session, ballot, 4, a, 3, 3)
    await vote(session, ballot, 4, b, 2, 1)
    await vote(session, ballot, 5, a, 2, 3)
    await vote(session, ballot, 5, b, 3, 2)
    await vote(session, ballot, 5, c, 2, 2)
    # b changes 长椅 to 3×3: 长椅 becomes 9 (2 voters) and first
    await vote(session, ballot, 1, b, 3, 3)

    ranked = await tally(session, ballot_id=ballot.id or 0)
    order = [(p.item.position, p.mean, p.voters) for p in ranked]
    assert order == [
        (1, Fraction(9), 2),
        (2, Fraction(7), 3),
        (4, Fraction(11, 2), 2),
        (5, Fraction(16, 3), 3),
        (3, Fraction(16, 3), 3),
    ]


async def test_a_tie_on_the_mean_goes_to_more_voters_and_unscored_items_last(
    session: AsyncSession,
) -> None:
    home = await make_community(session)
    ballot, scope = await a_ballot(session, home, ["甲", "乙", "丙"], panel=True)
    a, b = [await panel_member(session, home) for _ in range(2)]
    ballot, _ = await open_ballot(
        session,
        scope=scope,
        ballot_id=ballot.id or 0,
        version=ballot.version,
        days=1,
        now=NOW,
        tz=UTC,
    )
    await vote(session, ballot, 1, a, 2, 2)  # 4, one voter
    await vote(session, ballot, 2, a, 2, 3)  # 6 and 2: also 4, two voters
    await vote(session, ballot, 2, b, 1, 2)
    seen = await voter_item(session, ballot_id=ballot.id or 0, position=3, person=b)
    await give_score(  # urgency alone: not a vote yet
        session,
        ballot_id=ballot.id or 0,
        item_id=seen.item.id or 0,
        person=b,
        axis=Axis.URGENCY,
        value=3,
        now=NOW,
    )
    ranked = await tally(session, ballot_id=ballot.id or 0)
    assert [(p.item.position, p.mean, p.voters) for p in ranked] == [
        (2, Fraction(4), 2),
        (1, Fraction(4), 1),
        (3, None, 0),
    ]


async def _score_count(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).select_from(BallotScore))).one())


async def test_refused_scores_write_nothing(session: AsyncSession) -> None:
    home = await make_community(session)
    ballot, scope = await a_ballot(session, home, ["甲", "乙"], panel=True)
    other, other_scope = await a_ballot(session, home, ["丙", "丁"], panel=True)
    member = await panel_member(session, home)
    resident = await make_person(session, community=home)  # a resident, not on the panel
    ballot, _ = await open_ballot(
        session,
        scope=scope,
        ballot_id=ballot.id or 0,
        version=ballot.version,
        days=1,
        now=NOW,
        tz=UTC,
    )
    other, _ = await open_ballot(
        session,
        scope=other_scope,
        ballot_id=other.id or 0,
        version=other.version,
        days=1,
        now=NOW,
        tz=UTC,
    )
    mine = await voter_item(session, ballot_id=ballot.id or 0, position=1, person=member)
    theirs = await voter_item(session, ballot_id=other.id or 0, position=1, person=member)
    cases = [
        (member, theirs.item.id, 2, "missing"),  # an item of another ballot
        (member, mine.item.id, 4, "range"),
        (member, mine.item.id, 0, "range"),
        (resident, mine.item.id, 2, "not_eligible"),
    ]
    for voter, item_id, value, code in cases:
        with pytest.raises(VoteError) as refused:
            await give_score(
                session,
                ballot_id=ballot.id or 0,
                item_id=item_id or 0,
                person=voter,
                axis=Axis.URGENCY,
                value=value,
                now=NOW,
            )
        assert refused.value.code == code
    assert await _score_count(session) == 0
    await close_ballot(session, ballot_id=ballot.id or 0, now=NOW + timedelta(days=1))
    with pytest.raises(VoteError) as closed:
        await give_score(
            session,
            ballot_id=ballot.id or 0,
            item_id=mine.item.id or 0,
            person=member,
            axis=Axis.URGENCY,
            value=2,
            now=NOW,
        )
    assert closed.value.code == "closed"
    assert await _score_count(session) == 0


async def test_residents_vote_unless_it_is_a_panel_and_open_needs_two_items(
    session: AsyncSession,
) -> None:
    home = await make_community(session)
    residents = [await make_person(session, community=home) for _ in range(2)]
    await make_person(session)  # elsewhere
    one, scope = await a_ballot(session, home, ["只有一项"])
    with pytest.raises(BallotError, match="too_few"):
        await open_ballot(
            session,
            scope=scope,
            ballot_id=one.id or 0,
            version=one.version,
            days=1,
            now=NOW,
            tz=UTC,
        )
    ballot, scope = await a_ballot(session, home, ["甲", "乙"])
    with pytest.raises(BallotError, match="stale"):
        await open_ballot(
            session, scope=scope, ballot_id=ballot.id or 0, version=0, days=1, now=NOW, tz=UTC
        )
    ballot, invited = await open_ballot(
        session,
        scope=scope,
        ballot_id=ballot.id or 0,
        version=ballot.version,
        days=7,
        now=NOW,
        tz=UTC,
    )
    # two residents, and the two planners a_ballot made live there too; not the one elsewhere
    assert invited == 4
    assert ballot.closes_at == NOW + timedelta(days=7)
    with pytest.raises(BallotError, match="already_open"):
        await open_ballot(
            session,
            scope=scope,
            ballot_id=ballot.id or 0,
            version=ballot.version,
            days=1,
            now=NOW,
            tz=UTC,
        )
    seen = await voter_item(session, ballot_id=ballot.id or 0, position=2, person=residents[0])
    assert (seen.total, seen.scored) == (2, 0)


async def test_closing_stores_the_ranks_and_queues_the_result_once(
    session: AsyncSession, tmp_path: Path
) -> None:
    home = await make_community(session)
    report = await accepted_report(session, tmp_path, home)
    ballot, scope = await a_ballot(session, home, ["长椅"], panel=True)
    ballot = await add_report(
        session,
        scope=scope,
        ballot_id=ballot.id or 0,
        version=ballot.version,
        report_id=report.id or 0,
    )
    member = await panel_member(session, home)
    ballot, _ = await open_ballot(
        session,
        scope=scope,
        ballot_id=ballot.id or 0,
        version=ballot.version,
        days=1,
        now=NOW,
        tz=UTC,
    )
    await vote(session, ballot, 2, member, 3, 3)
    await vote(session, ballot, 1, member, 1, 2)
    assert await close_ballot(session, ballot_id=ballot.id or 0, now=NOW) is None, "not yet due"
    later = NOW + timedelta(days=1)
    closed = await close_ballot(session, ballot_id=ballot.id or 0, now=later)
    assert closed is not None
    assert closed.status == BallotStatus.CLOSED
    assert await close_ballot(session, ballot_id=ballot.id or 0, now=later) is None
    assert await report_rank(session, report_id=report.id or 0) == (1, "2027 第一批")
    rows = (
        await session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "ballot_result"))
    ).all()
    assert [r.person_id for r in rows] == [member.id]
    assert [(i["rank"], i["report_id"], i["score_sum"]) for i in rows[0].params["items"]] == [
        (1, report.id, 9),
        (2, None, 2),
    ]
    found = await closed_between(
        session, community_id=home.id or 0, start=later, end=later + timedelta(seconds=1)
    )
    assert [(b.id, [i["rank"] for i in items]) for b, items in found] == [(ballot.id, [1, 2])]
    assert await closed_between(session, community_id=home.id or 0, start=NOW, end=later) == []
