"""Votes, results and closing: a poll's count adds up across every copy sent.

- Non-anonymous polls count `poll_answer` updates: each voter is one `poll_vote` row with
  their latest choice (a change replaces it, a retraction deletes it), so a resident who
  changes or retracts a vote counts once, with the latest choice. A voter who is not a
  resident of the poll's community (someone in a committee chat who never chose it, or a
  resident of another community) is not counted.
- Anonymous polls count `poll` updates: each copy keeps Telegram's latest totals, and the
  result is their sum (Telegram names no voter, so here nobody can be left out).

Closing (`bot/poll_jobs.py`): a due poll's copies are stopped one by one (`mark_stopped`
records each, with the final totals stopPoll returned), then `finish` moves the poll from
`open` to `closed` once, stores the result and queues it (one row per voter and committee
chat, dedupe key `poll_result:<id>:…`) in one transaction: a restart in the middle stops
the copies left and closes it then (tests/conversation/test_polls.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.groups import committee_chats
from storage.models import OutboxMessage, OutboxStatus, Person
from storage.poll_delivery import POLL_KIND, community_label
from storage.poll_models import Poll, PollCopy, PollStatus, PollVote
from storage.writes import insert_or_skip

POLL_RESULT = "poll_result"


@dataclass(frozen=True)
class Tally:
    counts: list[int]  # votes per option
    voters: int

    def as_params(self) -> dict[str, Any]:
        return {"counts": self.counts, "voters": self.voters}


async def _poll_of_copy(session: AsyncSession, telegram_poll_id: str) -> Poll | None:
    query = (
        select(Poll)
        .join(PollCopy, col(PollCopy.poll_id) == col(Poll.id))
        .where(PollCopy.telegram_poll_id == telegram_poll_id)
    )
    return (await session.exec(query)).first()


async def record_answer(
    session: AsyncSession,
    *,
    telegram_poll_id: str,
    telegram_user_id: int,
    option_ids: Sequence[int],
    now: datetime,
) -> bool:
    """A `poll_answer`: the voter's latest choice (none: retracted). False when it does not
    count: an unknown or closed poll, an anonymous one, or a voter from outside."""
    poll = await _poll_of_copy(session, telegram_poll_id)
    if poll is None or poll.status != PollStatus.OPEN or poll.anonymous:
        return False
    person_id = (
        await session.exec(
            select(Person.id).where(
                Person.telegram_id == telegram_user_id, Person.community_id == poll.community_id
            )
        )
    ).first()
    if person_id is None or poll.id is None:
        return False
    chosen = sorted({int(i) for i in option_ids if 0 <= int(i) < len(poll.options)})
    mine = (col(PollVote.poll_id) == poll.id, col(PollVote.person_id) == person_id)
    if not chosen:
        await session.exec(delete(PollVote).where(*mine))
        return True
    row = PollVote(poll_id=poll.id, person_id=person_id, option_ids=chosen, updated_at=now)
    if await insert_or_skip(session, row, conflict=("poll_id", "person_id")) is None:
        await session.exec(update(PollVote).where(*mine).values(option_ids=chosen, updated_at=now))
    return True


async def record_totals(
    session: AsyncSession, *, telegram_poll_id: str, counts: Sequence[int], voters: int
) -> bool:
    """A `poll` update: an anonymous copy's latest totals. False when it does not count."""
    poll = await _poll_of_copy(session, telegram_poll_id)
    if poll is None or poll.status != PollStatus.OPEN or not poll.anonymous:
        return False
    await session.exec(
        update(PollCopy)
        .where(col(PollCopy.telegram_poll_id) == telegram_poll_id)
        .values(counts=[int(c) for c in counts], voters=int(voters))
    )
    return True


async def tally(session: AsyncSession, *, poll: Poll) -> Tally:
    """The count as it is now (the stored result, once closed)."""
    if poll.status == PollStatus.CLOSED:
        return Tally(list(poll.result), poll.voters)
    counts = [0] * len(poll.options)
    if poll.anonymous:
        copies = await session.exec(select(PollCopy).where(PollCopy.poll_id == poll.id))
        voters = 0
        for copy in copies.all():
            voters += copy.voters
            for index, count in enumerate(copy.counts[: len(counts)]):
                counts[index] += int(count)
        return Tally(counts, voters)
    votes = list((await session.exec(select(PollVote).where(PollVote.poll_id == poll.id))).all())
    for vote in votes:
        for index in vote.option_ids:
            if 0 <= index < len(counts):
                counts[index] += 1
    return Tally(counts, len(votes))


async def recent_polls(
    session: AsyncSession, *, community_ids: tuple[int, ...], limit: int = 10
) -> list[tuple[Poll, Tally]]:
    """Open polls, then the latest closed ones, of these communities, with their counts."""
    query = (
        select(Poll)
        .where(col(Poll.community_id).in_(community_ids))
        .where(col(Poll.status).in_((PollStatus.OPEN, PollStatus.CLOSED)))
        .order_by(col(Poll.status).desc(), col(Poll.opened_at).desc(), col(Poll.id).desc())
        .limit(limit)
    )
    found = list((await session.exec(query)).all())
    return [(poll, await tally(session, poll=poll)) for poll in found]


