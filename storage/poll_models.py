"""Tables of co-design polls (issue 14): the poll (its draft is the row), each copy sent
(one native Telegram poll per chat, named by Telegram's poll id), and each voter's latest
choice.

Imported at the end of `storage/models.py`, so every table is on the one metadata.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, UniqueConstraint, text
from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime


class PollStep(StrEnum):
    """What a planner's next message gives a draft poll (the wizard, as a row)."""

    QUESTION = "question"
    OPTIONS = "options"
    COMPOSE = "compose"  # question and options given: pictures, then Send


class PollStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"  # Send pressed: one outbox row per recipient; votes count until closes_at
    CLOSED = "closed"  # every copy stopped, the result stored and sent
    CANCELLED = "cancelled"


class Poll(SQLModel, table=True):
    """A co-design poll: written by a planner, sent as native polls, closed at `closes_at`."""

    __table_args__ = (
        Index(
            "uq_poll_draft_author",
            "author_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    author_id: int = Field(foreign_key="person.id", index=True)
    step: str = Field(default=PollStep.QUESTION, max_length=16)
    status: str = Field(default=PollStatus.DRAFT, max_length=16, index=True)
    version: int = 1  # bumped by every change: a preview's buttons name the version they show
    question: str = Field(default="", max_length=300)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: pictures (design drafts) sent before the poll as one album: Telegram file ids
    photos: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    multiple: bool = False  # several answers allowed
    anonymous: bool = False  # votes counted from the copies' totals, voters not known
    days: int = 7  # open this many days after Send
    total: int = 0  # outbox rows written when Send was pressed
    #: the final result, written at closing: votes per option and the number of voters
    result: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    voters: int = 0
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    opened_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closes_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class PollCopy(SQLModel, table=True):
    """One native poll as sent to one chat, recorded by the outbox sender when it went out."""

    __tablename__ = "poll_copy"
    __table_args__ = (UniqueConstraint("poll_id", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger(), nullable=False))
    message_id: int
    telegram_poll_id: str = Field(max_length=64, unique=True)
    #: an anonymous poll's latest totals per option from Telegram (`poll` updates)
    counts: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    voters: int = 0
    stopped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class PollVote(SQLModel, table=True):
    """A resident's latest choice on a non-anonymous poll (a retracted vote has no row)."""

    __tablename__ = "poll_vote"
    __table_args__ = (UniqueConstraint("poll_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    option_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def as_ints(value: Any) -> list[int]:
    return [int(v) for v in value or []]
