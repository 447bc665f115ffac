"""Polls being written: the planner's wizard (or one line) as a `poll` row in `draft`.

One draft per planner (`uq_poll_draft_author`); starting another cancels the old one. Each
change bumps the poll's `version`, which the preview's buttons carry, so a Send under an old
preview is refused as stale. Telegram's limits are checked here, before anything is kept:
the question 1-300 characters, 2-12 options of 1-100 each (counted in UTF-16 code units, as
Telegram counts); a refusal names the part and by how much it is over
(tests/conversation/test_polls.py::test_over_long_poll_texts_are_refused_before_sending).
Sending and counting are in `storage/poll_delivery.py` and `storage/poll_votes.py`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Community
from storage.poll_models import Poll, PollStatus, PollStep
from storage.triage import Scope

MAX_QUESTION = 300
MIN_OPTIONS, MAX_OPTIONS = 2, 12
MAX_OPTION = 100
MAX_PHOTOS = 10  # one album
DAY_CHOICES = (1, 3, 7, 14)  # the preview's closing-time button cycles through these
DEFAULT_DAYS = 7


class PollError(ValueError):
    """A refusal with a code the handler puts into words (`polls.error_<code>`)."""

    def __init__(self, code: str, *, part: str = "", over: int = 0, index: int = 0) -> None:
        super().__init__(code)
        self.code = code
        # too_long: "question" or "option" (then `index`, from 1), and by how many characters
        self.part, self.over, self.index = part, over, index


class Toggle(StrEnum):
    """What the preview's buttons change before Send."""

    MULTIPLE = "multi"
    ANONYMOUS = "anon"
    DAYS = "days"


def length(text: str) -> int:
    """Characters as Telegram counts them (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def check_question(question: str) -> str:
    question = question.strip()
    if not question:
        raise PollError("question_missing")
    if length(question) > MAX_QUESTION:
        raise PollError("too_long", part="question", over=length(question) - MAX_QUESTION)
    return question


def check_options(options: list[str]) -> list[str]:
    cleaned = [option.strip() for option in options if option.strip()]
    if len(cleaned) < MIN_OPTIONS:
        raise PollError("too_few_options")
    if len(cleaned) > MAX_OPTIONS:
        raise PollError("too_many_options", over=len(cleaned) - MAX_OPTIONS)
    for index, option in enumerate(cleaned, start=1):
        if length(option) > MAX_OPTION:
            raise PollError(
                "too_long", part="option", index=index, over=length(option) - MAX_OPTION
            )
    return cleaned


async def _cancel_drafts(session: AsyncSession, *, author_id: int) -> None:
    await session.exec(
        update(Poll)
        .where(col(Poll.author_id) == author_id, col(Poll.status) == PollStatus.DRAFT)
        .values(status=PollStatus.CANCELLED)
    )


async def start_poll(
    session: AsyncSession,
    *,
    scope: Scope,
    community_id: int,
    now: datetime,
    question: str = "",
    options: list[str] | None = None,
    multiple: bool = False,
    anonymous: bool = False,
    days: int = DEFAULT_DAYS,
) -> Poll:
    """A new draft (an older draft of the planner is cancelled): at the question step, or
    with the question and options given (one line) ready to send. Checked before it is kept."""
    if not scope.covers(community_id):
        raise PollError("not_permitted")
    if await session.get(Community, community_id) is None:
        raise PollError("not_found")
    poll = Poll(community_id=community_id, author_id=scope.person_id, created_at=now)
    if options is not None:
        poll.question, poll.options = check_question(question), check_options(options)
        poll.step = PollStep.COMPOSE
    poll.multiple, poll.anonymous, poll.days = multiple, anonymous, days
    await _cancel_drafts(session, author_id=scope.person_id)
    session.add(poll)
    await session.flush()
    return poll


async def start_by_slug(
    session: AsyncSession,
    *,
    scope: Scope,
    slug: str,
    question: str,
    options: list[str],
    multiple: bool,
    anonymous: bool,
    days: int,
    now: datetime,
) -> Poll:
    """The one-line `/poll slug | question | option | option …`."""
    community_id = (
        await session.exec(select(Community.id).where(Community.slug == slug.strip()))
    ).first()
    if community_id is None:
        raise PollError("unknown_community")
    return await start_poll(
        session,
        scope=scope,
        community_id=community_id,
        now=now,
        question=question,
        options=options,
        multiple=multiple,
        anonymous=anonymous,
        days=days,
    )


async def write_step(session: AsyncSession, *, poll: Poll, text: str) -> Poll:
    """The wizard's typed answer: the question, then the options, one per line."""
    if poll.step == PollStep.QUESTION:
        poll.question, poll.step = check_question(text), PollStep.OPTIONS
    elif poll.step == PollStep.OPTIONS:
        poll.options, poll.step = check_options(text.splitlines()), PollStep.COMPOSE
    else:
        raise PollError("compose_hint")
    return await _bump(session, poll)


async def add_photo(session: AsyncSession, *, poll: Poll, file_id: str) -> int:
    """A picture for the album sent before the poll; how many it now has."""
    if poll.step != PollStep.COMPOSE:
        raise PollError("photo_too_early")
    if len(poll.photos) >= MAX_PHOTOS:
        raise PollError("too_many_photos")
    poll.photos = [*poll.photos, file_id]
    await _bump(session, poll)
    return len(poll.photos)


async def toggle(
    session: AsyncSession, *, scope: Scope, poll_id: int, version: int, what: Toggle
) -> Poll:
    """Several answers, anonymity, or the next closing time, from the preview."""
    poll = await draft_for(session, scope=scope, poll_id=poll_id, version=version)
    if what == Toggle.MULTIPLE:
        poll.multiple = not poll.multiple
    elif what == Toggle.ANONYMOUS:
        poll.anonymous = not poll.anonymous
    else:
        later = [d for d in DAY_CHOICES if d > poll.days]
        poll.days = later[0] if later else DAY_CHOICES[0]
    return await _bump(session, poll)


async def cancel_poll(session: AsyncSession, *, scope: Scope, poll_id: int, version: int) -> Poll:
    poll = await draft_for(session, scope=scope, poll_id=poll_id, version=version, composed=False)
    poll.status = PollStatus.CANCELLED
    session.add(poll)
    return poll


async def draft_for(
    session: AsyncSession, *, scope: Scope, poll_id: int, version: int, composed: bool = True
) -> Poll:
    """The author's draft as its preview showed it; refusals say why it is not."""
    poll = await session.get(Poll, poll_id, with_for_update=True)
    if poll is None or poll.author_id != scope.person_id:
        raise PollError("not_found")
    if poll.status in (PollStatus.OPEN, PollStatus.CLOSED):
        raise PollError("already_sent")
    if poll.status == PollStatus.CANCELLED:
        raise PollError("cancelled")
    if poll.version != version or (composed and poll.step != PollStep.COMPOSE):
        raise PollError("stale")
    if not scope.covers(poll.community_id):
        raise PollError("not_permitted")
    return poll


async def draft_of(session: AsyncSession, *, author_id: int) -> Poll | None:
    """The planner's poll being written, if any."""
    query = select(Poll).where(col(Poll.author_id) == author_id, Poll.status == PollStatus.DRAFT)
    return (await session.exec(query)).first()


async def _bump(session: AsyncSession, poll: Poll) -> Poll:
    poll.version += 1
    session.add(poll)
    await session.flush()
    return poll
