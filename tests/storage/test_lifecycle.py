"""The lifecycle: allowed moves only, events, notifications, races, merges, ratings, closing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from botapi_sandbox import make_photo
from storage.followers import follow, followers
from storage.lifecycle import (
    ALLOWED,
    TransitionError,
    auto_close,
    merge,
    rate,
    transition,
)
from storage.media import store_photo
from storage.models import (
    FollowReason,
    OutboxMessage,
    Report,
    ReportEvent,
    ReportStatus,
)
from storage.reports import AfterPhoto, before_and_after, report_photos
from storage.roles import create_invite, redeem_invite
from storage.rules import Satisfaction
from tests.factories import NOW, make_community, make_person, make_report

S = ReportStatus
A = Satisfaction


async def outbox(session: AsyncSession) -> list[tuple[int, str, dict[str, object]]]:
    rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    return [(r.chat_id, r.kind, r.params) for r in rows]


async def walk(session: AsyncSession, report: Report, *steps: ReportStatus) -> Report:
    assert report.id is not None
    for step in steps:
        report = await transition(
            session,
            report_id=report.id,
            expected_version=report.version,
            to=step,
            actor_id=None,
            now=NOW,
        )
    return report


def test_every_status_has_its_rules() -> None:
    assert set(ALLOWED) == set(ReportStatus)
    assert ALLOWED[S.CLOSED] == frozenset()
    assert S.RESOLVED not in ALLOWED[S.SUBMITTED]


async def test_full_walk_writes_events_and_notifies_the_reporter(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = await make_report(session, media_dir=tmp_path)
    report = await walk(session, report, S.ACCEPTED, S.PLANNED, S.IN_PROGRESS, S.RESOLVED)
    assert report.version == 5
    assert report.first_response_at == NOW
    assert report.resolved_at == NOW
    assert report.id is not None
    events = (
        await session.exec(select(ReportEvent).where(ReportEvent.report_id == report.id))
    ).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "submitted"),
        ("submitted", "accepted"),
        ("accepted", "planned"),
        ("planned", "in_progress"),
        ("in_progress", "resolved"),
    ]
    kinds = [kind for _, kind, _ in await outbox(session)]
    assert kinds == ["status", "status", "status", "status", "rate"]


async def test_a_move_the_diagram_does_not_allow_is_refused(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = await make_report(session, media_dir=tmp_path)
    with pytest.raises(TransitionError, match="not_allowed"):
        await walk(session, report, S.RESOLVED)
    assert await outbox(session) == []


async def test_second_planner_on_the_same_version_is_stale(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = await make_report(session, media_dir=tmp_path)
    assert report.id is not None
    version = report.version
    await transition(
        session,
        report_id=report.id,
        expected_version=version,
        to=S.ACCEPTED,
        actor_id=None,
        now=NOW,
    )
    with pytest.raises(TransitionError, match="stale"):
        await transition(
            session,
            report_id=report.id,
            expected_version=version,
            to=S.DECLINED,
            actor_id=None,
            now=NOW,
        )
    assert len(await outbox(session)) == 1


async def test_merge_goes_to_the_root_and_moves_followers(
    session: AsyncSession, tmp_path: Path
) -> None:
    community = await make_community(session)
    first = await make_report(
        session, media_dir=tmp_path, reporter=await make_person(session, community=community)
    )
    second = await make_report(
        session, media_dir=tmp_path, reporter=await make_person(session, community=community)
    )
    third = await make_report(
        session, media_dir=tmp_path, reporter=await make_person(session, community=community)
    )
    assert first.id
    assert second.id
    assert third.id
    await merge(
        session, report_id=second.id, into_id=first.id, expected_version=1, actor_id=None, now=NOW
    )
    # third into second: resolves to the root, first
    merged, root = await merge(
        session, report_id=third.id, into_id=second.id, expected_version=1, actor_id=None, now=NOW
    )
    assert root.id == first.id
    assert merged.duplicate_of_id == first.id
    assert {p.id for p in await followers(session, report_id=first.id)} == {
        first.reporter_id,
        second.reporter_id,
        third.reporter_id,
    }
    # never into itself, nor into its own duplicate
    with pytest.raises(TransitionError, match="self"):
        await merge(
            session,
            report_id=first.id,
            into_id=first.id,
            expected_version=1,
            actor_id=None,
            now=NOW,
        )
    with pytest.raises(TransitionError, match="self"):
        await merge(
            session,
            report_id=first.id,
            into_id=third.id,
            expected_version=1,
            actor_id=None,
            now=NOW,
        )


async def test_low_rating_reopens_and_tells_planners(session: AsyncSession, tmp_path: Path) -> None:
    community = await make_community(session)
    planner = await make_person(session, community=community)
    invite = await create_invite(session, community_id=community.id or 0, created_by=None, now=NOW)
    await redeem_invite(session, code=invite.code, person=planner, now=NOW)
    reporter = await make_person(session, community=community)
    report = await make_report(session, media_dir=tmp_path, reporter=reporter)
    report = await walk(session, report, S.ACCEPTED, S.PLANNED, S.IN_PROGRESS, S.RESOLVED)
    report_id = report.id
    assert report_id is not None
    assert reporter.id is not None
    report = await rate(
        session, report_id=report_id, person_id=reporter.id, answer=A.NOT_SATISFIED, now=NOW
    )
    assert report.status == S.REOPENED
    assert (report.rating, report.rated_at) == ("not_satisfied", NOW)
    assert (planner.telegram_id, "reopened") in [(c, k) for c, k, _ in await outbox(session)]
    with pytest.raises(TransitionError):  # not resolved any more
        await rate(session, report_id=report_id, person_id=reporter.id, answer=A.SATISFIED, now=NOW)


async def test_good_rating_closes_and_only_the_reporter_may_rate(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = await make_report(session, media_dir=tmp_path)
    report = await walk(session, report, S.ACCEPTED, S.PLANNED, S.IN_PROGRESS, S.RESOLVED)
    assert report.id is not None
    assert report.reporter_id is not None
    with pytest.raises(TransitionError, match="not_found"):
        await rate(
            session,
            report_id=report.id,
            person_id=report.reporter_id + 99,
            answer=A.SATISFIED,
            now=NOW,
        )
    report = await rate(
        session, report_id=report.id, person_id=report.reporter_id, answer=A.SATISFIED, now=NOW
    )
    assert report.status == S.CLOSED
    assert report.rating == "satisfied"


async def test_auto_close_after_seven_days_without_rating(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = await make_report(session, media_dir=tmp_path)
    report = await walk(session, report, S.ACCEPTED, S.PLANNED, S.IN_PROGRESS, S.RESOLVED)
    assert await auto_close(session, now=NOW + timedelta(days=6, hours=23)) == []
    assert await auto_close(session, now=NOW + timedelta(days=7)) == [report.id]
    await session.refresh(report)
    assert report.status == S.CLOSED
    assert await auto_close(session, now=NOW + timedelta(days=30)) == []


async def test_invites_are_one_time_and_expire(session: AsyncSession) -> None:
    from storage.roles import RoleError, is_planner

    community = await make_community(session)
    person = await make_person(session, community=community)
    other = await make_person(session, community=community)
    invite = await create_invite(session, community_id=community.id or 0, created_by=None, now=NOW)
    await redeem_invite(session, code=invite.code.lower(), person=person, now=NOW)
    assert await is_planner(session, person_id=person.id or 0, community_id=community.id or 0)
    with pytest.raises(RoleError, match="used"):
        await redeem_invite(session, code=invite.code, person=other, now=NOW)
    late = await create_invite(session, community_id=community.id or 0, created_by=None, now=NOW)
    with pytest.raises(RoleError, match="expired"):
        await redeem_invite(session, code=late.code, person=other, now=NOW + timedelta(hours=48))
    with pytest.raises(RoleError, match="unknown"):
        await redeem_invite(session, code="NOPE", person=other, now=NOW)


async def test_a_resolution_with_an_after_photo_tells_every_follower_with_it(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = await make_report(session, media_dir=tmp_path)
    assert report.id is not None
    report_id = report.id
    me_too = await make_person(session)
    assert me_too.id is not None
    await follow(
        session, report_id=report_id, person_id=me_too.id, reason=FollowReason.ME_TOO, now=NOW
    )
    report = await walk(session, report, S.ACCEPTED, S.PLANNED, S.IN_PROGRESS)
    stored = store_photo(make_photo(seed=77), media_dir=tmp_path)
    photo = AfterPhoto(stored, "after-file-id", "after-unique")
    with pytest.raises(TransitionError, match="not_allowed"):  # only with a resolution
        await transition(
            session,
            report_id=report_id,
            expected_version=report.version,
            to=S.PLANNED,
            actor_id=None,
            now=NOW,
            after_photo=photo,
        )
    assert [p.kind for p in await report_photos(session, report_id=report_id)] == ["before"]
    await transition(
        session,
        report_id=report_id,
        expected_version=report.version,
        to=S.RESOLVED,
        actor_id=None,
        now=NOW,
        public_note="Done",
        after_photo=photo,
    )
    photos = await report_photos(session, report_id=report_id)
    assert [(p.kind, p.telegram_file_id) for p in photos][-1] == ("after", "after-file-id")
    resolved = [
        p for _, kind, p in await outbox(session) if kind == "status" and p["status"] == "resolved"
    ]
    assert [p["photo"] for p in resolved] == ["after-file-id", "after-file-id"]  # both followers
    assert before_and_after(photos) == [photos[0], photos[-1]]
