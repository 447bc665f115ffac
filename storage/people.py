"""People: residents (and later planners) known by their Telegram id."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.writes import insert_or_skip


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
        note_contact(session, person=person, first_name=first_name)
        return person, False
    return await create_person(
        session, telegram_id=telegram_id, first_name=first_name, locale=locale, now=now
    )


async def create_person(
    session: AsyncSession, *, telegram_id: int, first_name: str, locale: str, now: datetime
) -> tuple[Person, bool]:
    """Someone we have not met (one query less than get_or_create_person); (person, created).

    Two first updates of the same person racing each other both get the one row:
    INSERT … ON CONFLICT DO NOTHING, and the loser reads the winner's row
    (tests/storage/test_concurrent_writes.py, `test_two_updates_of_a_new_person`).
    """
    row = Person(
        telegram_id=telegram_id, first_name=first_name[:200], locale=locale, created_at=now
    )
    created = await insert_or_skip(session, row, conflict=("telegram_id",))
    if created is not None:
        return created, True
    person = await get_person(session, telegram_id=telegram_id)
    assert person is not None
    return person, False


def note_contact(session: AsyncSession, *, person: Person, first_name: str) -> None:
    """They wrote to us: keep the name Telegram gives (planners see it) up to date, and
    someone who had blocked the bot is reachable again (tests/conversation/test_outbox.py,
    `test_a_resident_who_unblocks_and_writes_hears_again`)."""
    if first_name and person.first_name != first_name[:200]:
        person.first_name = first_name[:200]
        session.add(person)
    if person.unreachable:
        person.unreachable = False
        session.add(person)


async def set_locale(session: AsyncSession, *, person: Person, locale: str) -> None:
    person.locale = locale
    session.add(person)


async def set_community(session: AsyncSession, *, person: Person, community_id: int) -> None:
    person.community_id = community_id
    session.add(person)
