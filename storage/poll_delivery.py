"""Sending a poll: its audience, one outbox row per recipient, and each copy as it went out.

Audience: the residents of the poll's community who accept polls (`/settings`, on by
default) and are reachable, plus the community's committee chats (`storage.groups`). Send
moves the poll from `draft` to `open` once (`UPDATE … WHERE status = 'draft' AND version =
:seen`) and writes every recipient's row in the same transaction, each with the dedupe key
`poll:<id>:p<person>` (`:c<chat>` for a group), so a poll is queued once per recipient even
if Send is pressed twice (tests/conversation/test_polls.py::test_send_pressed_twice_sends_once).

The outbox sender records each copy (`record_copy`) with Telegram's poll id, in the same
transaction as it marks the row sent: votes are matched to their poll by that id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists
from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.communities import get_community
from storage.groups import committee_chats
from storage.models import OutboxMessage, Person
from storage.notice_models import ResidentPreference
from storage.poll_models import Poll, PollCopy, PollStatus
from storage.polls import PollError, draft_for
from storage.triage import Scope
from storage.writes import insert_or_skip

POLL_KIND = "poll"


@dataclass(frozen=True)
class Audience:
    residents: int
    chats: int


def recipients(community_id: int) -> Any:
    """Ids of the residents a poll of this community goes to."""
    opted_out = exists().where(
        col(ResidentPreference.person_id) == col(Person.id),
        col(ResidentPreference.accept_polls).is_(False),
    )
    return select(Person.id).where(
        col(Person.community_id) == community_id,
        col(Person.unreachable).is_(False),
        ~opted_out,
    )


async def audience(session: AsyncSession, *, poll: Poll) -> Audience:
    """How many residents and committee chats the poll would reach if sent now."""
    query = select(func.count()).select_from(recipients(poll.community_id).subquery())
    residents = int((await session.exec(query)).one())
    chats = await committee_chats(session, community_id=poll.community_id)
    return Audience(residents=residents, chats=len(chats))


async def community_label(session: AsyncSession, *, poll: Poll) -> tuple[str, str]:
    community = await get_community(session, community_id=poll.community_id)
    return ("", "") if community is None else (community.name_zh, community.name_en)


def poll_params(poll: Poll) -> dict[str, Any]:
    """What each recipient's outbox row carries: the native poll, and its pictures."""
    return {
        "poll_id": poll.id,
        "question": poll.question,
        "options": list(poll.options),
        "multiple": poll.multiple,
        "anonymous": poll.anonymous,
        "photos": list(poll.photos),
    }


async def send_poll(
    session: AsyncSession, *, scope: Scope, poll_id: int, version: int, now: datetime
) -> Poll:
    """Open the poll and queue it to its audience once; the poll (now `open`, with its total
    and closing time). Refused (PollError) when sent or cancelled already, or stale."""
    poll = await draft_for(session, scope=scope, poll_id=poll_id, version=version)
    closes_at = now + timedelta(days=poll.days)
    moved = await session.exec(
        update(Poll)
        .where(col(Poll.id) == poll_id)
        .where(col(Poll.status) == PollStatus.DRAFT, col(Poll.version) == version)
        .values(status=PollStatus.OPEN, opened_at=now, closes_at=closes_at)
    )
    if int(moved.rowcount) != 1:
        raise PollError("already_sent")
    params = poll_params(poll)
    people = await session.exec(
        select(Person.id, Person.telegram_id, Person.locale)
        .where(col(Person.id).in_(recipients(poll.community_id)))
        .order_by(col(Person.id))
    )
    targets = [(chat, locale, f"p{person}", person) for person, chat, locale in people.all()]
    for chat in await committee_chats(session, community_id=poll.community_id):
        targets.append((chat.chat_id, chat.locale, f"c{chat.chat_id}", None))
    for chat_id, locale, who, person_id in targets:
        row = OutboxMessage(
            chat_id=chat_id,
            person_id=person_id,
            locale=locale,
            kind=POLL_KIND,
            params=params,
            dedupe_key=f"poll:{poll_id}:{who}",
            not_before=now,
            created_at=now,
        )
        await insert_or_skip(session, row, conflict=("dedupe_key",))
    await session.refresh(poll)
    poll.total = len(targets)
    session.add(poll)
    await session.flush()
    return poll


async def record_copy(
    session: AsyncSession, *, poll_id: int, chat_id: int, message_id: int, telegram_poll_id: str
) -> None:
    """A copy went out (the sender, as it marks the row sent); once per poll and chat."""
    row = PollCopy(
        poll_id=poll_id, chat_id=chat_id, message_id=message_id, telegram_poll_id=telegram_poll_id
    )
    await insert_or_skip(session, row, conflict=("poll_id", "chat_id"))


@dataclass(frozen=True)
class Preview:
    """What the planner sees before Send: the poll, to whom, and the community's names."""

    poll: Poll
    audience: Audience
    community_zh: str
    community_en: str


async def preview(session: AsyncSession, *, poll: Poll) -> Preview:
    zh, en = await community_label(session, poll=poll)
    return Preview(poll, await audience(session, poll=poll), zh, en)
