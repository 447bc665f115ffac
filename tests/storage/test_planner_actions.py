"""The planners' operations, on SQLite and PostgreSQL: scope, versions, open questions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.inbox import get_pending
from storage.lifecycle import TransitionError
from storage.models import PendingInput, Person, Report, ReportStatus
from storage.rules import MAX_NOTE, DeclineReason
from storage.triage import Moved, Question, Scope, answer, ask, merge_into, move, next_card
from tests.factories import NOW, make_community, make_person, make_report

S = ReportStatus
HOURS = 48


async def setting(session: AsyncSession, tmp_path: Path) -> tuple[Scope, Person, list[Report]]:
    """A planner's scope over one community with two reports, and a planner of another."""
    community = await make_community(session)
    planner = await make_person(session, community=community)
    planner.first_name = "Li & Co"
    reports = [
        await make_report(
            session, media_dir=tmp_path, reporter=await make_person(session, community=community)
        )
        for _ in range(2)
    ]
    return Scope(planner.id or 0, (community.id or 0,)), planner, reports


async def pending_of(session: AsyncSession, scope: Scope) -> PendingInput | None:
    return await get_pending(session, person_id=scope.person_id, now=NOW)


async def test_a_report_outside_the_scope_is_refused(session: AsyncSession, tmp_path: Path) -> None:
    scope, _, (first, second) = await setting(session, tmp_path)
    outsider = await make_report(session, media_dir=tmp_path)  # another community
    with pytest.raises(TransitionError, match="not_permitted"):
        await move(
            session,
            scope=scope,
            report_id=outsider.id or 0,
            version=1,
            to=S.ACCEPTED,
            now=NOW,
            hours=HOURS,
        )
    with pytest.raises(TransitionError, match="not_found"):  # nor may it be merged into
        await merge_into(
            session,
            scope=scope,
            report_id=first.id or 0,
            version=1,
            into_id=outsider.id or 0,
            now=NOW,
            hours=HOURS,
        )
    moved = await merge_into(
        session,
        scope=scope,
        report_id=second.id or 0,
        version=1,
        into_id=first.id or 0,
        now=NOW,
        hours=HOURS,
    )
    assert moved.root is not None
    assert (moved.report.status, moved.root.id) == (S.DUPLICATE, first.id)
    assert moved.inbox is not None
    assert moved.inbox.card is not None
    assert (moved.inbox.card.report.id, moved.inbox.waiting) == (first.id, 1)


async def test_second_planner_hears_who_was_first(session: AsyncSession, tmp_path: Path) -> None:
    scope, _, (first, _second) = await setting(session, tmp_path)
    done = await move(
        session,
        scope=scope,
        report_id=first.id or 0,
        version=1,
        to=S.DECLINED,
        now=NOW,
        hours=HOURS,
        reason=DeclineReason.PRIVATE_PROPERTY,
    )
    assert done.inbox is not None  # declined: it left the inbox, here is the next
    with pytest.raises(TransitionError) as refused:
        await move(
            session,
            scope=scope,
            report_id=first.id or 0,
            version=1,
            to=S.ACCEPTED,
            now=NOW,
            hours=HOURS,
        )
    error = refused.value
    assert (error.code, error.report_id, error.status, error.by) == (
        "stale",
        first.id,
        "declined",
        "Li & Co",
    )


async def test_a_typed_answer_to_a_moved_report_closes_the_question(
    session: AsyncSession, tmp_path: Path
) -> None:
    scope, _, (first, _second) = await setting(session, tmp_path)
    wu = await make_person(session)
    wu.first_name = "Wu"
    other = Scope(wu.id or 0, scope.community_ids)
    await ask(
        session, scope=scope, report_id=first.id or 0, version=1, question=Question("ni"), now=NOW
    )
    pending = await pending_of(session, scope)
    assert pending is not None
    await move(  # meanwhile another planner accepts it
        session,
        scope=other,
        report_id=first.id or 0,
        version=1,
        to=S.ACCEPTED,
        now=NOW,
        hours=HOURS,
    )
    outcome = await answer(
        session,
        scope=scope,
        pending=pending,
        text="Which building?",
        into_id=None,
        photo=None,
        now=NOW,
        hours=HOURS,
    )
    assert isinstance(outcome, TransitionError)
    assert (outcome.code, outcome.by, outcome.status) == ("stale", "Wu", "accepted")
    assert await pending_of(session, scope) is None


async def test_a_wrong_reference_or_a_long_note_leaves_the_question_open(
    session: AsyncSession, tmp_path: Path
) -> None:
    scope, _, (first, second) = await setting(session, tmp_path)
    await ask(
        session, scope=scope, report_id=first.id or 0, version=1, question=Question("mgr"), now=NOW
    )
    pending = await pending_of(session, scope)
    assert pending is not None
    for into_id in (None, first.id, 999_999):
        outcome = await answer(
            session,
            scope=scope,
            pending=pending,
            text="R-x",
            into_id=into_id,
            photo=None,
            now=NOW,
            hours=HOURS,
        )
        assert isinstance(outcome, TransitionError)
        assert outcome.code in ("not_found", "self")
        assert await pending_of(session, scope) is not None
    long = await answer(
        session,
        scope=scope,
        pending=pending,
        text="x" * (MAX_NOTE + 1),
        into_id=second.id,
        photo=None,
        now=NOW,
        hours=HOURS,
    )
    assert isinstance(long, TransitionError)
    assert long.code == "too_long"
    merged = await answer(
        session,
        scope=scope,
        pending=pending,
        text="",
        into_id=second.id,
        photo=None,
        now=NOW,
        hours=HOURS,
    )
    assert isinstance(merged, Moved)
    assert await pending_of(session, scope) is None
    rows = (await session.exec(select(PendingInput))).all()
    assert rows == []


async def test_the_next_card_skips_and_counts(session: AsyncSession, tmp_path: Path) -> None:
    scope, _, (first, second) = await setting(session, tmp_path)
    inbox = await next_card(session, scope=scope, now=NOW, hours=HOURS)
    assert inbox.card is not None
    assert (inbox.card.report.id, inbox.waiting, len(inbox.card.photos)) == (first.id, 2, 1)
    after = await next_card(session, scope=scope, now=NOW, hours=HOURS, after_id=first.id or 0)
    assert after.card is not None
    assert after.card.report.id == second.id
    empty = await next_card(session, scope=Scope(scope.person_id, ()), now=NOW, hours=HOURS)
    assert (empty.card, empty.waiting) == (None, 0)
