"""SQLModel tables. Times are stored as naive UTC and read back as aware UTC."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, UniqueConstraint, text
from sqlmodel import Column, Field, SQLModel

from storage.types import NAMING_CONVENTION, UTCDateTime

# Before any table is declared: constraints are named as they are attached.
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


# The locales are prompts.LOCALES (where their words are); storage only needs a default for
# rows written without one.
DEFAULT_LOCALE = "zh"


class Role(StrEnum):
    PLANNER = "planner"
    PANEL = "panel"  # a member of the community's ballot panel (issue 14)


class Category(StrEnum):
    LITTER = "litter"
    FACILITIES = "facilities"
    GREENERY = "greenery"
    LIGHTING = "lighting"
    PARKING = "parking"
    ACCESSIBILITY = "accessibility"
    WALLS = "walls"
    IDLE_SPACE = "idle_space"
    OTHER = "other"


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    ACCEPTED = "accepted"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    DUPLICATE = "duplicate"
    DECLINED = "declined"


class ReportStep(StrEnum):
    """Where a resident is in the report conversation; stored on the draft row."""

    PHOTOS = "photos"
    WHERE = "where"
    COMMUNITY = "community"  # only when the place named none (typed, or outside every area)
    CATEGORY = "category"
    DESCRIPTION = "description"
    REVIEW = "review"


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=64)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    district: str = Field(default="", max_length=200)
    street: str = Field(default="", max_length=200)
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None


class Landmark(SQLModel, table=True):
    """A named point of a community (a building, a gate, a garden), to say where a pin is."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    lat: float
    lon: float


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    unreachable: bool = False  # blocked the bot: nothing more is sent
    telegram_id: int = Field(
        sa_column=Column(BigInteger(), unique=True, index=True, nullable=False)
    )
    first_name: str = Field(default="", max_length=200)
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    created_at: datetime = _ts()


