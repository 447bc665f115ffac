"""Tables of priority ballots (issue 14): a ballot, its items (each maybe a report), and each
voter's scores of an item.

Imported at the end of `storage/models.py`, so every table is on the one metadata.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import _ts


class BallotStatus(StrEnum):
    DRAFT = "draft"  # the planner is adding items
    OPEN = "open"  # voters score until `closes_at`
    CLOSED = "closed"  # ranked; the ranks are on the items
    CANCELLED = "cancelled"


class Electorate(StrEnum):
    """Who may vote: the community's residents, or its panel (members joined by code)."""

    RESIDENTS = "residents"
    PANEL = "panel"


class Ballot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    author_id: int = Field(foreign_key="person.id")
    title: str = Field(max_length=200)
    electorate: str = Field(default=Electorate.RESIDENTS, max_length=16)
    status: str = Field(default=BallotStatus.DRAFT, max_length=16, index=True)
    version: int = 1  # bumped by every change of a draft; its card's buttons carry it
    created_at: datetime = _ts()
    opened_at: datetime | None = _ts(nullable=True)
    closes_at: datetime | None = _ts(nullable=True)
    closed_at: datetime | None = _ts(nullable=True, index=True)


class BallotItem(SQLModel, table=True):
    """One thing to score: a report of the community, or typed words. `rank` (1 = first),
    `score_sum` (the sum over voters of urgency × importance) and `voters` are written when
    the ballot closes (storage/ballot_tally.py)."""

    __tablename__ = "ballot_item"
    __table_args__ = (UniqueConstraint("ballot_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="ballot.id", index=True)
    position: int  # 1, 2, … in the order added
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    text: str = Field(default="", max_length=300)  # a typed item's words
    rank: int | None = None
    score_sum: int = 0
    voters: int = 0


class BallotScore(SQLModel, table=True):
    """A voter's scores of one item (1-3 each; None until given); changed in place."""

    __tablename__ = "ballot_score"
    __table_args__ = (UniqueConstraint("item_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="ballot.id", index=True)
    item_id: int = Field(foreign_key="ballot_item.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    urgency: int | None = None
    importance: int | None = None
    updated_at: datetime = _ts()
