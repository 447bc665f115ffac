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