class PersonRole(SQLModel, table=True):
    __tablename__ = "person_role"
    __table_args__ = (UniqueConstraint("person_id", "role", "community_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=32)
    community_id: int = Field(foreign_key="community.id")
    granted_at: datetime = _ts()


class Report(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    reporter_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    category: str = Field(max_length=32)
    description: str = Field(default="", max_length=1000)
    lat: float | None = None
    lon: float | None = None
    address: str = Field(default="", max_length=300)
    outside_area: bool = False
    # the landmark nearest the pin when it was given, copied (names) with its distance
    landmark_zh: str | None = Field(default=None, max_length=200)
    landmark_en: str | None = Field(default=None, max_length=200)
    landmark_m: int | None = None
    voice_file_id: str | None = Field(default=None, max_length=255)  # a voice note as words
    status: str = Field(default=ReportStatus.SUBMITTED, max_length=32, index=True)
    version: int = 1
    department: str | None = Field(default=None, max_length=32)
    duplicate_of_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    first_response_at: datetime | None = _ts(nullable=True)
    resolved_at: datetime | None = _ts(nullable=True)
    closed_at: datetime | None = _ts(nullable=True)
    rating: str | None = Field(default=None, max_length=16)  # a rules.Satisfaction code
    rated_at: datetime | None = _ts(nullable=True)
    awaiting_info: bool = False  # needs_info asked and the reporter has not answered yet
    draft_id: int | None = Field(default=None, unique=True, index=True)  # filed from this draft
    created_at: datetime = _ts(index=True)
    updated_at: datetime = _ts()

    @property
    def ref(self) -> str:
        return format_ref(self.id or 0)


def format_ref(report_id: int) -> str:
    return f"R-{report_id:06d}"


class ReportPhoto(SQLModel, table=True):
    __tablename__ = "report_photo"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    position: int
    kind: str = Field(default="before", max_length=16)  # "before" (reported) or "after" (fixed)
    telegram_file_id: str = Field(max_length=255)
    file_kind: str = Field(default="photo", max_length=16)  # "photo", or "document" for a file
    file_unique_id: str = Field(max_length=64)
    path: str = Field(max_length=500)
    phash: str = Field(max_length=32, index=True)
    width: int
    height: int


class ReportEvent(SQLModel, table=True):
    """Append-only history of a report: one row per transition."""

    __tablename__ = "report_event"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime = _ts()
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str = Field(max_length=32)
    public_note: str = Field(default="", max_length=1000)
    private_note: str = Field(default="", max_length=1000)
    decline_reason: str | None = Field(default=None, max_length=32)  # rules.DeclineReason


class ReportNote(SQLModel, table=True):
    """What planners keep for each other about a report: an internal note, a change of
    its category or place, or who in the department's chat received or finished it. No
    resident, export, API or notice reads this table
    (tests/conversation/test_planner_moves.py::test_internal_notes_stay_internal); the
    department's card reads its own `department` rows only (storage/department_work.py)."""

    __tablename__ = "report_note"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="person.id")
    at: datetime = _ts()
    kind: str = Field(max_length=16)  # "note", "category", "place" or "department"
    text: str = Field(default="", max_length=1000)  # the note, or the new value
    old_value: str = Field(default="", max_length=300)  # what a change replaced


class ReportDraft(SQLModel, table=True):
    """A report being written; one per person. Survives restarts; any process may continue it."""

    __tablename__ = "report_draft"
    __table_args__ = {"sqlite_autoincrement": True}  # an id names one draft for ever

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    step: str = Field(default=ReportStep.PHOTOS, max_length=32)
    editing: bool = False
    community_id: int | None = Field(default=None, foreign_key="community.id")
    lat: float | None = None
    lon: float | None = None
    address: str = Field(default="", max_length=300)
    outside_area: bool = False
    landmark_zh: str | None = Field(default=None, max_length=200)
    landmark_en: str | None = Field(default=None, max_length=200)
    landmark_m: int | None = None
    category: str | None = Field(default=None, max_length=32)
    description: str = Field(default="", max_length=1000)
    voice_file_id: str | None = Field(default=None, max_length=255)
    # editing the photos: the old ones stay until the first new one arrives
    replace_photos: bool = False
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class DraftPhoto(SQLModel, table=True):
    __tablename__ = "draft_photo"
    __table_args__ = (UniqueConstraint("draft_id", "file_unique_id"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="report_draft.id", index=True)
    position: int
    telegram_file_id: str = Field(max_length=255)
    file_kind: str = Field(default="photo", max_length=16)  # "photo", or "document" for a file
    file_unique_id: str = Field(max_length=64)
    media_group_id: str | None = Field(default=None, max_length=64)
    path: str = Field(max_length=500)
    phash: str = Field(max_length=32)
    width: int
    height: int


class Department(StrEnum):
    """Who does the work once a report is accepted (configurable later; stable codes)."""

    GREENING = "greening"
    SANITATION = "sanitation"
    CITY_MANAGEMENT = "city_management"
    HOUSING = "housing"
    TRAFFIC = "traffic"
    OTHER = "other"


class FollowReason(StrEnum):
    REPORTER = "reporter"
    MERGED = "merged"
    ME_TOO = "me_too"


class OutboxStatus(StrEnum):
    """pending -> sending (claimed, committed) -> sent, failed, blocked, or pending again.

    A 429 or a transient error puts the row back to pending with a later `not_before`."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


class Invite(SQLModel, table=True):
    """A one-time code that makes its user a planner of one community."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)
    role: str = Field(default=Role.PLANNER, max_length=32)
    community_id: int = Field(foreign_key="community.id")
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _ts()
    expires_at: datetime = _ts()
    used_by: int | None = Field(default=None, foreign_key="person.id")
    used_at: datetime | None = _ts(nullable=True)


class ReportFollower(SQLModel, table=True):
    """Someone told of every public step of a report: its reporter, merged reporters, me-toos."""

    __tablename__ = "report_follower"
    __table_args__ = (UniqueConstraint("report_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    reason: str = Field(max_length=16)
    created_at: datetime = _ts()


class OutboxMessage(SQLModel, table=True):
    """A message to send, written in the same transaction as the change that causes it.

    It holds a prompt key and its parameters, not rendered text: storage knows no words.
    The sender renders it in the recipient's locale and paces it at Telegram's limits.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The due query: pending rows by `not_before`; sent rows (the bulk) are not in it.
        Index(
            "ix_outbox_message_due",
            "not_before",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # A chat's order: is an earlier row to this chat still waiting or being sent?
        Index(
            "ix_outbox_message_open_by_chat",
            "chat_id",
            "id",
            sqlite_where=text("status IN ('pending', 'sending')"),
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
        # The sweeper: rows claimed by a sender that may have died.
        Index(
            "ix_outbox_message_claimed",
            "claimed_at",
            sqlite_where=text("status = 'sending'"),
            postgresql_where=text("status = 'sending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger(), nullable=False, index=True))
    person_id: int | None = Field(default=None, foreign_key="person.id")
    locale: str = Field(default=DEFAULT_LOCALE, max_length=8)
    kind: str = Field(max_length=32)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    dedupe_key: str | None = Field(default=None, unique=True, max_length=128)
    status: str = Field(default=OutboxStatus.PENDING, max_length=16, index=True)
    attempts: int = (
        0  # claims so far; a 429's claim is given back (Telegram's pacing is no failure)
    )
    not_before: datetime = _ts()
    claimed_at: datetime | None = _ts(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)  # the sender (host:pid:nonce)
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True)
    telegram_message_id: int | None = None
    last_error: str = Field(default="", max_length=500)
    notice_id: int | None = Field(default=None, foreign_key="notice.id", index=True)


class PendingInput(SQLModel, table=True):
    """What a planner's next typed message means (a question, a reason, a note, a reference).

    Conversation state as a row, like drafts: it survives restarts and any process reads it.
    """

    __tablename__ = "pending_input"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    action: str = Field(max_length=32)
    report_id: int = Field(foreign_key="report.id")
    expected_version: int
    target: str = Field(default="", max_length=64)  # e.g. the status a note goes with
    created_at: datetime = _ts()


# Notices' tables (issue 13) live in a module of their own, on the same metadata.
from storage.notice_models import Notice as Notice  # noqa: E402, I001
from storage.notice_models import NoticePhoto as NoticePhoto  # noqa: E402
from storage.notice_models import ResidentPreference as ResidentPreference  # noqa: E402

# Group chats' tables (issue 13), likewise.
from storage.group_models import ChatKind as ChatKind  # noqa: E402
from storage.group_models import DigestRun as DigestRun  # noqa: E402
from storage.group_models import DigestSchedule as DigestSchedule  # noqa: E402
from storage.group_models import LinkedChat as LinkedChat  # noqa: E402

# Co-design polls' tables (issue 14), likewise.
from storage.poll_models import Poll as Poll  # noqa: E402
from storage.poll_models import PollCopy as PollCopy  # noqa: E402
from storage.poll_models import PollVote as PollVote  # noqa: E402

# Priority ballots' tables (issue 14), likewise.
from storage.ballot_models import Ballot as Ballot  # noqa: E402
from storage.ballot_models import BallotItem as BallotItem  # noqa: E402
from storage.ballot_models import BallotScore as BallotScore  # noqa: E402

# Volunteer events' tables (issue 15), likewise.
from storage.event_models import Event as Event  # noqa: E402
from storage.event_models import EventSignup as EventSignup  # noqa: E402
