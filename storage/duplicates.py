"""Likely duplicates: open reports of the same community, near and of the same kind, or
showing the same picture."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.geo import distance_m
from storage.lifecycle import OPEN
from storage.media import phash_distance
from storage.models import Report, ReportPhoto

NEAR_M = 50.0
# Perceptual-hash distance (of 64 bits) under which two photos show the same scene: the same
# photo re-encoded or resized lands at 0-4; different corners land well above 10 (tests).
PHASH_THRESHOLD = 10
# About 60 m of latitude: a cheap SQL prefilter before the exact distance.
LAT_WINDOW = 0.00055


@dataclass(frozen=True)
class Candidate:
    report: Report
    distance_m: float | None
    same_photo: bool


async def likely_duplicates(
    session: AsyncSession, *, report: Report, limit: int = 3
) -> list[Candidate]:
    """Open reports (other than this one) that probably show the same problem, nearest first."""
    assert report.id is not None
    if report.community_id is None:
        return []
    base = select(Report).where(
        Report.community_id == report.community_id,
        col(Report.id) != report.id,
        col(Report.status).in_([s.value for s in OPEN]),
    )
    found: dict[int, Candidate] = {}
    if report.lat is not None and report.lon is not None:
        near = base.where(
            Report.category == report.category,
            col(Report.lat).between(report.lat - LAT_WINDOW, report.lat + LAT_WINDOW),
        )
        for other in (await session.exec(near)).all():
            if other.lat is None or other.lon is None:
                continue
            dist = distance_m(report.lat, report.lon, other.lat, other.lon)
            if dist <= NEAR_M:
                assert other.id is not None
                found[other.id] = Candidate(other, dist, same_photo=False)
    mine = [p.phash for p in await _photos(session, report_ids=[report.id])]
    if mine:
        others = list((await session.exec(base)).all())
        photos = await _photos(session, report_ids=[o.id for o in others if o.id is not None])
        similar = {
            p.report_id
            for p in photos
            if any(phash_distance(p.phash, h) < PHASH_THRESHOLD for h in mine)
        }
        for other in others:
            if other.id in similar:
                previous = found.get(other.id)
                found[other.id] = Candidate(
                    other, previous.distance_m if previous else None, same_photo=True
                )
    ranked = sorted(
        found.values(),
        key=lambda c: (not c.same_photo, c.distance_m if c.distance_m is not None else 1e9),
    )
    return ranked[:limit]


async def _photos(session: AsyncSession, *, report_ids: list[int]) -> list[ReportPhoto]:
    if not report_ids:
        return []
    query = select(ReportPhoto).where(
        col(ReportPhoto.report_id).in_(report_ids), ReportPhoto.kind == "before"
    )
    return list((await session.exec(query)).all())


# built once (the review card asks it): see storage/drafts.py
_OPEN_NEAR = select(Report).where(
    col(Report.community_id) == bindparam("community_id"),
    col(Report.category) == bindparam("category"),
    col(Report.status).in_([s.value for s in OPEN]),
    col(Report.lat).between(bindparam("south"), bindparam("north")),
)


async def open_reports_near(
    session: AsyncSession,
    *,
    community_id: int | None,
    lat: float | None,
    lon: float | None,
    category: str | None,
    limit: int = 2,
) -> list[Report]:
    """Open reports of the same kind within NEAR_M of a point: a resident about to report
    one of them can follow it ("me too") instead of filing a new one."""
    if community_id is None or lat is None or lon is None or category is None:
        return []
    params = {
        "community_id": community_id,
        "category": category,
        "south": lat - LAT_WINDOW,
        "north": lat + LAT_WINDOW,
    }
    near = [
        (distance_m(lat, lon, r.lat, r.lon), r)
        for r in (await session.exec(_OPEN_NEAR, params=params)).all()
        if r.lat is not None and r.lon is not None
    ]
    return [r for d, r in sorted(near, key=lambda pair: pair[0]) if d <= NEAR_M][:limit]
