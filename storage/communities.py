"""Communities: import from a file, list, find the nearest to a point."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.geo import distance_m
from storage.landmarks import LandmarkIn, replace_landmarks
from storage.models import Community

DEFAULT_RADIUS_M = 1500.0


class CommunityIn(BaseModel):
    """One community as written in an import file."""

    slug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    district: str = Field(default="", max_length=200)
    street: str = Field(default="", max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_m: float | None = Field(default=None, gt=0)
    landmarks: list[LandmarkIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _both_or_neither(self) -> CommunityIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class CommunityFileError(ValueError):
    """An import file that cannot be read; the message says where and why."""


def read_communities_file(path: Path) -> list[CommunityIn]:
    """Parse a YAML or TOML file holding a list `communities:` of entries."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommunityFileError(f"{path}: {exc.strerror}") from exc
    try:
        if path.suffix.lower() == ".toml":
            raw: Any = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            raw = yaml.safe_load(text)
        else:
            raise CommunityFileError(f"{path}: use a .yaml, .yml or .toml file")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise CommunityFileError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from exc
    items = raw.get("communities") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise CommunityFileError(f"{path}: expected a non-empty list under 'communities'")
    parsed: list[CommunityIn] = []
    for index, item in enumerate(items, start=1):
        try:
            parsed.append(CommunityIn.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            raise CommunityFileError(
                f"{path}: community #{index}: {where}: {first['msg']}"
            ) from exc
    slugs = [c.slug for c in parsed]
    if len(set(slugs)) != len(slugs):
        raise CommunityFileError(f"{path}: a slug appears twice")
    return parsed


async def import_communities(session: AsyncSession, *, items: list[CommunityIn]) -> tuple[int, int]:
    """Insert new communities and update existing ones by slug; returns (created, updated).

    A community's landmarks are replaced by the file's (reports keep the names they were
    filed with: they are copied onto the report)."""
    created = updated = 0
    for item in items:
        existing = (
            await session.exec(select(Community).where(Community.slug == item.slug))
        ).first()
        values = item.model_dump(exclude={"landmarks"})
        if existing is None:
            existing = Community(**values)
            created += 1
        else:
            for key, value in values.items():
                setattr(existing, key, value)
            updated += 1
        session.add(existing)
        await session.flush()
        assert existing.id is not None
        await replace_landmarks(session, community_id=existing.id, items=item.landmarks)
    await session.flush()
    return created, updated


async def get_community(session: AsyncSession, *, community_id: int) -> Community | None:
    return await session.get(Community, community_id)


@dataclass(frozen=True)
class Pin:
    """Where a map pin falls among the communities."""

    nearest: Community | None  # None when no community has a centre point
    distance_m: float
    inside: bool

    @property
    def community(self) -> Community | None:
        """The community the pin is in, if any."""
        return self.nearest if self.inside else None

    @property
    def outside_area(self) -> bool:
        """In none of the communities (that have a centre point)."""
        return self.nearest is not None and not self.inside


async def pin_community(session: AsyncSession, *, lat: float, lon: float) -> Pin:
    """The one definition of which community a pin falls in: within the radius of the
    nearest community's centre (DEFAULT_RADIUS_M when it has none)."""
    found = await nearest_community(session, lat=lat, lon=lon)
    if found is None:
        return Pin(None, 0.0, False)
    return Pin(*found)


# built once (the place step asks it): see storage/drafts.py
_WITH_CENTRE = select(Community).where(col(Community.lat).is_not(None))


async def nearest_community(
    session: AsyncSession, *, lat: float, lon: float
) -> tuple[Community, float, bool] | None:
    """The community whose centre is closest, its distance, and whether the point is inside.

    Inside means within the community's radius (or the default radius when it has none).
    None when no community has a centre point.
    """
    best: tuple[Community, float, bool] | None = None
    for community in (await session.exec(_WITH_CENTRE)).all():
        dist = distance_m(lat, lon, community.lat or 0.0, community.lon or 0.0)
        if best is None or dist < best[1]:
            inside = dist <= (community.radius_m or DEFAULT_RADIUS_M)
            best = (community, dist, inside)
    return best


def community_name(community: Community, locale: str) -> str:
    return community.name_zh if locale == "zh" else community.name_en
