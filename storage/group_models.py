"""Tables of group chats (issue 13): a group linked as a community's committee or a
department's working group, its digest schedule, and each digest sent.

Imported at the end of `storage/models.py`, so every table is on the one metadata.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from storage.models import DEFAULT_LOCALE, _ts


class ChatKind(StrEnum):
    """What a linked group chat is for (issue 13)."""

    COMMITTEE = "committee"  # a community's residents' council or joint meeting: digests
    DEPARTMENT = "department"  # a department's working group: the reports routed to it


class LinkedChat(SQLModel, table=True):
    """A group chat linked by a planner; `active` is false once unlinked (the row stays, so
    the digests it was sent are still known if it is linked again)."""

    __tablename__ = "linked_chat"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger(), unique=True, index=True, nullable=False))
    active: bool = True
    kind: str = Field(max_length=16)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    department: str | None = Field(default=None, max_length=32)
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)
    linked_by: int | None = Field(default=None, foreign_key="person.id")
    linked_at: datetime = _ts()


class DigestSchedule(SQLModel, table=True):
    """When a committee chat gets its digest; the JobQueue jobs are derived from these rows."""

    __tablename__ = "digest_schedule"

    id: int | None = Field(default=None, primary_key=True)
    linked_chat_id: int = Field(foreign_key="linked_chat.id", unique=True)
    cadence: str = Field(max_length=16)  # storage.periods.Cadence
    weekday: int | None = None  # 0 = Monday (weekly)
    day: int | None = None  # 1-28 (monthly)
    minute_of_day: int  # local time, in the bot's time zone
    set_by: int | None = Field(default=None, foreign_key="person.id")
    set_at: datetime = _ts()  # periods ending before this are never caught up


class DigestRun(SQLModel, table=True):
    """One digest sent to one chat for one period: the unique constraint is what makes a
    period go out at most once (tests/conversation/test_digest.py)."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("linked_chat_id", "period_start", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
    linked_chat_id: int = Field(foreign_key="linked_chat.id", index=True)
    period_start: datetime = _ts()
    period_end: datetime = _ts()
    scheduled: bool = False
    created_at: datetime = _ts()
