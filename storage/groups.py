"""Group chats linked to a community's committee or to a department (issue 13).

A chat is linked by a planner of its community (admins: any); the handler checks that with
the planner's scope before it calls `link_chat`. Unlinking keeps the row (inactive) and stops
its digest schedule. A group that becomes a supergroup keeps its link under the new id; a
group that removes the bot is unlinked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    ChatKind,
    DigestSchedule,
    LinkedChat,
    OutboxMessage,
    OutboxStatus,
)
from storage.writes import insert_or_skip


async def linked_chat(session: AsyncSession, *, chat_id: int) -> LinkedChat | None:
    """The chat's link, if it is linked now."""
    query = select(LinkedChat).where(LinkedChat.chat_id == chat_id, col(LinkedChat.active))
    return (await session.exec(query)).first()


async def committee_chats(session: AsyncSession, *, community_id: int) -> list[LinkedChat]:
    """The community's linked committee chats (a notice's group audience)."""
    query = select(LinkedChat).where(
        LinkedChat.community_id == community_id,
        LinkedChat.kind == ChatKind.COMMITTEE,
        col(LinkedChat.active),
    )
    return list((await session.exec(query.order_by(col(LinkedChat.id)))).all())


async def link_chat(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: ChatKind,
    community_id: int | None,
    department: str | None,
    locale: str,
    by: int | None,
    now: datetime,
) -> LinkedChat:
    """Link (or re-link, with new terms) a group chat; one row per chat for ever."""
    values: dict[str, Any] = {
        "active": True,
        "kind": kind.value,
        "community_id": community_id,
        "department": department,
        "locale": locale,
        "linked_by": by,
        "linked_at": now,
    }
    row = LinkedChat(chat_id=chat_id, **values)
    stored = await insert_or_skip(session, row, conflict=("chat_id",))
    if stored is not None:
        return stored
    existing = (await session.exec(select(LinkedChat).where(LinkedChat.chat_id == chat_id))).one()
    if existing.kind != kind or existing.community_id != community_id:
        await _stop_schedule(session, linked_chat_id=existing.id)
    for name, value in values.items():
        setattr(existing, name, value)
    session.add(existing)
    await session.flush()
    return existing


async def unlink_chat(session: AsyncSession, *, chat_id: int) -> LinkedChat | None:
    """Unlink the chat and stop its digests; the link that was there, or None."""
    chat = await linked_chat(session, chat_id=chat_id)
    if chat is None:
        return None
    chat.active = False
    session.add(chat)
    await _stop_schedule(session, linked_chat_id=chat.id)
    await session.flush()
    return chat


async def _stop_schedule(session: AsyncSession, *, linked_chat_id: int | None) -> None:
    await session.exec(
        delete(DigestSchedule).where(col(DigestSchedule.linked_chat_id) == linked_chat_id)
    )


async def chat_migrated(session: AsyncSession, *, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup (`migrate_to_chat_id`): its link, and whatever the outbox
    still has to send there, move to the new id. False when the old chat was not linked."""
    moved = await session.exec(
        update(LinkedChat)
        .where(col(LinkedChat.chat_id) == old_chat_id)
        .where(col(LinkedChat.chat_id) != new_chat_id)
        .values(chat_id=new_chat_id)
    )
    if not moved.rowcount:
        return False
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.chat_id) == old_chat_id)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(chat_id=new_chat_id)
    )
    return True


async def bot_removed(session: AsyncSession, *, chat_id: int) -> bool:
    """The bot was removed from the group (or the group deleted): unlink it, and what was
    still to be sent there is dropped (marked failed, nothing can reach it)."""
    chat = await unlink_chat(session, chat_id=chat_id)
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.chat_id) == chat_id)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(status=OutboxStatus.FAILED, last_error="the bot was removed from the group")
    )
    return chat is not None
