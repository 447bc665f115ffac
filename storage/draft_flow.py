"""How a draft moves between the steps of the report conversation, and what each step's
question needs (the review card's photos and nearby reports, the place's landmarks).

The operations of `storage.reporting` are built from these: check that a step fits the
draft, write the answer with a guarded UPDATE, and read what the next question shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.callers import CallerState
from storage.communities import get_community
from storage.drafts import DRAFTS, STEP_ORDER, DraftError, check_complete, draft_photos
from storage.duplicates import open_reports_near
from storage.landmarks import landmark_choices
from storage.models import Community, DraftPhoto, Landmark, Report, ReportDraft, ReportStep
from storage.residents import LIST_PAGE_SIZE, Page, communities_page

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
    landmarks: list[Landmark] = field(default_factory=list)  # at the place question
    communities: Page[Community] | None = None  # at the community question

    @property
    def step(self) -> ReportStep:
        return ReportStep(self.draft.step)


def fits(caller: CallerState, draft_id: int, *steps: ReportStep) -> ReportDraft:
    """The caller's draft, if a button of draft `draft_id` still fits it at one of `steps`
    (any step when none is given); otherwise DraftError("expired")."""
    draft = caller.draft
    if draft is None or draft.id != draft_id or (steps and ReportStep(draft.step) not in steps):
        raise DraftError("expired")
    return draft


def live(caller: CallerState, *steps: ReportStep) -> ReportDraft:
    """The caller's draft, at one of `steps` (typed messages name no draft id)."""
    if caller.draft is None:
        raise DraftError("expired")
    return fits(caller, caller.draft.id or 0, *steps)


def holds_anything(caller: CallerState) -> bool:
    """Whether dropping the caller's draft would lose something they gave (then a cancel
    asks first)."""
    draft = caller.draft
    if draft is None:
        return False
    given = (draft.address, draft.category, draft.description, draft.voice_file_id)
    return caller.draft_photos > 0 or draft.lat is not None or any(given)


def next_step(
    draft: ReportDraft, community_id: int | None, *, answered: ReportStep | None = None
) -> ReportStep:
    """The step after the one `answered` (the current one unless given: a pin at the photos
    answers the place); an edit of one step returns to the review card, and the community
    is asked only when the place named none."""
    if draft.editing:
        return S.REVIEW
    index = STEP_ORDER.index(answered or ReportStep(draft.step)) + 1
    if STEP_ORDER[index] is S.COMMUNITY and community_id is not None:
        index += 1
    return STEP_ORDER[min(index, len(STEP_ORDER) - 1)]


def previous_step(draft: ReportDraft) -> ReportStep:
    """One step back (never before the photos); the community is chosen again only by
    giving the place again."""
    index = max(STEP_ORDER.index(ReportStep(draft.step)) - 1, 0)
    if STEP_ORDER[index] is S.COMMUNITY:
        index -= 1
    return STEP_ORDER[index]


async def advance(
    session: AsyncSession,
    caller: CallerState,
    draft: ReportDraft,
    values: dict[str, Any],
    now: datetime,
    *,
    answered: ReportStep | None = None,
) -> DraftView:
    """Save the answer of the draft's step (or of step `answered`) and move on."""
    step = next_step(draft, values.get("community_id", draft.community_id), answered=answered)
    return await go(session, caller, draft, {**values, "step": step, "editing": False}, now)


# The draft's row, if it is still at the step the resident saw: a Core UPDATE on the table
# (the ORM's bulk UPDATE would also look for the row among loaded objects), built once; the
# columns to set are the keys of its parameters besides b_id and b_step.
_GUARDED_UPDATE = update(DRAFTS).where(
    DRAFTS.c.id == bindparam("b_id"), DRAFTS.c.step == bindparam("b_step")
)


async def go(
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
    params = {"b_id": draft.id, "b_step": draft.step, "updated_at": now, **values}
    result = await session.exec(_GUARDED_UPDATE, params=params)
    if result.rowcount != 1:
        raise DraftError("expired")
    for name, value in values.items():
        setattr(draft, name, value)  # the caller's copy follows the row (it is not attached)
    return await view(session, caller, draft, photos)


async def view(
    session: AsyncSession, caller: CallerState, draft: ReportDraft, photos: int
) -> DraftView:
    """What asking the draft's step needs: the landmarks at the place question; the photos,
    community and nearby reports at the review."""
    if draft.step == S.WHERE:
        community_id = draft.community_id or caller.person.community_id
        landmarks = await landmark_choices(session, community_id=community_id)
        return DraftView(draft, photos, None, landmarks)
    if draft.step == S.COMMUNITY:
        listed = await communities_page(session, page=1, size=LIST_PAGE_SIZE)
        return DraftView(draft, photos, None, communities=listed)
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
    return DraftView(draft, len(found), Review(found, community, await nearby(session, draft)))


async def nearby(session: AsyncSession, draft: ReportDraft) -> list[Report]:
    return await open_reports_near(
        session,
        community_id=draft.community_id,
        lat=draft.lat,
        lon=draft.lon,
        category=draft.category,
    )
