"""The report conversation: one operation per thing a resident does, each one transaction.

Every operation takes the caller as read at the start of the update (`storage.callers`),
checks that the step fits the draft (a button of another draft, or of another step, is
`DraftError("expired")`), writes with a guarded UPDATE (the draft must still be at the step
the resident saw), and returns what the reply shows: the draft at its new step and, on the
review card, its photos, community and nearby open reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.callers import CallerState
from storage.communities import get_community, pin_community
from storage.drafts import (
    MAX_ADDRESS,
    STEP_ORDER,
    DraftError,
    check_complete,
    clear_photos,
    count_reports_since,
    create_draft,
    discard_draft,
    draft_photos,
    filed_from,
    submit_draft,
)
from storage.duplicates import open_reports_near
from storage.inbox import clear_pending
from storage.lifecycle import follow
from storage.models import (
    Category,
    Community,
    DraftPhoto,
    FollowReason,
    Report,
    ReportDraft,
    ReportStep,
)
from storage.rules import MAX_WORDS

S = ReportStep


@dataclass(frozen=True)
class Review:
    """What the review card shows besides the draft itself."""

    photos: list[DraftPhoto]
    community: Community | None
    nearby: list[Report]  # open reports the resident may follow instead ("me too")


@dataclass(frozen=True)
class DraftView:
    """A draft after an operation: the step to ask next, and what asking it needs."""

    draft: ReportDraft
    photos: int
    review: Review | None  # when the draft is at its review

    @property
    def step(self) -> ReportStep:
        return ReportStep(self.draft.step)


@dataclass(frozen=True)
class Opened:
    view: DraftView
    resumed: bool


@dataclass(frozen=True)
class Placed:
    view: DraftView
    outside_area: bool  # the pin is in no community (but there are communities)


@dataclass(frozen=True)
class Filed:
    report_id: int
    again: bool  # a Confirm of a draft filed before (its answer was lost)


def fits(caller: CallerState, draft_id: int, *steps: ReportStep) -> ReportDraft:
    """The caller's draft, if a button of draft `draft_id` still fits it at one of `steps`
    (any step when none is given); otherwise DraftError("expired")."""
    draft = caller.draft
    if draft is None or draft.id != draft_id or (steps and ReportStep(draft.step) not in steps):
        raise DraftError("expired")
    return draft


async def open_draft(
    session: AsyncSession, *, caller: CallerState, limit: int, now: datetime
) -> Opened:
    """The resident's unfinished draft, or a new one (at most `limit` reports an hour)."""
    if caller.draft is not None:
        return Opened(await _view(session, caller, caller.draft, caller.draft_photos), True)
    if caller.person.community_id is None:
        raise DraftError("need_community")
    await _within_hourly_limit(session, caller=caller, limit=limit, now=now)
    draft = await create_draft(session, person=caller.person, now=now)
    return Opened(DraftView(draft, 0, None), False)


async def _within_hourly_limit(
    session: AsyncSession, *, caller: CallerState, limit: int, now: datetime
) -> None:
    since = now - timedelta(hours=1)
    if await count_reports_since(session, reporter_id=caller.id, since=since) >= limit:
        raise DraftError("hourly_limit")


async def photos_done(session: AsyncSession, *, caller: CallerState, now: datetime) -> DraftView:
    """ "Done with photos": on to the place (or back to the review, when editing)."""
    draft = _live(caller, S.PHOTOS)
    return await _advance(session, caller, draft, {}, now)


async def answer_place(
    session: AsyncSession,
    *,
    caller: CallerState,
    lat: float | None,
    lon: float | None,
    address: str,
    now: datetime,
) -> Placed:
    """Where it is: a map pin (its community found here) or a typed address."""
    draft = _live(caller, S.WHERE)
    address = address.strip()
    if len(address) > MAX_ADDRESS:
        raise DraftError("address_too_long")
    if lat is None and not address:
        raise DraftError("no_place")
    values: dict[str, Any] = {"lat": lat, "lon": lon, "address": address, "outside_area": False}
    if lat is not None and lon is not None:
        pin = await pin_community(session, lat=lat, lon=lon)
        values["outside_area"] = pin.outside_area
        if pin.community is not None:
            values["community_id"] = pin.community.id
    view = await _advance(session, caller, draft, values, now)
    return Placed(view, bool(values["outside_area"]))


async def answer_category(
    session: AsyncSession, *, caller: CallerState, draft_id: int, category: Category, now: datetime
) -> DraftView:
    draft = fits(caller, draft_id, S.CATEGORY)
    return await _advance(session, caller, draft, {"category": category}, now)


async def answer_description(
    session: AsyncSession, *, caller: CallerState, text: str, now: datetime
) -> DraftView:
    """The resident's words (or none, when they skip): at most MAX_WORDS characters."""
    draft = _live(caller, S.DESCRIPTION)
    text = text.strip()
    if len(text) > MAX_WORDS:
        raise DraftError("too_long")
    return await _advance(session, caller, draft, {"description": text}, now)


async def go_back(session: AsyncSession, *, caller: CallerState, now: datetime) -> DraftView:
    """One step back (never before the photos); what was given there is kept."""
    draft = _live(caller)
    index = STEP_ORDER.index(ReportStep(draft.step))
    target = STEP_ORDER[max(index - 1, 0)]
    return await _go(session, caller, draft, {"step": target, "editing": False}, now)


async def previous_from_category(
    session: AsyncSession, *, caller: CallerState, draft_id: int, now: datetime
) -> DraftView:
    """The inline "back" of the category question."""
    fits(caller, draft_id, S.CATEGORY)
    return await go_back(session, caller=caller, now=now)


