"""The outbox: messages written with the change that causes them, drained by one sender.

Rows hold a message kind and its parameters; the sender (bot/outbox.py) renders them in the
recipient's locale. A row is sent at most once after Telegram confirmed it: the sender marks
it sent in its own transaction right after the confirmation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage, OutboxStatus, Person
from storage.roles import planners_of

MAX_ATTEMPTS = 8


async def enqueue(
    session: AsyncSession,
    *,
    person: Person,
    kind: str,
    params: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Queue a message to a person; None when they are unreachable or it was queued already."""
    if person.unreachable:
        return None
    if dedupe_key is not None:
        existing = await session.exec(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if existing.first() is not None:
            return None
    message = OutboxMessage(
        chat_id=person.telegram_id,
        person_id=person.id,
        locale=person.locale,
        kind=kind,
        params=params,
        dedupe_key=dedupe_key,
        not_before=now,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    return message


async def enqueue_to_planners(
    session: AsyncSession,
    *,
    community_id: int | None,
    kind: str,
    params: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> int:
    """Queue the same message to every planner of a community; returns how many were queued.

    With a dedupe key, each planner's row gets `<key>:<planner id>`.
    """
    if community_id is None:
        return 0
    queued = 0
    for planner in await planners_of(session, community_id=community_id):
        key = None if dedupe_key is None else f"{dedupe_key}:{planner.id}"
        message = await enqueue(
            session, person=planner, kind=kind, params=params, now=now, dedupe_key=key
        )
        queued += message is not None
    return queued


async def due_messages(session: AsyncSession, *, now: datetime, limit: int) -> list[OutboxMessage]:
    """Pending rows whose time has come, oldest first.

    On PostgreSQL rows are locked with SKIP LOCKED, so several senders never take the same row.
    """
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, col(OutboxMessage.not_before) <= now)
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list((await session.exec(query)).all())


async def mark_sent(
    session: AsyncSession, *, message_id: int, telegram_message_id: int | None, now: datetime
) -> None:
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(status=OutboxStatus.SENT, sent_at=now, telegram_message_id=telegram_message_id)
    )


async def postpone(
    session: AsyncSession, *, message_id: int, until: datetime, error: str, count_attempt: bool
) -> None:
    """Try again later; after MAX_ATTEMPTS counted failures the row is given up as failed."""
    message = await session.get(OutboxMessage, message_id)
    if message is None:
        return
    if count_attempt:
        message.attempts += 1
    message.not_before = until
    message.last_error = error[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
    session.add(message)


async def mark_failed(session: AsyncSession, *, message_id: int, error: str) -> None:
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(status=OutboxStatus.FAILED, last_error=error[:500])
    )


async def mark_blocked(session: AsyncSession, *, message_id: int, chat_id: int) -> None:
    """The person blocked the bot: this row and every pending row to them stop here."""
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.chat_id) == chat_id,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.BLOCKED)
    )
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(status=OutboxStatus.BLOCKED)
    )
    await session.exec(
        update(Person).where(col(Person.telegram_id) == chat_id).values(unreachable=True)
    )


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
    return dict((await session.exec(query)).all())


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … seconds, capped at five minutes."""
    return timedelta(seconds=min(300, 2 ** max(0, attempts)))
