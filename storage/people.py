"""People: residents (and later planners) known by their Telegram id."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person


async def get_person(session: AsyncSession, *, telegram_id: int) -> Person | None:
    return (await session.exec(select(Person).where(Person.telegram_id == telegram_id))).first()


async def get_or_create_person(
    session: AsyncSession,
    *,
    telegram_id: int,
    first_name: str,
    locale: str,
    now: datetime,
) -> tuple[Person, bool]:
    """The person with this Telegram id, creating them with `locale`; (person, created)."""
    person = await get_person(session, telegram_id=telegram_id)
    if person is not None:
        if first_name and person.first_name != first_name[:200]:
            person.first_name = first_name[:200]
            session.add(person)
        return person, False
    person = Person(
        telegram_id=telegram_id, first_name=first_name[:200], locale=locale, created_at=now
    )
    session.add(person)
    await session.flush()
    return person, True


async def set_locale(session: AsyncSession, *, person: Person, locale: str) -> None:
    person.locale = locale
    session.add(person)


async def set_community(session: AsyncSession, *, person: Person, community_id: int) -> None:
    person.community_id = community_id
    session.add(person)