async def edit(
    session: AsyncSession, *, caller: CallerState, draft_id: int, step: ReportStep, now: datetime
) -> tuple[DraftView, list[str]]:
    """From the review card back to one step, then straight back to the review; editing
    the photos starts them afresh. Returns the stored photo files no longer used."""
    draft = fits(caller, draft_id, S.REVIEW)
    unused = await clear_photos(session, draft=draft) if step is S.PHOTOS else []
    photos = 0 if step is S.PHOTOS else caller.draft_photos
    view = await _go(session, caller, draft, {"step": step, "editing": True}, now, photos=photos)
    return view, unused


async def review(session: AsyncSession, *, caller: CallerState, draft_id: int) -> DraftView:
    """The review card's buttons again (after the edit choices)."""
    draft = fits(caller, draft_id, S.REVIEW)
    return await _view(session, caller, draft, caller.draft_photos)


async def me_too(
    session: AsyncSession, *, caller: CallerState, draft_id: int, report_id: int, now: datetime
) -> list[str]:
    """Follow a nearby open report instead of filing a new one: the draft is dropped, and
    the stored photo files it no longer uses are returned. Only a report the review card
    offered may be followed."""
    draft = fits(caller, draft_id, S.REVIEW)
    if report_id not in [r.id for r in await _nearby(session, draft)]:
        raise DraftError("expired")
    await follow(
        session, report_id=report_id, person_id=caller.id, reason=FollowReason.ME_TOO, now=now
    )
    return await discard_draft(session, draft=draft)


async def confirm(
    session: AsyncSession, *, caller: CallerState, draft_id: int, limit: int, now: datetime
) -> Filed:
    """File the draft as a report (at most `limit` an hour). A Confirm of a draft that was
    filed already names that report again; nothing is filed twice."""
    if caller.draft is None or caller.draft.id != draft_id:
        report = await filed_from(session, draft_id=draft_id, reporter_id=caller.id)
        if report is None or report.id is None:
            raise DraftError("expired")
        return Filed(report.id, again=True)
    draft = fits(caller, draft_id, S.REVIEW)
    await _within_hourly_limit(session, caller=caller, limit=limit, now=now)
    report = await submit_draft(session, draft=draft, now=now, photos=caller.draft_photos)
    assert report.id is not None
    return Filed(report.id, again=False)


@dataclass(frozen=True)
class Cancelled:
    unused: list[str] | None  # the dropped draft's stored photo files; None without a draft
    had_question: bool  # a planner's open question was closed


async def cancel(session: AsyncSession, *, caller: CallerState) -> Cancelled:
    """/cancel: drop the draft, and close a planner's open question."""
    had_question = caller.pending is not None
    if had_question:
        await clear_pending(session, person_id=caller.id)
    if caller.draft is None:
        return Cancelled(None, had_question)
    return Cancelled(await discard_draft(session, draft=caller.draft), had_question)


# --- steps ------------------------------------------------------------------------------------


def _live(caller: CallerState, *steps: ReportStep) -> ReportDraft:
    """The caller's draft, at one of `steps` (typed messages name no draft id)."""
    if caller.draft is None:
        raise DraftError("expired")
    return fits(caller, caller.draft.id or 0, *steps)


def _next(draft: ReportDraft) -> ReportStep:
    """The step after the current one; an edit of one step returns to the review card."""
    if draft.editing:
        return S.REVIEW
    index = STEP_ORDER.index(ReportStep(draft.step))
    return STEP_ORDER[min(index + 1, len(STEP_ORDER) - 1)]


async def _advance(
    session: AsyncSession,
    caller: CallerState,
    draft: ReportDraft,
    values: dict[str, Any],
    now: datetime,
) -> DraftView:
    """Save the answer of the draft's step and move on to the next step."""
    step = _next(draft)
    return await _go(session, caller, draft, {**values, "step": step, "editing": False}, now)


async def _go(
    session: AsyncSession,
    caller: CallerState,
    draft: ReportDraft,
    values: dict[str, Any],
    now: datetime,
    *,
    photos: int | None = None,
) -> DraftView:
    """Write `values` if the draft is still at the step the resident saw."""
    photos = caller.draft_photos if photos is None else photos
    if values.get("step") is S.REVIEW:
        after = {**draft.model_dump(), **values}
        check_complete(
            photos=photos, lat=after["lat"], address=after["address"], category=after["category"]
        )
    result = await session.exec(
        update(ReportDraft)
        .where(col(ReportDraft.id) == draft.id, col(ReportDraft.step) == draft.step)
        .values(updated_at=now, **values)
    )
    if result.rowcount != 1:
        raise DraftError("expired")
    for name, value in values.items():
        setattr(draft, name, value)  # the caller's copy follows the row (it is not attached)
    return await _view(session, caller, draft, photos)


async def _view(
    session: AsyncSession, caller: CallerState, draft: ReportDraft, photos: int
) -> DraftView:
    if draft.step != S.REVIEW:
        return DraftView(draft, photos, None)
    assert draft.id is not None
    if draft.community_id is None:
        community = None
    elif caller.community is not None and caller.community.id == draft.community_id:
        community = caller.community
    else:
        community = await get_community(session, community_id=draft.community_id)
    found = await draft_photos(session, draft_id=draft.id)
    return DraftView(draft, len(found), Review(found, community, await _nearby(session, draft)))


async def _nearby(session: AsyncSession, draft: ReportDraft) -> list[Report]:
    return await open_reports_near(
        session,
        community_id=draft.community_id,
        lat=draft.lat,
        lon=draft.lon,
        category=draft.category,
    )
