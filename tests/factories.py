"""Factories that build what a test needs, creating missing parents on the way."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from botapi_sandbox.images import make_photo
from storage.communities import CommunityIn, import_communities
from storage.drafts import add_photo, start_draft, submit_draft
from storage.media import store_photo
from storage.models import Category, Community, Person, Report, ReportDraft
from storage.people import get_or_create_person

_ids = itertools.count(1)
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


async def make_community(
    session: AsyncSession,
    *,
    slug: str | None = None,
    lat: float | None = 31.2066,
    lon: float | None = 121.4270,
    radius_m: float | None = 800,
) -> Community:
    n = next(_ids)
    slug = slug or f"community-{n}"
    item = CommunityIn(
        slug=slug,
        name_zh=f"社区{n}",
        name_en=f"Community {n}",
        lat=lat,
        lon=lon,
        radius_m=radius_m,
    )
    await import_communities(session, items=[item])
    from sqlmodel import select

    return (await session.exec(select(Community).where(Community.slug == slug))).one()


async def make_person(
    session: AsyncSession,
    *,
    community: Community | None = None,
    telegram_id: int | None = None,
    locale: str = "zh",
) -> Person:
    community = community or await make_community(session)
    person, _ = await get_or_create_person(
        session,
        telegram_id=telegram_id or 10_000 + next(_ids),
        first_name="Resident",
        locale=locale,
        now=NOW,
    )
    person.community_id = community.id
    session.add(person)
    await session.flush()
    return person


async def make_report(
    session: AsyncSession,
    *,
    media_dir: Path,
    reporter: Person | None = None,
    category: Category = Category.LITTER,
    now: datetime = NOW,
    lat: float = 31.2067,
    lon: float = 121.4271,
) -> Report:
    reporter = reporter or await make_person(session)
    draft = await start_draft(session, person=reporter, now=now)
    stored = store_photo(make_photo(seed=next(_ids)), media_dir=media_dir)
    n = next(_ids)
    await add_photo(
        session,
        draft=draft,
        stored=stored,
        file_id=f"file-{n}",
        file_unique_id=f"unique-{n}",
        media_group_id=None,
        photos=0,
    )
    await fill_draft(session, draft=draft, lat=lat, lon=lon, category=category)
    return await submit_draft(session, draft=draft, now=now)


async def fill_draft(
    session: AsyncSession, *, draft: ReportDraft, lat: float, lon: float, category: Category
) -> None:
    """A place and a category, as the conversation would have given them."""
    draft.lat, draft.lon, draft.category = lat, lon, category
    session.add(draft)
    await session.flush()
