"""Tables of volunteer events (issue 15): an event (the draft is the row, as a notice's) and
each resident's sign-up, with its place on the waitlist and whether they came.

Imported at the end of `storage/models.py`, so every table is on the one metadata.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    # as storage.models._ts; not imported from there, so this module imports first alike
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class EventStep(StrEnum):
    """What a planner's next message gives a draft event (the wizard, as a row)."""

    TITLE = "title"
    START = "start"
    DURATION = "duration"
    PLACE = "place"
    CAPACITY = "capacity"
    COMPOSE = "compose"  # all given: notes on what to bring or a report reference, then Publish


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Event(SQLModel, table=True):
    """A volunteer event: a planner's draft until Publish, then open for sign-ups."""

    __table_args__ = (
        # At most one draft per planner: the wizard's state is that row.
        Index(
            "uq_event_draft_author",
            "author_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    author_id: int = Field(foreign_key="person.id")
    step: str = Field(default=EventStep.TITLE, max_length=16)
    status: str = Field(default=EventStatus.DRAFT, max_length=16, index=True)
    version: int = 1  # bumped by every change of a draft; its preview's buttons carry it
    # bumped by every sign-up or cancellation: the write that makes them take turns
    turns: int = 0
    title: str = Field(default="", max_length=100)
    starts_at: datetime | None = _ts(nullable=True, index=True)
    minutes: int = 0  # the duration; each attendee's hours are this
    place: str = Field(default="", max_length=200)  # as typed, or a landmark's name
    landmark_id: int | None = Field(default=None, foreign_key="landmark.id")
    capacity: int = 0
    notes: str = Field(default="", max_length=500)  # what to bring
    report_id: int | None = Field(default=None, foreign_key="report.id")
    #: an item of a closed priority ballot the event carries out ("rank 2" typed)
    ballot_item_id: int | None = Field(default=None, foreign_key="ballot_item.id")
    created_at: datetime = _ts()
    published_at: datetime | None = _ts(nullable=True)


class EventSignup(SQLModel, table=True):
    """A resident's sign-up: confirmed, on the waitlist (in `queued_at` order) or cancelled;
    `attended` is marked by a planner after the event."""

    __tablename__ = "event_signup"
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(max_length=16)
    queued_at: datetime = _ts()  # when they (last) signed up: the waitlist's order
    attended: bool = False
