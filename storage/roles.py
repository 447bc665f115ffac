"""Roles: planners per community, invited with one-time codes; admins come from settings."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Community, Invite, Person, PersonRole, Role

INVITE_TTL = timedelta(hours=48)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


class RoleError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


async def create_invite(
    session: AsyncSession,
    *,
    community_id: int,
    created_by: int | None,
    now: datetime,
    role: Role = Role.PLANNER,
) -> Invite:
    """A one-time code for `role` (a planner, or a member of the community's ballot panel)."""
    invite = Invite(
        code=new_code(),
        role=role,
        community_id=community_id,
        created_by=created_by,
        created_at=now,
        expires_at=now + INVITE_TTL,
    )
    session.add(invite)
    await session.flush()
    return invite


async def redeem_invite(
    session: AsyncSession, *, code: str, person: Person, now: datetime
) -> Community:
    """Make `person` a planner of the invite's community; the code then stops working."""
    community, _role = await redeem_code(session, code=code, person=person, now=now)
    return community


async def redeem_code(
    session: AsyncSession, *, code: str, person: Person, now: datetime
) -> tuple[Community, str]:
    """Give `person` the invite's role in its community; the code then stops working."""
    assert person.id is not None
    query = select(Invite).where(Invite.code == code.strip().upper()).with_for_update()
    invite = (await session.exec(query)).first()
    if invite is None:
        raise RoleError("unknown")
    if invite.used_at is not None:
        raise RoleError("used")
    if invite.expires_at <= now:
        raise RoleError("expired")
    invite.used_at, invite.used_by = now, person.id
    session.add(invite)
    if not await has_role(
        session, person_id=person.id, community_id=invite.community_id, role=invite.role
    ):
        session.add(
            PersonRole(
                person_id=person.id,
                role=invite.role,
                community_id=invite.community_id,
                granted_at=now,
            )
        )
    community = await session.get(Community, invite.community_id)
    assert community is not None
    await session.flush()
    return community, invite.role


async def is_planner(session: AsyncSession, *, person_id: int, community_id: int) -> bool:
    return await has_role(
        session, person_id=person_id, community_id=community_id, role=Role.PLANNER
    )


async def has_role(session: AsyncSession, *, person_id: int, community_id: int, role: str) -> bool:
    query = select(PersonRole.id).where(
        PersonRole.person_id == person_id,
        PersonRole.role == role,
        PersonRole.community_id == community_id,
    )
    return (await session.exec(query)).first() is not None


async def planner_communities(session: AsyncSession, *, person_id: int) -> list[int]:
    query = (
        select(PersonRole.community_id)
        .where(PersonRole.person_id == person_id, PersonRole.role == Role.PLANNER)
        .order_by(col(PersonRole.community_id))
    )
    return list((await session.exec(query)).all())


async def all_community_ids(session: AsyncSession) -> list[int]:
    query = select(Community.id).order_by(col(Community.id))
    return [i for i in (await session.exec(query)).all() if i is not None]


async def planners_of(session: AsyncSession, *, community_id: int) -> list[Person]:
    query = (
        select(Person)
        .join(PersonRole, col(PersonRole.person_id) == col(Person.id))
        .where(PersonRole.community_id == community_id, PersonRole.role == Role.PLANNER)
        .order_by(col(Person.id))
    )
    return list((await session.exec(query)).all())


async def planners_by_community(
    session: AsyncSession, *, community_ids: Sequence[int]
) -> list[tuple[Community, list[Person]]]:
    """Who serves each of these communities (in the order given), in two queries."""
    communities = {
        c.id: c
        for c in (
            await session.exec(select(Community).where(col(Community.id).in_(list(community_ids))))
        ).all()
    }
    query = (
        select(PersonRole.community_id, Person)
        .join(Person, col(PersonRole.person_id) == col(Person.id))
        .where(
            col(PersonRole.community_id).in_(list(community_ids)), PersonRole.role == Role.PLANNER
        )
        .order_by(col(Person.id))
    )
    serving: dict[int, list[Person]] = {}
    for community_id, person in (await session.exec(query)).all():
        serving.setdefault(community_id, []).append(person)
    return [(communities[i], serving.get(i, [])) for i in community_ids if i in communities]


async def revoke_planner(session: AsyncSession, *, person_id: int, community_id: int) -> bool:
    """Remove the planner role; False when they did not have it."""
    if not await is_planner(session, person_id=person_id, community_id=community_id):
        return False
    await session.exec(
        delete(PersonRole).where(
            col(PersonRole.person_id) == person_id,
            col(PersonRole.community_id) == community_id,
            col(PersonRole.role) == Role.PLANNER,
        )
    )
    return True


async def community_by_slug(session: AsyncSession, *, slug: str) -> Community | None:
    return (await session.exec(select(Community).where(Community.slug == slug))).first()
