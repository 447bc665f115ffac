"""Domain facts that more than one place needs, each defined once.

Where queries need a fact it is an SQL expression, and Python code that needs it for one
row asks the database too, so that no second definition can drift from the first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement
from sqlmodel import col

from storage.models import Report

#: The rating scale of the 12345 hotlines, as stars: 5 满意 and 4 基本满意 count as satisfied;
#: 3 and fewer (不满意), like "not fixed" (没修好), reopen the report.
SATISFIED_FROM_STARS = 4
#: What a resident writes (their words, their answer to a planner's question), at most.
MAX_WORDS = 1000
#: A planner's public note (or typed reason, or question for the resident), at most.
MAX_NOTE = 1000


def satisfied(stars: int | None) -> bool:
    """Whether a rating counts as satisfied (None is "not fixed")."""
    return stars is not None and stars >= SATISFIED_FROM_STARS


def satisfied_rating() -> ColumnElement[bool]:
    """`satisfied()` for queries: the report's rating counts as satisfied."""
    return col(Report.rating) >= SATISFIED_FROM_STARS


def overdue(*, now: datetime, hours: int) -> ColumnElement[bool]:
    """No first response yet, and created more than `hours` before `now` (a report exactly
    `hours` old is not overdue yet, as a response exactly at the limit is in time)."""
    return col(Report.first_response_at).is_(None) & (
        col(Report.created_at) < now - timedelta(hours=hours)
    )


class DeclineReason(StrEnum):
    """The public reasons a planner can decline with, from a template (or they type one).

    Stored as these codes and put into words in each reader's language. The order is the
    order of the buttons, and a button carries the index.
    """

    DUPLICATE_ELSEWHERE = "duplicate_elsewhere"
    PRIVATE_PROPERTY = "private_property"
    NOT_PUBLIC_SPACE = "not_public_space"
    ALREADY_PLANNED = "already_planned"
