"""Landmarks: named points of a community, so that a pin reads as words ("near Building 3,
about 30 m") and a resident who will not share a location can pick a place from a list.

Everything is offline: the landmarks come from the communities file, and the nearest one is
found here, by distance, without any geocoding service.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import bindparam
from sqlmodel import col, delete, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.geo import distance_m
from storage.models import Landmark

#: A pin farther than this from every landmark is described by its community instead.
LANDMARK_RADIUS_M = 150.0
#: At most this many landmarks are offered as buttons at the place question.
LANDMARK_CHOICES = 4
# A latitude band (~170 m) that holds every landmark within LANDMARK_RADIUS_M of a pin
# (a degree of latitude is ~111 km; the longitude is checked by the exact distance).
_LAT_WINDOW = LANDMARK_RADIUS_M / 111_000 * 1.15


class LandmarkIn(BaseModel):
    """One landmark as written in a communities file."""

    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


async def replace_landmarks(
    session: AsyncSession, *, community_id: int, items: list[LandmarkIn]
) -> None:
    """The community's landmarks become `items`, in their order."""
    await session.exec(delete(Landmark).where(col(Landmark.community_id) == community_id))
    for item in items:
        session.add(Landmark(community_id=community_id, **item.model_dump()))


@dataclass(frozen=True)
class Near:
    """The landmark nearest a pin, within LANDMARK_RADIUS_M, and how far it is (metres)."""

    landmark: Landmark
    distance_m: int


# built once (the place step asks it): see storage/drafts.py
_IN_BAND = select(Landmark).where(col(Landmark.lat).between(bindparam("south"), bindparam("north")))


async def nearest_landmark(session: AsyncSession, *, lat: float, lon: float) -> Near | None:
    """The landmark closest to the pin, if one is within LANDMARK_RADIUS_M; the one
    definition of "near a landmark"."""
    band = {"south": lat - _LAT_WINDOW, "north": lat + _LAT_WINDOW}
    best: Near | None = None
    for landmark in (await session.exec(_IN_BAND, params=band)).all():
        dist = distance_m(lat, lon, landmark.lat, landmark.lon)
        if dist <= LANDMARK_RADIUS_M and (best is None or dist < best.distance_m):
            best = Near(landmark, round(dist))
    return best


# built once (a step of the report conversation asks it): see storage/drafts.py
_LANDMARK_CHOICES = (
    select(Landmark)
    .where(col(Landmark.community_id) == bindparam("community_id"))
    .order_by(col(Landmark.id))
    .limit(LANDMARK_CHOICES)
)


async def landmark_choices(session: AsyncSession, *, community_id: int | None) -> list[Landmark]:
    """The landmarks offered as buttons for a community (none without one)."""
    if community_id is None:
        return []
    found = await session.exec(_LANDMARK_CHOICES, params={"community_id": community_id})
    return list(found.all())


async def landmark_named(
    session: AsyncSession, *, name: str, community_id: int | None
) -> Landmark | None:
    """The landmark whose name (in either language) is `name`: a button of the place
    question sends its label. The resident's own community's comes first."""
    query = select(Landmark).where(or_(Landmark.name_zh == name, Landmark.name_en == name))
    found = list((await session.exec(query.order_by(col(Landmark.id)))).all())
    own = [f for f in found if f.community_id == community_id]
    first = own or found
    return first[0] if first else None
