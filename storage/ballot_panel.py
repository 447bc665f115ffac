"""A community's ballot panel (issue 14): residents who joined with a one-time code
(`/invite panel SLUG`, then `/join CODE`; storage/roles.py), as `person_role` rows with the
role "panel". A planner of the community lists and removes them."""

from __future__ import annotations

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person, PersonRole, Role
from storage.roles import has_role


async def panel_members(session: AsyncSession, *, community_id: int) -> list[Person]:
    query = (
        select(Person)
        .join(PersonRole, col(PersonRole.person_id) == col(Person.id))
        .where(PersonRole.community_id == community_id, PersonRole.role == Role.PANEL)
        .order_by(col(PersonRole.granted_at), col(Person.id))
    )
    return list((await session.exec(query)).all())


async def remove_member(session: AsyncSession, *, person_id: int, community_id: int) -> bool:
    """Take the person off the panel; False when they were not on it."""
    if not await has_role(session, person_id=person_id, community_id=community_id, role=Role.PANEL):
        return False
    await session.exec(
        delete(PersonRole).where(
            col(PersonRole.person_id) == person_id,
            col(PersonRole.community_id) == community_id,
            col(PersonRole.role) == Role.PANEL,
        )
    )
    return True
