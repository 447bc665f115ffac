"""Each domain fact has one definition, and every place that uses it agrees."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.inbox import is_overdue, overdue_reports
from storage.lifecycle import rate, transition
from storage.models import ReportStatus
from storage.rules import Satisfaction, satisfied
from storage.stats import report_stats
from tests.factories import NOW, make_community, make_person, make_report
from tests.storage.test_lifecycle import walk

S = ReportStatus
HOURS = 48


async def test_what_closes_a_report_is_what_counts_as_satisfied(
    session: AsyncSession, tmp_path: Path
) -> None:
    """满意 and 基本满意 close the report and count as satisfied; 不满意 and 没修好 reopen it,
    and every answer counts as rated: the rate is (满意 + 基本满意) / rated."""
    community = await make_community(session)
    closed = 0
    for answer in Satisfaction:
        reporter = await make_person(session, community=community)
        report = await make_report(session, media_dir=tmp_path, reporter=reporter)
        report = await walk(session, report, S.ACCEPTED, S.PLANNED, S.IN_PROGRESS, S.RESOLVED)
        report = await rate(
            session, report_id=report.id or 0, person_id=reporter.id or 0, answer=answer, now=NOW
        )
        expected = S.CLOSED if answer in ("satisfied", "mostly_satisfied") else S.REOPENED
        assert (answer, report.status) == (answer, expected)
        assert satisfied(answer) == (expected == S.CLOSED)
        closed += report.status == S.CLOSED
    stats = await report_stats(
        session,
        community_ids=[community.id or 0],
        since=NOW - timedelta(days=1),
        until=NOW + timedelta(days=1),
        first_response_hours=HOURS,
    )
    assert (stats.rated, stats.satisfied) == (4, closed) == (4, 2)
    assert stats.satisfaction_rate == 0.5


async def test_the_card_the_morning_list_and_the_stats_agree_on_overdue(
    session: AsyncSession, tmp_path: Path
) -> None:
    community = await make_community(session)
    assert community.id is not None

    async def report_at(age: timedelta, *moves: ReportStatus) -> int:
        report = await make_report(session, media_dir=tmp_path, now=NOW - age)
        report.community_id = community.id
        session.add(report)
        report = await walk(session, report, *moves)
        assert report.id is not None
        return report.id

    late = await report_at(timedelta(hours=HOURS, seconds=1))
    exactly = await report_at(timedelta(hours=HOURS))
    fresh = await report_at(timedelta(hours=1))
    asked = await report_at(timedelta(hours=HOURS + 5), S.NEEDS_INFO)  # it had a response
    accepted = await report_at(timedelta(hours=HOURS + 5), S.ACCEPTED)
    listed = [
        r.id
        for r in await overdue_reports(session, community_ids=[community.id], now=NOW, hours=HOURS)
    ]
    flagged = [
        r
        for r in (late, exactly, fresh, asked, accepted)
        if await is_overdue(session, report_id=r, now=NOW, hours=HOURS)
    ]
    stats = await report_stats(
        session,
        community_ids=[community.id],
        since=NOW - timedelta(days=30),
        until=NOW,
        first_response_hours=HOURS,
    )
    assert listed == flagged == [late]
    assert stats.overdue == 1


async def test_an_answered_question_does_not_make_a_report_overdue_again(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = await make_report(session, media_dir=tmp_path, now=NOW - timedelta(hours=HOURS * 2))
    assert report.id is not None
    await transition(
        session,
        report_id=report.id,
        expected_version=1,
        to=S.NEEDS_INFO,
        actor_id=None,
        now=NOW - timedelta(hours=HOURS),
    )
    assert not await is_overdue(session, report_id=report.id, now=NOW, hours=HOURS)
