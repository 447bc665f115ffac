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


class Satisfaction(StrEnum):
    """A resident's answer to "is it fixed?", on the scale of the 12345 hotlines: 满意,
    基本满意, 不满意, 没修好. Stored as these codes in `report.rating` (migration
    0006_satisfaction_scale turned the stars of before into them, `from_stars`)."""

    SATISFIED = "satisfied"  # 满意
    MOSTLY_SATISFIED = "mostly_satisfied"  # 基本满意
    NOT_SATISFIED = "not_satisfied"  # 不满意
    NOT_FIXED = "not_fixed"  # 没修好


#: The answers that count as satisfied; the other two reopen the report and tell its planners.
SATISFIED = frozenset({Satisfaction.SATISFIED, Satisfaction.MOSTLY_SATISFIED})
#: What a resident writes (their words, their answer to a planner's question), at most.
MAX_WORDS = 1000
#: A planner's public note (or typed reason, or question for the resident), at most.
MAX_NOTE = 1000


def satisfied(answer: Satisfaction) -> bool:
    """Whether an answer counts as satisfied: the satisfaction rate is
    (满意 + 基本满意) / rated (`satisfied_rating`, `storage.stats`)."""
    return answer in SATISFIED


def satisfied_rating() -> ColumnElement[bool]:
    """`satisfied()` for queries: the report's rating counts as satisfied."""
    return col(Report.rating).in_(sorted(SATISFIED))


def from_stars(stars: int) -> Satisfaction:
    """What a rating of the old 1-5 star scale (0 for "not fixed") means on the new one:
    5 满意, 4 基本满意 (both satisfied, as before), 1-3 不满意, 0 没修好. For the
    `rate:<id>:<n>` buttons still in residents' chats; the migration says the same in SQL."""
    if stars == 0:
        return Satisfaction.NOT_FIXED
    if stars >= 5:
        return Satisfaction.SATISFIED
    if stars == 4:
        return Satisfaction.MOSTLY_SATISFIED
    return Satisfaction.NOT_SATISFIED


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
