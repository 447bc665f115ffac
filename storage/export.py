"""Open data: reports as CSV or GeoJSON, without personal data.

Only the fields in `EXPORT_FIELDS` leave the database. Never exported: Telegram ids, names,
person ids (reporter, actors, followers), private notes, drafts, photo file ids and paths.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Community, Report, format_ref

EXPORT_FIELDS = (
    "ref",
    "community",
    "category",
    "status",
    "department",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "lat",
    "lon",
    "address",
    "landmark",
    "landmark_m",
    "description",
    "rating",
    "duplicate_of",
    "outside_area",
)

ExportRow = dict[str, object]
ExportFormat = Literal["csv", "geojson"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "geojson")


class UnknownCommunityError(LookupError):
    """No community has the slug given to `export_text`."""


async def export_text(
    session: AsyncSession, *, community_slug: str | None, export_format: ExportFormat
) -> str:
    """The export as text, for one community by slug (all when None); for the CLI."""
    community_id = None
    if community_slug is not None:
        community_id = await _community_id(session, slug=community_slug)
    rows = await export_rows(session, community_id=community_id)
    return to_geojson(rows) if export_format == "geojson" else to_csv(rows)


async def _community_id(session: AsyncSession, *, slug: str) -> int:
    query = select(Community.id).where(Community.slug == slug)
    community_id = (await session.exec(query)).first()
    if community_id is None:
        raise UnknownCommunityError(f"no community with slug {slug!r}")
    return community_id


async def export_rows(session: AsyncSession, *, community_id: int | None) -> list[ExportRow]:
    """Every report (of one community, or all when `community_id` is None), ordered by id.

    One dict per report with exactly the keys of `EXPORT_FIELDS`: `ref` is "R-000123",
    `community` the community's slug ("" when none), times are ISO 8601 UTC strings such as
    "2026-11-02T09:30:00Z" (None when not set), `duplicate_of` the original's ref or "",
    `department` a code or "", lat/lon numbers or None, `rating` the resident's answer as a
    `rules.Satisfaction` code ("satisfied", "mostly_satisfied", "not_satisfied",
    "not_fixed") or None, `outside_area` a bool.
    """
    query = (
        select(Report, col(Community.slug))
        .join(Community, col(Report.community_id) == col(Community.id), isouter=True)
        .order_by(col(Report.id))
    )
    if community_id is not None:
        query = query.where(col(Report.community_id) == community_id)
    return [_row(report, slug) for report, slug in (await session.exec(query)).all()]


def _row(report: Report, slug: str | None) -> ExportRow:
    assert report.id is not None
    return {
        "ref": format_ref(report.id),
        "community": slug or "",
        "category": report.category,
        "status": report.status,
        "department": report.department or "",
        "created_at": _iso(report.created_at),
        "first_response_at": _iso(report.first_response_at),
        "resolved_at": _iso(report.resolved_at),
        "closed_at": _iso(report.closed_at),
        "lat": report.lat,
        "lon": report.lon,
        "address": report.address,
        "landmark": report.landmark_zh or "",  # the nearest landmark to the pin, if any
        "landmark_m": report.landmark_m,
        "description": report.description,
        "rating": report.rating,
        "duplicate_of": ""
        if report.duplicate_of_id is None
        else format_ref(report.duplicate_of_id),
        "outside_area": report.outside_area,
    }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def to_csv(rows: Iterable[Mapping[str, object]]) -> str:
    """CSV text (RFC 4180, CRLF line ends) with the header `EXPORT_FIELDS`.

    None becomes an empty cell and booleans "true"/"false". The text is plain UTF-8 content;
    a caller writing a file for Excel may prepend a BOM ("\\ufeff"). Residents' free text that
    a spreadsheet would run as a formula (starting with = + - @ or a tab) gets a leading
    apostrophe, as OWASP advises against CSV injection; GeoJSON keeps the text unchanged.
    """
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = {field: _csv_value(row.get(field)) for field in EXPORT_FIELDS}
        for field in FREE_TEXT_FIELDS:
            cells[field] = _defuse_formula(cells[field])
        writer.writerow(cells)
    return out.getvalue()


FREE_TEXT_FIELDS = ("address", "description")


def _defuse_formula(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_geojson(rows: Iterable[Mapping[str, object]]) -> str:
    """A GeoJSON FeatureCollection (RFC 7946): one Feature per row.

    The geometry is a Point with coordinates [lon, lat], or null when the report has no
    point; the properties are the other fields of `EXPORT_FIELDS`, in that order.
    """
    collection = {"type": "FeatureCollection", "features": [_feature(row) for row in rows]}
    return json.dumps(collection, ensure_ascii=False)


def _feature(row: Mapping[str, object]) -> dict[str, object]:
    lat, lon = row.get("lat"), row.get("lon")
    geometry = None
    if lat is not None and lon is not None:
        geometry = {"type": "Point", "coordinates": [lon, lat]}
    properties = {f: row.get(f) for f in EXPORT_FIELDS if f not in ("lat", "lon")}
    return {"type": "Feature", "geometry": geometry, "properties": properties}