async def open_polls(session: AsyncSession) -> list[Poll]:
    """Every open poll (each has a closing job, bot/poll_jobs.py)."""
    query = select(Poll).where(Poll.status == PollStatus.OPEN).order_by(col(Poll.closes_at))
    return list((await session.exec(query)).all())


async def poll_by_id(session: AsyncSession, *, poll_id: int) -> Poll | None:
    return await session.get(Poll, poll_id)


async def copies_to_stop(session: AsyncSession, *, poll_id: int) -> list[PollCopy]:
    query = select(PollCopy).where(PollCopy.poll_id == poll_id, col(PollCopy.stopped_at).is_(None))
    return list((await session.exec(query.order_by(col(PollCopy.id)))).all())


async def mark_stopped(
    session: AsyncSession,
    *,
    copy_id: int,
    counts: Sequence[int] | None,
    voters: int | None,
    now: datetime,
) -> None:
    """A copy was stopped; an anonymous copy keeps the final totals stopPoll returned."""
    values: dict[str, Any] = {"stopped_at": now}
    if counts is not None and voters is not None:
        values |= {"counts": [int(c) for c in counts], "voters": int(voters)}
    await session.exec(update(PollCopy).where(col(PollCopy.id) == copy_id).values(**values))


async def finish(session: AsyncSession, *, poll_id: int, now: datetime) -> Poll | None:
    """Close the poll once: the result stored and queued to the voters (for an anonymous
    poll, everyone it was sent to) and the committee chats. None when closed already."""
    poll = await session.get(Poll, poll_id, with_for_update=True)
    if poll is None or poll.status != PollStatus.OPEN:
        return None
    result = await tally(session, poll=poll)
    poll.status, poll.closed_at = PollStatus.CLOSED, now
    poll.result, poll.voters = result.counts, result.voters
    session.add(poll)
    # copies not sent by now never will be: the poll is over
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.kind) == POLL_KIND)
        .where(col(OutboxMessage.dedupe_key).startswith(f"poll:{poll_id}:"))
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(status=OutboxStatus.FAILED, last_error="poll closed before it was sent")
    )
    zh, en = await community_label(session, poll=poll)
    params = {
        "poll_id": poll_id,
        "question": poll.question,
        "options": list(poll.options),
        "community_zh": zh,
        "community_en": en,
        **result.as_params(),
    }
    for person_id, chat_id, locale in await _result_people(session, poll):
        row = _result_row(params, now, chat_id, locale, f"poll_result:{poll_id}:p{person_id}")
        row.person_id = person_id
        await insert_or_skip(session, row, conflict=("dedupe_key",))
    for chat in await committee_chats(session, community_id=poll.community_id):
        key = f"poll_result:{poll_id}:c{chat.chat_id}"
        await insert_or_skip(
            session,
            _result_row(params, now, chat.chat_id, chat.locale, key),
            conflict=("dedupe_key",),
        )
    await session.flush()
    return poll


async def _result_people(session: AsyncSession, poll: Poll) -> list[tuple[int, int, str]]:
    """(person, chat, locale) of the voters; of everyone who got a copy, if anonymous."""
    people = select(Person.id, Person.telegram_id, Person.locale).where(
        col(Person.unreachable).is_(False)
    )
    if poll.anonymous:
        chats = select(PollCopy.chat_id).where(PollCopy.poll_id == poll.id)
        people = people.where(col(Person.telegram_id).in_(chats))
    else:
        voters = select(PollVote.person_id).where(PollVote.poll_id == poll.id)
        people = people.where(col(Person.id).in_(voters))
    rows = await session.exec(people.order_by(col(Person.id)))
    return [(int(p or 0), int(c), str(loc)) for p, c, loc in rows.all()]


def _result_row(
    params: dict[str, Any], now: datetime, chat_id: int, locale: str, key: str
) -> OutboxMessage:
    return OutboxMessage(
        chat_id=chat_id,
        locale=locale,
        kind=POLL_RESULT,
        params=params,
        dedupe_key=key,
        not_before=now,
        created_at=now,
    )


async def closed_in_period(
    session: AsyncSession, *, community_id: int, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """The digest's section: polls of the community closed in [since, until), with results."""
    query = (
        select(Poll)
        .where(Poll.community_id == community_id, Poll.status == PollStatus.CLOSED)
        .where(col(Poll.closed_at) >= since, col(Poll.closed_at) < until)
        .order_by(col(Poll.closed_at), col(Poll.id))
    )
    return [
        {
            "question": p.question,
            "options": list(p.options),
            "counts": list(p.result),
            "voters": p.voters,
        }
        for p in (await session.exec(query)).all()
    ]


async def count_rows(session: AsyncSession, *, poll_id: int) -> int:
    """How many outbox rows the poll's Send wrote (for tests and /polls)."""
    query = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(col(OutboxMessage.dedupe_key).startswith(f"poll:{poll_id}:"))
    )
    return int((await session.exec(query)).one())
