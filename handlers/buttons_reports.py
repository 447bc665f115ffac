"""The button families of `/reports` and of a report card's planner actions, declared as in
handlers/buttons.py (`encode()`, an anchored `pattern`, `parse()`; registered with `on`).

A list button carries its whole filter, so any page of any filter can be reopened from an
old message and no list state lives anywhere but in the button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, TypeVar

from handlers.buttons import NUMBER, _fields, _one_of, _pattern
from storage.listing import ReportFilter
from storage.models import Category, Department, ReportStatus

STATUSES = tuple(ReportStatus)
CATEGORIES = tuple(Category)
DEPARTMENTS = tuple(Department)
E = TypeVar("E", ReportStatus, Category, Department)

# status, category, department (0 any, n the n-th), overdue (0/1), community (0 any), order
FILTER = ":".join(
    [
        _one_of(str(n) for n in range(len(STATUSES) + 1)),
        _one_of(str(n) for n in range(len(CATEGORIES) + 1)),
        _one_of(str(n) for n in range(len(DEPARTMENTS) + 1)),
        "([01])",
        NUMBER,
        "([no])",
    ]
)


def _index(value: E | None, values: tuple[E, ...]) -> int:
    return 0 if value is None else values.index(value) + 1


def _value(index: str, values: tuple[E, ...]) -> E | None:
    return None if index == "0" else values[int(index) - 1]


def encode_filter(where: ReportFilter) -> str:
    return ":".join(
        [
            str(_index(where.status, STATUSES)),
            str(_index(where.category, CATEGORIES)),
            str(_index(where.department, DEPARTMENTS)),
            "1" if where.overdue else "0",
            str(where.community_id or 0),
            "n" if where.newest_first else "o",
        ]
    )


def parse_filter(fields: tuple[str, ...]) -> ReportFilter:
    status, category, department, overdue, community, order = fields
    return ReportFilter(
        status=_value(status, STATUSES),
        category=_value(category, CATEGORIES),
        department=_value(department, DEPARTMENTS),
        overdue=overdue == "1",
        community_id=int(community) or None,
        newest_first=order == "n",
    )


@dataclass(frozen=True)
class ReportsPage:
    """`rl:<page>:<filter>`: one page of `/reports`."""

    page: int
    where: ReportFilter
    pattern: ClassVar[re.Pattern[str]] = _pattern("rl", NUMBER, FILTER)

    def encode(self) -> str:
        return f"rl:{self.page}:{encode_filter(self.where)}"

    @classmethod
    def parse(cls, data: str) -> ReportsPage:
        page, *where = _fields(cls.pattern, data)
        return cls(int(page), parse_filter(tuple(where)))


class FilterField(StrEnum):
    STATUS = "s"
    CATEGORY = "c"
    DEPARTMENT = "d"
    COMMUNITY = "m"


@dataclass(frozen=True)
class ReportsMenu:
    """`rm:<field>:<filter>`: the choices for one filter field, in place of the list's
    buttons."""

    field: FilterField
    where: ReportFilter
    pattern: ClassVar[re.Pattern[str]] = _pattern("rm", _one_of(FilterField), FILTER)

    def encode(self) -> str:
        return f"rm:{self.field.value}:{encode_filter(self.where)}"

    @classmethod
    def parse(cls, data: str) -> ReportsMenu:
        field, *where = _fields(cls.pattern, data)
        return cls(FilterField(field), parse_filter(tuple(where)))


@dataclass(frozen=True)
class OpenReport:
    """`ro:<report id>`: a report's card, from the list."""

    report_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("ro", NUMBER)

    def encode(self) -> str:
        return f"ro:{self.report_id}"

    @classmethod
    def parse(cls, data: str) -> OpenReport:
        (report_id,) = _fields(cls.pattern, data)
        return cls(int(report_id))


class CardAction(StrEnum):
    STEP_BACK = "sb"  # asks for the reason the followers hear
    PUBLIC_NOTE = "pn"  # asks for a note the followers hear (or an "after" photo)
    INTERNAL_NOTE = "in"  # asks for a note only planners read
    CATEGORY = "cat"  # shows the categories
    PLACE = "pl"  # asks for a pin or a landmark name


@dataclass(frozen=True)
class CardButton:
    """`c:<report id>:<version>:<action>`"""

    report_id: int
    version: int
    action: CardAction
    pattern: ClassVar[re.Pattern[str]] = _pattern("c", NUMBER, NUMBER, _one_of(CardAction))

    def encode(self) -> str:
        return f"c:{self.report_id}:{self.version}:{self.action.value}"

    @classmethod
    def parse(cls, data: str) -> CardButton:
        report_id, version, action = _fields(cls.pattern, data)
        return cls(int(report_id), int(version), CardAction(action))


@dataclass(frozen=True)
class CardCategory:
    """`c:<report id>:<version>:cat:<category>`: change the report's category."""

    report_id: int
    version: int
    category: Category
    pattern: ClassVar[re.Pattern[str]] = _pattern("c", NUMBER, NUMBER, "cat", _one_of(Category))

    def encode(self) -> str:
        return f"c:{self.report_id}:{self.version}:cat:{self.category.value}"

    @classmethod
    def parse(cls, data: str) -> CardCategory:
        report_id, version, category = _fields(cls.pattern, data)
        return cls(int(report_id), int(version), Category(category))
