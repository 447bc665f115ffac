"""Communities: import files, listing, nearest by location."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.communities import (
    CommunityFileError,
    import_communities,
    nearest_community,
    read_communities_file,
)
from storage.landmarks import (
    LANDMARK_RADIUS_M,
    landmark_choices,
    landmark_named,
    nearest_landmark,
)
from storage.residents import communities_page

EXAMPLE = Path(__file__).parents[2] / "bot" / "examples" / "communities.yaml"


def test_example_file_reads() -> None:
    items = read_communities_file(EXAMPLE)
    assert [c.slug for c in items] == ["xinhua-road", "caojiadu", "tianzifang"]


def test_toml_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[[communities]]\nslug = "a"\nname_zh = "甲"\nname_en = "A"\n', encoding="utf-8"
    )
    assert read_communities_file(path)[0].name_zh == "甲"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("communities: []", "non-empty list"),
        ("communities:\n  - slug: Bad Slug\n    name_zh: a\n    name_en: b", "#1: slug"),
        ("communities:\n  - slug: a\n    name_zh: a\n    name_en: b\n    lat: 1", "lat and lon"),
        ("communities: [", "not valid YAML"),
        (
            "communities:\n  - {slug: a, name_zh: a, name_en: b}\n"
            "  - {slug: a, name_zh: c, name_en: d}",
            "twice",
        ),
    ],
)
def test_bad_files_say_where(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommunityFileError, match=message):
        read_communities_file(path)


async def test_import_is_idempotent_and_updates(session: AsyncSession) -> None:
    items = read_communities_file(EXAMPLE)
    assert await import_communities(session, items=items) == (3, 0)
    items[0].name_en = "Renamed"
    assert await import_communities(session, items=items) == (0, 3)
    listed = await communities_page(session, page=1, size=1)
    assert (listed.total, listed.pages) == (3, 3)
    first = listed.items[0]
    assert first.name_en == "Renamed"


async def test_nearest_community_and_inside(session: AsyncSession) -> None:
    await import_communities(session, items=read_communities_file(EXAMPLE))
    found = await nearest_community(session, lat=31.2070, lon=121.4275)
    assert found is not None
    community, distance, inside = found
    assert community.slug == "xinhua-road"
    assert distance < 100
    assert inside
    far = await nearest_community(session, lat=39.9, lon=116.4)  # Beijing
    assert far is not None
    assert not far[2]


async def test_landmarks_are_imported_replaced_and_found_within_their_radius(
    session: AsyncSession,
) -> None:
    items = read_communities_file(EXAMPLE)
    assert [len(c.landmarks) for c in items] == [4, 4, 3], "3-5 landmarks per example community"
    await import_communities(session, items=items)
    near = await nearest_landmark(session, lat=31.2069, lon=121.4273)
    assert near is not None
    assert (near.landmark.name_zh, near.distance_m) == ("幸福小区 3 号楼", 29)
    # just inside and just outside the radius, due north of "社区文化活动中心"
    metres_per_degree = 111_195.0
    inside = 31.2079 + (LANDMARK_RADIUS_M - 5) / metres_per_degree
    outside = 31.2079 + (LANDMARK_RADIUS_M + 5) / metres_per_degree
    found = await nearest_landmark(session, lat=inside, lon=121.4290)
    assert found is not None
    assert found.landmark.name_en == "Community Culture Centre"
    assert await nearest_landmark(session, lat=outside, lon=121.4290) is None
    items[0].landmarks = items[0].landmarks[:1]  # a file with fewer: the others are gone
    await import_communities(session, items=items)
    community = (await communities_page(session, page=1, size=1)).items[0]
    choices = await landmark_choices(session, community_id=community.id)
    assert [lm.name_zh for lm in choices] == ["幸福小区 3 号楼"]
    named = await landmark_named(session, name="Xingfu Estate, Building 3", community_id=None)
    assert named is not None
    assert named.name_zh == "幸福小区 3 号楼"


def test_a_landmark_needs_both_names_and_a_point(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "communities:\n  - slug: a\n    name_zh: 甲\n    name_en: A\n"
        "    landmarks:\n      - {name_zh: 北门, lat: 31.2, lon: 121.4}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommunityFileError, match=r"landmarks\.0\.name_en"):
        read_communities_file(path)
