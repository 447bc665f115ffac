"""The outbox: messages written with the change that causes them, claimed before they are sent.

Rows hold a message kind and its parameters; the sender (bot/outbox.py) renders them in the
recipient's locale. A row's life:

    pending --claim_due--> sending --mark_sent--> sent (pruned after the retention period)
                              |----postpone---> pending again, later (429 or a transient error)
                              |----mark_failed / mark_blocked--> failed / blocked
                              '----sweep (the claimer died)--> pending

A chat's rows are claimed one at a time, in the order they were written (`claim_due`).

The guarantee, exactly as it holds: nothing is ever lost (a claimed row that is never marked
goes back to `pending` after the claim timeout), and a row is sent twice only if its process
died between Telegram's answer and the mark, so duplicates after a crash are at most the sends
that were in flight. Two senders never claim the same row: the claim is one committed
`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING …` (on SQLite the
same statement under its single writer). Proved by tests/storage/test_outbox_claims.py
(`test_two_senders_deliver_each_row_once`, `test_a_sender_killed_between_send_and_mark`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists
from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage, OutboxStatus, Person
from storage.roles import planners_of
from storage.writes import insert_or_skip

MAX_ATTEMPTS = 8  # claims that ended in an error (or a dead sender) before a row is failed


async def enqueue(
    session: AsyncSession,
    *,
    person: Person,
    kind: str,
    params: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> int | None:
    """Queue a message to a person; its id, or None when they are unreachable or a row with
    the same dedupe key exists (also when another transaction wrote it a moment ago)."""
    if person.unreachable:
        return None
    row = OutboxMessage(
        chat_id=person.telegram_id,
        person_id=person.id,
        locale=person.locale,
        kind=kind,
        params=params,
        dedupe_key=dedupe_key,
        not_before=now,
        created_at=now,
    )
    if dedupe_key is None:
        session.add(row)
        await session.flush()
        return row.id
    stored = await insert_or_skip(session, row, conflict=("dedupe_key",))
    return None if stored is None else stored.id


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
        message_id = await enqueue(
            session, person=planner, kind=kind, params=params, now=now, dedupe_key=key
        )
        queued += message_id is not None
    return queued


_EARLIER = OutboxMessage.__table__.alias("earlier")  # type: ignore[attr-defined]

# A row to the same chat, written before this one, still waiting or being sent: this row waits
# for it. The partial index `ix_outbox_message_open_by_chat` answers it.
_EARLIER_OPEN_ROW = exists().where(
    _EARLIER.c.chat_id == col(OutboxMessage.chat_id),
    _EARLIER.c.id < col(OutboxMessage.id),
    _EARLIER.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
)


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, claimer: str
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows for `claimer`: pending -> sending, attempts + 1.

    One chat's messages go in the order they were written: a row is claimed only when no
    earlier row to its chat is pending (due or postponed) or being sent, so a claim holds at
    most one row per chat, and a postponed row holds back the ones after it until it is sent,
    failed or blocked (`test_a_postponed_row_holds_back_the_later_ones_to_its_chat`,
    `test_a_failed_send_does_not_let_the_next_message_overtake_it`). "Written" is the order
    of ids; two transactions writing to one chat at the same moment may commit in the
    other order.

    Commit the session before sending: the committed claim is what keeps every other sender
    off these rows (the row lock alone ends with the transaction).
    """
    due = (
        select(OutboxMessage.id)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .where(col(OutboxMessage.not_before) <= now)
        .where(~_EARLIER_OPEN_ROW)
        .order_by(col(OutboxMessage.not_before), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer at a time
    )
    claim = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(due))
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=now,
            claimed_by=claimer,
            attempts=col(OutboxMessage.attempts) + 1,
        )
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    rows = list((await session.exec(claim)).scalars().all())
    return sorted(rows, key=lambda row: (row.not_before, row.id or 0))


def _claimed(message_id: int, claimer: str) -> Any:
    """The row, only while it is still this claimer's (a sweep may have handed it on)."""
    return (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .where(col(OutboxMessage.status) == OutboxStatus.SENDING)
        .where(col(OutboxMessage.claimed_by) == claimer)
    )


