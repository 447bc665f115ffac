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
        note_first_name(session, person=person, first_name=first_name)
        return person, False
    return await create_person(
        session, telegram_id=telegram_id, first_name=first_name, locale=locale, now=now
    ), True


async def create_person(
    session: AsyncSession, *, telegram_id: int, first_name: str, locale: str, now: datetime
) -> Person:
    """Someone we have not met (one query less than get_or_create_person)."""
    person = Person(
        telegram_id=telegram_id, first_name=first_name[:200], locale=locale, created_at=now
    )
    session.add(person)
    await session.flush()
    return person


def note_first_name(session: AsyncSession, *, person: Person, first_name: str) -> None:
    """Keep the name Telegram gives (planners see it) up to date."""
    if first_name and person.first_name != first_name[:200]:
        person.first_name = first_name[:200]
        session.add(person)


async def set_locale(session: AsyncSession, *, person: Person, locale: str) -> None:
    person.locale = locale
    session.add(person)


async def set_community(session: AsyncSession, *, person: Person, community_id: int) -> None:
    person.community_id = community_id
    session.add(person)
