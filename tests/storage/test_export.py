"""Open-data export: CSV and GeoJSON hold the public fields and nothing personal."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.export import (
    EXPORT_FIELDS,
    UnknownCommunityError,
    export_rows,
    export_text,
    to_csv,
    to_geojson,
)
from storage.models import (
    Category,
    Community,
    Report,
    ReportEvent,
    ReportStatus,
    format_ref,
)
from storage.people import get_or_create_person
from storage.reports import report_photos
from tests.factories import NOW, make_community, make_person, make_report

TELEGRAM_ID = 987654321
FIRST_NAME = "Zhang Wei"
TRICKY_TEXT = 'Bench broken, "again"; see:\nline two, 第二行\r\nend'


def _id(item: Community | Report) -> int:
    assert item.id is not None
    return item.id


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def _report_in(
    session: AsyncSession,
    community: Community,
    *,
    created: datetime,
    lat: float | None = 31.2,
    lon: float | None = 121.4,
    description: str = "",
) -> Report:
    report = Report(
        community_id=community.id,
        category=Category.GREENERY,
        status=ReportStatus.SUBMITTED,
        description=description,
        lat=lat,
        lon=lon,
        created_at=created,
        updated_at=created,
    )
    session.add(report)
    await session.flush()
    return report


async def _resolved_report(session: AsyncSession, tmp_path: Path) -> tuple[Community, Report]:
    """A report by a resident with a recognisable Telegram id and name, through a draft."""
    community = await make_community(session, slug="xinhua-road")
    person, _ = await get_or_create_person(
        session, telegram_id=TELEGRAM_ID, first_name=FIRST_NAME, locale="zh", now=NOW
    )
    person.community_id = community.id
    session.add(person)
    await session.flush()
    report = await make_report(
        session, media_dir=tmp_path, reporter=person, lat=31.2067, lon=121.4271
    )
    report.description = TRICKY_TEXT
    report.address = "华山路 1954号, Gate 2"
    report.department = "greening"
    report.status = ReportStatus.CLOSED
    report.first_response_at = NOW + timedelta(hours=2)
    report.resolved_at = NOW + timedelta(days=3)
    report.closed_at = NOW + timedelta(days=4)
    report.rating = "mostly_satisfied"
    report.rated_at = NOW + timedelta(days=4)
    session.add(report)
    session.add(
        ReportEvent(
            report_id=_id(report),
            actor_id=person.id,
            at=NOW + timedelta(hours=2),
            from_status=ReportStatus.SUBMITTED,
            to_status=ReportStatus.ACCEPTED,
            public_note="we will look",
            private_note="call Zhang Wei back on his mobile",
        )
    )
    report.landmark_zh, report.landmark_en, report.landmark_m = "幸福小区 3 号楼", "Building 3", 30
    session.add(report)
    await session.flush()
    return community, report


async def test_rows_hold_the_public_fields(session: AsyncSession, tmp_path: Path) -> None:
    community, report = await _resolved_report(session, tmp_path)
    duplicate = await _report_in(session, community, created=NOW + timedelta(hours=1))
    duplicate.status = ReportStatus.DUPLICATE
    duplicate.duplicate_of_id = report.id
    session.add(duplicate)
    await session.flush()

    rows = await export_rows(session, community_id=None)

    assert [tuple(row) for row in rows] == [EXPORT_FIELDS, EXPORT_FIELDS]
    assert rows[0] == {
        "ref": format_ref(_id(report)),
        "community": "xinhua-road",
        "category": "litter",
        "status": "closed",
        "department": "greening",
        "created_at": "2026-11-02T09:30:00Z",
        "first_response_at": "2026-11-02T11:30:00Z",
        "resolved_at": "2026-11-05T09:30:00Z",
        "closed_at": "2026-11-06T09:30:00Z",
        "lat": 31.2067,
        "lon": 121.4271,
        "address": "华山路 1954号, Gate 2",
        "landmark": "幸福小区 3 号楼",
        "landmark_m": 30,
        "description": TRICKY_TEXT,
        "rating": "mostly_satisfied",
        "duplicate_of": "",
        "outside_area": False,
    }
    assert rows[1]["ref"] == format_ref(_id(duplicate))
    assert rows[1]["status"] == "duplicate"
    assert rows[1]["duplicate_of"] == format_ref(_id(report))
    assert rows[1]["first_response_at"] is None
    assert rows[1]["rating"] is None


async def test_csv_parses_back(session: AsyncSession, tmp_path: Path) -> None:
    _, report = await _resolved_report(session, tmp_path)

    text = to_csv(await export_rows(session, community_id=None))

    assert text.splitlines()[0] == ",".join(EXPORT_FIELDS)
    (parsed,) = _read_csv(text)
    assert parsed == {
        "ref": format_ref(_id(report)),
        "community": "xinhua-road",
        "category": "litter",
        "status": "closed",
        "department": "greening",
        "created_at": "2026-11-02T09:30:00Z",
        "first_response_at": "2026-11-02T11:30:00Z",
        "resolved_at": "2026-11-05T09:30:00Z",
        "closed_at": "2026-11-06T09:30:00Z",
        "lat": "31.2067",
        "lon": "121.4271",
        "address": "华山路 1954号, Gate 2",
        "landmark": "幸福小区 3 号楼",
        "landmark_m": "30",
        "description": TRICKY_TEXT,  # commas, quotes and newlines survive
        "rating": "mostly_satisfied",
        "duplicate_of": "",
        "outside_area": "false",
    }


def test_csv_of_missing_values_is_empty_cells() -> None:
    row: dict[str, object] = dict.fromkeys(EXPORT_FIELDS)
    row["outside_area"] = True
    (parsed,) = _read_csv(to_csv([row]))
    assert parsed == {**dict.fromkeys(EXPORT_FIELDS, ""), "outside_area": "true"}


def test_csv_without_rows_is_the_header() -> None:
    assert to_csv([]) == ",".join(EXPORT_FIELDS) + "\r\n"


async def test_geojson_points_are_lon_lat(session: AsyncSession, tmp_path: Path) -> None:
    community, report = await _resolved_report(session, tmp_path)
    no_point = await _report_in(
        session, community, created=NOW, lat=None, lon=None, description="by the gate"
    )

    collection: dict[str, Any] = json.loads(
        to_geojson(await export_rows(session, community_id=None))
    )

    assert collection["type"] == "FeatureCollection"
    with_point, without_point = collection["features"]
    assert with_point["type"] == "Feature"
    assert with_point["geometry"] == {"type": "Point", "coordinates": [121.4271, 31.2067]}
    assert with_point["properties"] == {
        "ref": format_ref(_id(report)),
        "community": "xinhua-road",
        "category": "litter",
        "status": "closed",
        "department": "greening",
        "created_at": "2026-11-02T09:30:00Z",
        "first_response_at": "2026-11-02T11:30:00Z",
        "resolved_at": "2026-11-05T09:30:00Z",
        "closed_at": "2026-11-06T09:30:00Z",
        "address": "华山路 1954号, Gate 2",
        "landmark": "幸福小区 3 号楼",
        "landmark_m": 30,
        "description": TRICKY_TEXT,
        "rating": "mostly_satisfied",
        "duplicate_of": "",
        "outside_area": False,
    }
    assert without_point["geometry"] is None
    assert without_point["properties"]["ref"] == format_ref(_id(no_point))
    assert without_point["properties"]["description"] == "by the gate"
    assert without_point["properties"]["first_response_at"] is None
    assert "lat" not in without_point["properties"]


def test_geojson_without_rows() -> None:
    assert json.loads(to_geojson([])) == {"type": "FeatureCollection", "features": []}


async def test_nothing_personal_is_exported(session: AsyncSession, tmp_path: Path) -> None:
    _, report = await _resolved_report(session, tmp_path)
    (photo,) = await report_photos(session, report_id=_id(report))
    rows = await export_rows(session, community_id=None)

    for text in (to_csv(rows), to_geojson(rows)):
        assert str(TELEGRAM_ID) not in text
        assert FIRST_NAME not in text
        assert "Zhang" not in text
        assert "mobile" not in text  # the private note
        assert photo.telegram_file_id not in text
        assert photo.file_unique_id not in text
        assert photo.path not in text


async def test_community_filter(session: AsyncSession) -> None:
    a = await make_community(session, slug="a")
    b = await make_community(session, slug="b")
    a1 = await _report_in(session, a, created=NOW)
    b1 = await _report_in(session, b, created=NOW)
    a2 = await _report_in(session, a, created=NOW - timedelta(days=1))

    only_a = await export_rows(session, community_id=_id(a))
    everything = await export_rows(session, community_id=None)
    only_b = await export_rows(session, community_id=_id(b))

    assert [row["ref"] for row in only_a] == [format_ref(_id(a1)), format_ref(_id(a2))]
    assert {row["community"] for row in only_a} == {"a"}
    assert [row["ref"] for row in only_b] == [format_ref(_id(b1))]
    assert [row["ref"] for row in everything] == [format_ref(_id(r)) for r in (a1, b1, a2)]
    assert [row["ref"] for row in _read_csv(to_csv(only_b))] == [format_ref(_id(b1))]


async def test_report_without_community(session: AsyncSession) -> None:
    reporter = await make_person(session)
    report = Report(
        reporter_id=reporter.id,
        category=Category.OTHER,
        address="somewhere",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(report)
    await session.flush()

    (row,) = await export_rows(session, community_id=None)
    assert row["community"] == ""
    assert row["ref"] == format_ref(_id(report))


async def test_export_text_by_slug(session: AsyncSession) -> None:
    a = await make_community(session, slug="a")
    b = await make_community(session, slug="b")
    await _report_in(session, a, created=NOW)
    b1 = await _report_in(session, b, created=NOW)

    text = await export_text(session, community_slug="b", export_format="csv")
    assert [row["ref"] for row in _read_csv(text)] == [format_ref(_id(b1))]
    geojson = await export_text(session, community_slug=None, export_format="geojson")
    assert len(json.loads(geojson)["features"]) == 2
    with pytest.raises(UnknownCommunityError, match="nowhere"):
        await export_text(session, community_slug="nowhere", export_format="csv")


def test_csv_defuses_spreadsheet_formulas_in_free_text() -> None:
    row = dict.fromkeys(EXPORT_FIELDS, "")
    row.update(description='=HYPERLINK("http://x")', address="@SUM(A1)", ref="R-000001")
    parsed = next(csv.DictReader(io.StringIO(to_csv([row]))))
    assert parsed["description"] == '\'=HYPERLINK("http://x")'
    assert parsed["address"] == "'@SUM(A1)"
    assert parsed["ref"] == "R-000001"
    assert json.loads(to_geojson([row]))["features"][0]["properties"]["address"] == "@SUM(A1)"
