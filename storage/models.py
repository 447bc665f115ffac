"""SQLModel tables. Times are stored as naive UTC and read back as aware UTC."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Locale(StrEnum):
    ZH = "zh"
    EN = "en"


class Role(StrEnum):
    PLANNER = "planner"


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


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(
        sa_column=Column(BigInteger(), unique=True, index=True, nullable=False)
    )
    first_name: str = Field(default="", max_length=200)
    locale: str = Field(default=Locale.ZH, max_length=8)
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
    status: str = Field(default=ReportStatus.SUBMITTED, max_length=32, index=True)
    version: int = 1
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
    telegram_file_id: str = Field(max_length=255)
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


class ReportDraft(SQLModel, table=True):
    """A report being written; one per person. Survives restarts; any process may continue it."""

    __tablename__ = "report_draft"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    step: str = Field(default=ReportStep.PHOTOS, max_length=32)
    editing: bool = False
    community_id: int | None = Field(default=None, foreign_key="community.id")
    lat: float | None = None
    lon: float | None = None
    address: str = Field(default="", max_length=300)
    outside_area: bool = False
    category: str | None = Field(default=None, max_length=32)
    description: str = Field(default="", max_length=1000)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class DraftPhoto(SQLModel, table=True):
    __tablename__ = "draft_photo"
    __table_args__ = (UniqueConstraint("draft_id", "file_unique_id"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="report_draft.id", index=True)
    position: int
    telegram_file_id: str = Field(max_length=255)
    file_unique_id: str = Field(max_length=64)
    media_group_id: str | None = Field(default=None, max_length=64)
    path: str = Field(max_length=500)
    phash: str = Field(max_length=32)
    width: int
    height: int
