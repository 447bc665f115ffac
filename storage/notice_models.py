"""Tables of notices (issue 13): a notice to a whole community or a report's followers, its
photos, and each resident's choice to receive notices.

Imported at the end of `storage/models.py`, so every table is on the one metadata.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, UniqueConstraint, text
from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime


class NoticeStep(StrEnum):
    """What a planner's next message gives a draft notice (the wizard, as a row)."""

    TITLE = "title"
    BODY = "body"
    COMPOSE = "compose"  # title and text given: photos or a report reference, then Send


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    SENDING = "sending"  # Send pressed: one outbox row per recipient
    DONE = "done"  # no row left to send; the final counts are on the notice
    CANCELLED = "cancelled"


class Notice(SQLModel, table=True):
    """A notice (公示): written by a planner, sent once to its audience through the outbox."""

    __table_args__ = (
        # At most one draft per planner: the wizard's state is that row.
        Index(
            "uq_notice_draft_author",
            "author_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    author_id: int = Field(foreign_key="person.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="report.id")
    followers_only: bool = False  # to the report's reporter and followers, not the community
    step: str = Field(default=NoticeStep.TITLE, max_length=16)
    status: str = Field(default=NoticeStatus.DRAFT, max_length=16)
    version: int = 1  # bumped by every change: a preview's buttons name the version they show
    title: str = Field(default="", max_length=200)
    body: str = Field(default="", max_length=4096)
    total: int = 0  # outbox rows written when Send was pressed
    sent_count: int = 0  # the final counts, written when nothing is left to send
    unreachable_count: int = 0
    failed_count: int = 0
    status_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger()))
    status_message_id: int | None = None
    progress_shown: str = Field(default="", max_length=64)  # counts the status message shows
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class NoticePhoto(SQLModel, table=True):
    """A photo the planner sent with a notice, stored EXIF-free like a report's."""

    __tablename__ = "notice_photo"
    __table_args__ = (UniqueConstraint("notice_id", "file_unique_id"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    position: int
    telegram_file_id: str = Field(max_length=255)
    file_unique_id: str = Field(max_length=64)
    path: str = Field(max_length=500)
    width: int
    height: int


class ResidentPreference(SQLModel, table=True):
    """What a resident chose in /settings; no row means the defaults (notices and polls on)."""

    __tablename__ = "resident_preference"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    accept_notices: bool = True
    accept_polls: bool = True  # co-design polls (issue 14)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
