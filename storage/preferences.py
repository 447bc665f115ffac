"""A resident's settings (/settings): whether they accept notices and polls (both on by default)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.notice_models import ResidentPreference
from storage.writes import insert_or_skip


async def accepts_notices(session: AsyncSession, *, person_id: int) -> bool:
    """Whether notices reach this person; no row means the default, yes."""
    query = select(ResidentPreference.accept_notices).where(
        col(ResidentPreference.person_id) == person_id
    )
    chosen = (await session.exec(query)).first()
    return True if chosen is None else bool(chosen)


async def set_accept_notices(
    session: AsyncSession, *, person_id: int, accept: bool, now: datetime
) -> bool:
    """Record the choice (a row the first time, an update after); returns it."""
    row = ResidentPreference(person_id=person_id, accept_notices=accept, updated_at=now)
    if await insert_or_skip(session, row, conflict=("person_id",)) is None:
        await session.exec(
            update(ResidentPreference)
            .where(col(ResidentPreference.person_id) == person_id)
            .values(accept_notices=accept, updated_at=now)
        )
    return accept


async def accepts_polls(session: AsyncSession, *, person_id: int) -> bool:
    """Whether co-design polls reach this person; no row means the default, yes."""
    query = select(ResidentPreference.accept_polls).where(
        col(ResidentPreference.person_id) == person_id
    )
    chosen = (await session.exec(query)).first()
    return True if chosen is None else bool(chosen)


async def set_accept_polls(
    session: AsyncSession, *, person_id: int, accept: bool, now: datetime
) -> bool:
    """Record the choice (a row the first time, an update after); returns it."""
    row = ResidentPreference(person_id=person_id, accept_polls=accept, updated_at=now)
    if await insert_or_skip(session, row, conflict=("person_id",)) is None:
        await session.exec(
            update(ResidentPreference)
            .where(col(ResidentPreference.person_id) == person_id)
            .values(accept_polls=accept, updated_at=now)
        )
    return accept