async def mark_sent(
    session: AsyncSession,
    *,
    message_id: int,
    claimer: str,
    telegram_message_id: int | None,
    now: datetime,
) -> bool:
    """Telegram confirmed it; False when the claim was no longer ours (nothing changed)."""
    result = await session.exec(
        _claimed(message_id, claimer).values(
            status=OutboxStatus.SENT, sent_at=now, telegram_message_id=telegram_message_id
        )
    )
    return int(result.rowcount) == 1


async def postpone(
    session: AsyncSession,
    *,
    message_id: int,
    claimer: str,
    until: datetime,
    error: str,
    count_attempt: bool,
) -> None:
    """Back to pending until `until`. A 429 (count_attempt=False) gives its claim back; after
    MAX_ATTEMPTS counted attempts the row is given up as failed."""
    given_back = 0 if count_attempt else 1
    await session.exec(
        _claimed(message_id, claimer).values(
            status=OutboxStatus.PENDING,
            attempts=col(OutboxMessage.attempts) - given_back,
            not_before=until,
            last_error=error[:500],
            claimed_at=None,
            claimed_by=None,
        )
    )
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .where(col(OutboxMessage.attempts) >= MAX_ATTEMPTS)
        .values(status=OutboxStatus.FAILED)
    )


async def release(
    session: AsyncSession, *, message_ids: list[int], claimer: str, until: datetime | None = None
) -> None:
    """Give back claims that were never tried (a 429 pause, a chat's gap, or the sender
    stopping); with `until`, not before then, else in their place (`not_before` kept)."""
    if not message_ids:
        return
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(message_ids))
        .where(col(OutboxMessage.status) == OutboxStatus.SENDING)
        .where(col(OutboxMessage.claimed_by) == claimer)
        .values(
            status=OutboxStatus.PENDING,
            attempts=col(OutboxMessage.attempts) - 1,
            not_before=col(OutboxMessage.not_before) if until is None else until,
            claimed_at=None,
            claimed_by=None,
        )
    )


async def mark_failed(session: AsyncSession, *, message_id: int, claimer: str, error: str) -> None:
    await session.exec(
        _claimed(message_id, claimer).values(status=OutboxStatus.FAILED, last_error=error[:500])
    )


async def mark_blocked(
    session: AsyncSession, *, message_id: int, claimer: str, chat_id: int
) -> None:
    """The person blocked the bot: this row and every pending row to them stop here, and
    nothing more is queued for them until they write to the bot again (`mark_reachable`)."""
    await session.exec(_claimed(message_id, claimer).values(status=OutboxStatus.BLOCKED))
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.chat_id) == chat_id)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(status=OutboxStatus.BLOCKED)
    )
    await session.exec(
        update(Person).where(col(Person.telegram_id) == chat_id).values(unreachable=True)
    )


async def sweep_stale_claims(
    session: AsyncSession, *, now: datetime, claim_timeout: timedelta
) -> int:
    """Rows left in `sending` longer than `claim_timeout` (their sender died) go back to pending, or
    to failed when they have used up their attempts; returns how many were swept."""
    stale = (
        update(OutboxMessage)
        .where(col(OutboxMessage.status) == OutboxStatus.SENDING)
        .where(col(OutboxMessage.claimed_at) < now - claim_timeout)
    )
    failed = await session.exec(
        stale.where(col(OutboxMessage.attempts) >= MAX_ATTEMPTS).values(
            status=OutboxStatus.FAILED, last_error="sender died while sending (claim timed out)"
        )
    )
    returned = await session.exec(
        stale.values(status=OutboxStatus.PENDING, not_before=now, claimed_at=None, claimed_by=None)
    )
    return int(failed.rowcount or 0) + int(returned.rowcount or 0)


async def prune_sent(session: AsyncSession, *, now: datetime, retention: timedelta) -> int:
    """Delete rows sent more than `retention` ago; returns how many."""
    result = await session.exec(
        delete(OutboxMessage)
        .where(col(OutboxMessage.status) == OutboxStatus.SENT)
        .where(col(OutboxMessage.sent_at) < now - retention)
    )
    return int(result.rowcount or 0)


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
    return dict((await session.exec(query)).all())


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … seconds, capped at five minutes."""
    return timedelta(seconds=min(300, 2 ** max(0, attempts - 1)))
