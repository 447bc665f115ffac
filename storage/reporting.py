"""The report conversation: one operation per thing a resident does, each one transaction.

Every operation takes the caller as read at the start of the update (`storage.callers`),
checks that the step fits the draft (a button of another draft, or of another step, is
`DraftError("expired")`), writes with a guarded UPDATE (the draft must still be at the step
the resident saw), and returns what the reply shows: the draft at its new step and, on the
review card, its photos, community and nearby open reports (`storage.draft_flow`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.callers import CallerState
from storage.communities import get_community, pin_community
from storage.draft_flow import DraftView as DraftView
from storage.draft_flow import Review as Review
from storage.draft_flow import advance, go, live, nearby, previous_step, view
from storage.draft_flow import fits as fits
from storage.drafts import (
    MAX_ADDRESS,
    DraftError,
    add_photo,
    clear_photos,
    count_reports_since,
    create_draft,
    discard_draft,
    filed_from,
    submit_draft,
)
from storage.followers import follow
from storage.inbox import clear_pending
from storage.landmarks import landmark_named, nearest_landmark
from storage.media import StoredPhoto
from storage.models import Category, Community, FollowReason, Landmark, ReportDraft, ReportStep
from storage.people import set_community
from storage.rules import MAX_WORDS

S = ReportStep


@dataclass(frozen=True)
class Opened:
    view: DraftView
    resumed: bool


@dataclass(frozen=True)
class Placed:
    view: DraftView
    outside_area: bool  # the pin is in no community (but there are communities)
    community: Community | None  # the community the place named, if any


@dataclass(frozen=True)
class Filed:
    report_id: int
    again: bool  # a Confirm of a draft filed before (its answer was lost)


async def open_draft(
    session: AsyncSession, *, caller: CallerState, limit: int, now: datetime
) -> Opened:
    """The resident's unfinished draft, or a new one (at most `limit` reports an hour). A
    resident without a community may start one: the place will name it, or they choose it
    then (`answer_community`)."""
    if caller.draft is not None:
        return Opened(await view(session, caller, caller.draft, caller.draft_photos), True)
    await _within_hourly_limit(session, caller=caller, limit=limit, now=now)
    draft = await create_draft(session, person=caller.person, now=now)
    return Opened(DraftView(draft, 0, None), False)


async def _within_hourly_limit(
    session: AsyncSession, *, caller: CallerState, limit: int, now: datetime
) -> None:
    since = now - timedelta(hours=1)
    if await count_reports_since(session, reporter_id=caller.id, since=since) >= limit:
        raise DraftError("hourly_limit")


@dataclass(frozen=True)
class Added:
    photos: int  # how many the draft has now
    unused: list[str]  # stored files of photos this one replaced (an edit of the photos)


async def take_photo(
    session: AsyncSession,
    *,
    caller: CallerState,
    stored: StoredPhoto,
    file_id: str,
    file_kind: str,
    file_unique_id: str,
    media_group_id: str | None,
) -> Added:
    """A photo for the draft. Editing the photos from the review card keeps the old ones
    until this first new one arrives: then they are replaced."""
    draft = live(caller, S.PHOTOS)
    photos, unused = caller.draft_photos, []
    if draft.replace_photos:
        replaced = await session.exec(
            update(ReportDraft)
            .where(col(ReportDraft.id) == draft.id, col(ReportDraft.replace_photos).is_(True))
            .values(replace_photos=False)
        )
        if replaced.rowcount == 1:
            unused, photos = await clear_photos(session, draft=draft), 0
        draft.replace_photos = False
    count = await add_photo(
        session,
        draft=draft,
        photos=photos,
        stored=stored,
        file_id=file_id,
        file_kind=file_kind,
        file_unique_id=file_unique_id,
        media_group_id=media_group_id,
    )
    return Added(count, unused)


async def photos_done(session: AsyncSession, *, caller: CallerState, now: datetime) -> DraftView:
    """ "Done with photos": on to the place (or back to the review, when editing; photos
    waiting to be replaced are then kept)."""
    draft = live(caller, S.PHOTOS)
    return await advance(session, caller, draft, {"replace_photos": False}, now)


async def answer_place(
    session: AsyncSession,
    *,
    caller: CallerState,
    lat: float | None,
    lon: float | None,
    address: str,
    now: datetime,
) -> Placed:
    """Where it is: a map pin, a landmark's name (a button of the question), or a typed
    address. A pin may come at the photos step: it ends it. A pin or a landmark inside a
    community chooses the community (the resident's own too, if they have none yet)."""
    draft = live(caller, S.WHERE, S.PHOTOS)
    if draft.step == S.PHOTOS and caller.draft_photos == 0:
        raise DraftError("no_photos")
    address = address.strip()
    if len(address) > MAX_ADDRESS:
        raise DraftError("address_too_long")
    if lat is None and not address:
        raise DraftError("no_place")
    values: dict[str, Any] = {
        "lat": lat,
        "lon": lon,
        "address": address,
        "outside_area": False,
        "landmark_zh": None,
        "landmark_en": None,
        "landmark_m": None,
        "replace_photos": False,
    }
    community: Community | None = None
    named = None if lat is not None else await _landmark(session, caller, draft, address)
    if named is not None:
        values.update(lat=named.lat, lon=named.lon, address="", community_id=named.community_id)
        values.update(landmark_zh=named.name_zh, landmark_en=named.name_en, landmark_m=0)
        community = await get_community(session, community_id=named.community_id)
    elif lat is not None and lon is not None:
        pin = await pin_community(session, lat=lat, lon=lon)
        values["outside_area"] = pin.outside_area
        community = pin.community
        if community is not None:
            values["community_id"] = community.id
            near = await nearest_landmark(session, lat=lat, lon=lon)
            if near is not None:
                values.update(landmark_zh=near.landmark.name_zh, landmark_en=near.landmark.name_en)
                values["landmark_m"] = near.distance_m
    if community is not None and community.id is not None and caller.person.community_id is None:
        await set_community(session, person=caller.person, community_id=community.id)
    placed = await advance(session, caller, draft, values, now, answered=S.WHERE)
    return Placed(placed, bool(values["outside_area"]), community)


async def _landmark(
    session: AsyncSession, caller: CallerState, draft: ReportDraft, text: str
) -> Landmark | None:
    if not text or len(text) > 200:
        return None
    community_id = draft.community_id or caller.person.community_id
    return await landmark_named(session, name=text, community_id=community_id)


async def answer_community(
    session: AsyncSession, *, caller: CallerState, community_id: int, now: datetime
) -> DraftView | None:
    """The community, chosen from the list when the place named none; it becomes the
    resident's own too if they have none. None when there is no such community."""
    draft = live(caller, S.COMMUNITY)
    if await get_community(session, community_id=community_id) is None:
        return None
    if caller.person.community_id is None:
        await set_community(session, person=caller.person, community_id=community_id)
    return await advance(session, caller, draft, {"community_id": community_id}, now)


async def answer_category(
    session: AsyncSession, *, caller: CallerState, draft_id: int, category: Category, now: datetime
) -> DraftView:
    draft = fits(caller, draft_id, S.CATEGORY)
    return await advance(session, caller, draft, {"category": category}, now)


async def answer_description(
    session: AsyncSession,
    *,
    caller: CallerState,
    text: str,
    now: datetime,
    voice_file_id: str | None = None,
) -> DraftView:
    """The resident's words (or none, when they skip), at most MAX_WORDS characters, or a
    voice note instead of them."""
    draft = live(caller, S.DESCRIPTION)
    text = text.strip()
    if len(text) > MAX_WORDS:
        raise DraftError("too_long")
    values = {"description": text, "voice_file_id": voice_file_id}
    return await advance(session, caller, draft, values, now)


async def go_back(session: AsyncSession, *, caller: CallerState, now: datetime) -> DraftView:
    """One step back (never before the photos); what was given there is kept."""
    draft = live(caller)
    target = previous_step(draft)
    return await go(session, caller, draft, {"step": target, "editing": False}, now)


async def previous_from_category(
    session: AsyncSession, *, caller: CallerState, draft_id: int, now: datetime
) -> DraftView:
    """The inline "back" of the category question."""
    fits(caller, draft_id, S.CATEGORY)
    return await go_back(session, caller=caller, now=now)


async def edit(
    session: AsyncSession, *, caller: CallerState, draft_id: int, step: ReportStep, now: datetime
) -> DraftView:
    """From the review card back to one step, then straight back to the review. Editing the
    photos keeps the old ones until a new one arrives (`take_photo`)."""
    draft = fits(caller, draft_id, S.REVIEW)
    values = {"step": step, "editing": True, "replace_photos": step is S.PHOTOS}
    return await go(session, caller, draft, values, now)


async def review(session: AsyncSession, *, caller: CallerState, draft_id: int) -> DraftView:
    """The review card's buttons again (after the edit choices)."""
    draft = fits(caller, draft_id, S.REVIEW)
    return await view(session, caller, draft, caller.draft_photos)


async def me_too(
    session: AsyncSession, *, caller: CallerState, draft_id: int, report_id: int, now: datetime
) -> list[str]:
    """Follow a nearby open report instead of filing a new one: the draft is dropped, and
    the stored photo files it no longer uses are returned. Only a report the review card
    offered may be followed."""
    draft = fits(caller, draft_id, S.REVIEW)
    if report_id not in [r.id for r in await nearby(session, draft)]:
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


async def cancel(
    session: AsyncSession, *, caller: CallerState, draft_id: int | None = None
) -> Cancelled:
    """/cancel: drop the draft (only draft `draft_id`, when a button names it; another is
    DraftError("expired")), and close a planner's open question."""
    if draft_id is not None:
        fits(caller, draft_id)
    had_question = caller.pending is not None
    if had_question:
        await clear_pending(session, person_id=caller.id)
    if caller.draft is None:
        return Cancelled(None, had_question)
    return Cancelled(await discard_draft(session, draft=caller.draft), had_question)
