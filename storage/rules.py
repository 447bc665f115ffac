"""Domain facts that more than one place needs, each defined once.

Where queries need a fact it is an SQL expression, and Python code that needs it for one
row asks the database too, so that no second definition can drift from the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlmodel import col

from storage.models import Report, ReportEvent

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


def stage_entered_at() -> ColumnElement[datetime]:
    """When the report entered its current stage: its last move into it (a note or an
    answer, which keep the stage, does not count)."""
    return (
        select(func.max(ReportEvent.at))
        .where(
            col(ReportEvent.report_id) == col(Report.id),
            col(ReportEvent.to_status) == col(Report.status),
            or_(
                col(ReportEvent.from_status).is_(None),
                col(ReportEvent.from_status) != col(ReportEvent.to_status),
            ),
        )
        .scalar_subquery()
    )


def stuck(*, now: datetime, days: Mapping[str, int]) -> ColumnElement[bool]:
    """In one of the stages of `days` (status code -> days) for longer than its days (a
    report exactly that many days in its stage is not stuck yet)."""
    entered = stage_entered_at()
    limits = [
        and_(col(Report.status) == stage, entered < now - timedelta(days=n))
        for stage, n in days.items()
    ]
    return or_(false(), *limits)


def late(*, now: datetime, hours: int, days: Mapping[str, int]) -> ColumnElement[bool]:
    """What the morning list and `/reports overdue` show: overdue or stuck."""
    return or_(overdue(now=now, hours=hours), stuck(now=now, days=days))


class DeclineReason(StrEnum):
    """The public reasons a planner can decline with, from a template (or they type one).

    Stored as these codes and put into words in each reader's language. The order is the
    order of the buttons, and a button carries the index.
    """

    DUPLICATE_ELSEWHERE = "duplicate_elsewhere"
    PRIVATE_PROPERTY = "private_property"
    NOT_PUBLIC_SPACE = "not_public_space"
    ALREADY_PLANNED = "already_planned"
