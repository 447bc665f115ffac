"""What a planner changes on a report besides its stage: a public note (its followers hear
it), an internal note (nobody but planners ever reads it), its category, its place.

Each is one operation within the planner's `Scope`. A change to the report itself goes
through the version check like every move (`UPDATE … WHERE version = :seen`), so a card
someone else changed meanwhile is refused as `stale`. Internal notes and changes of
category or place are `report_note` rows: no resident's history, export, API or notice reads
that table (tests/conversation/test_planner_moves.py::test_internal_notes_stay_internal).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.followers import tell_followers
from storage.inbox import clear_pending
from storage.landmarks import landmark_named, nearest_landmark
from storage.lifecycle import OPEN, TransitionError, stale
from storage.models import Category, PendingInput, Report, ReportEvent, ReportNote, ReportStatus
from storage.reports import AfterPhoto, add_after_photo
from storage.rules import MAX_NOTE
from storage.triage import Scope, in_scope

S = ReportStatus
#: Reports a planner may still change the category or place of, or write a public note on.
CHANGEABLE = OPEN | {S.RESOLVED}


async def _bump(
    session: AsyncSession, report: Report, *, version: int, now: datetime, **values: object
) -> Report:
    """Change the report if it is still the version the planner saw (a new version)."""
    if report.status not in CHANGEABLE:
        raise TransitionError("not_allowed", report_id=report.id, status=report.status)
    result = await session.exec(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.version) == version)
        .values(version=version + 1, updated_at=now, **values)
    )
    if result.rowcount != 1:
        await session.refresh(report)
        raise await stale(session, report)
    await session.refresh(report)
    return report


async def public_note(
    session: AsyncSession, *, scope: Scope, report_id: int, version: int, text: str, now: datetime
) -> Report:
    """A note for the report's followers, at its current stage: a history line they can
    read in /myreports, and a notice to each of them."""
    report = await in_scope(session, scope=scope, report_id=report_id)
    report = await _bump(session, report, version=version, now=now)
    assert report.id is not None
    session.add(
        ReportEvent(
            report_id=report.id,
            actor_id=scope.person_id,
            at=now,
            from_status=report.status,
            to_status=report.status,
            public_note=text,
        )
    )
    await tell_followers(session, report=report, note=text, now=now)
    return report


async def internal_note(
    session: AsyncSession, *, scope: Scope, report_id: int, text: str, now: datetime
) -> Report:
    """A note for planners only. It does not change the report (no version check)."""
    report = await in_scope(session, scope=scope, report_id=report_id)
    session.add(
        ReportNote(report_id=report_id, author_id=scope.person_id, at=now, kind="note", text=text)
    )
    await session.flush()
    return report


async def change_category(
    session: AsyncSession,
    *,
    scope: Scope,
    report_id: int,
    version: int,
    category: Category,
    now: datetime,
) -> Report:
    report = await in_scope(session, scope=scope, report_id=report_id)
    old = report.category
    report = await _bump(session, report, version=version, now=now, category=category)
    session.add(
        ReportNote(
            report_id=report_id,
            author_id=scope.person_id,
            at=now,
            kind="category",
            text=category.value,
            old_value=old,
        )
    )
    return report


async def change_place(
    session: AsyncSession,
    *,
    scope: Scope,
    report_id: int,
    version: int,
    now: datetime,
    pin: tuple[float, float] | None = None,
    landmark: str = "",
) -> Report:
    """A new map pin (the typed place is cleared; the landmark nearest it is found again), or
    a place typed: one of the community's landmarks by name (its point becomes the pin), or
    words shown instead of the pin, which stays for the map and for finding duplicates."""
    report = await in_scope(session, scope=scope, report_id=report_id)
    old = report.address or _pin_text(report.lat, report.lon)
    values: dict[str, object] = {"landmark_zh": None, "landmark_en": None, "landmark_m": None}
    named = (
        None
        if pin is not None
        else await landmark_named(session, name=landmark, community_id=report.community_id)
    )
    if pin is not None:
        values |= {"lat": pin[0], "lon": pin[1], "address": ""}
        near = await nearest_landmark(session, lat=pin[0], lon=pin[1])
        if near is not None:
            values |= {"landmark_zh": near.landmark.name_zh, "landmark_en": near.landmark.name_en}
            values["landmark_m"] = near.distance_m
        new = _pin_text(*pin)
    elif named is not None:
        values |= {"lat": named.lat, "lon": named.lon, "address": ""}
        values |= {"landmark_zh": named.name_zh, "landmark_en": named.name_en, "landmark_m": 0}
        new = landmark
    else:
        values, new = {**values, "address": landmark}, landmark
    report = await _bump(session, report, version=version, now=now, **values)
    session.add(
        ReportNote(
            report_id=report_id,
            author_id=scope.person_id,
            at=now,
            kind="place",
            text=new,
            old_value=old[:300],
        )
    )
    return report


def _pin_text(lat: float | None, lon: float | None) -> str:
    return "" if lat is None or lon is None else f"{lat:.5f}, {lon:.5f}"


#: What a planner's next message is for, among the changes of this module (see
#: `storage.triage.Question`): a public note, an internal note, a new place.
EDIT_ACTIONS = frozenset({"pn", "in", "pl"})


async def answer_edit(
    session: AsyncSession,
    *,
    scope: Scope,
    pending: PendingInput,
    text: str,
    pin: tuple[float, float] | None,
    photo: AfterPhoto | None,
    now: datetime,
) -> Report | TransitionError:
    """The planner's typed answer for a note or a place, like `storage.triage.answer`: a
    refusal is returned, so the question is closed in the same unit of work; an answer too
    long (`too_long`), or a photo for a report not resolved (`photo`), leaves it open."""
    report_id, version = pending.report_id, pending.expected_version
    if len(text) > MAX_NOTE:
        return TransitionError("too_long", report_id=report_id)
    try:
        if pending.action == "in":
            report = await internal_note(
                session, scope=scope, report_id=report_id, text=text, now=now
            )
        elif pending.action == "pl":
            report = await change_place(
                session,
                scope=scope,
                report_id=report_id,
                version=version,
                now=now,
                pin=pin,
                landmark=text,
            )
        else:
            if photo is not None:  # an "after" photo goes with a resolved report only
                seen = await in_scope(session, scope=scope, report_id=report_id)
                if seen.status != S.RESOLVED:
                    return TransitionError("photo", report_id=report_id)
            report = await public_note(
                session, scope=scope, report_id=report_id, version=version, text=text, now=now
            )
            if photo is not None:
                await add_after_photo(session, report_id=report_id, photo=photo)
    except TransitionError as refusal:
        await clear_pending(session, person_id=scope.person_id)
        return refusal
    await clear_pending(session, person_id=scope.person_id)
    return report
