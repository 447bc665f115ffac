"""Every inline button's callback data, declared once per family.

A family is a small frozen dataclass: `encode()` writes the data, `pattern` accepts exactly
what `encode()` can write (anchored at both ends; ASCII digits only where a number goes, as
`str.isdigit()` takes "²", which `int()` refuses, and `\\d` takes "１" and "١"), and
`parse()` reads it back, which cannot fail on data the pattern accepted. Handlers are
registered with `on(Family, callback)`, so data that fits no family never reaches one: it
falls through to the "this button has expired" fallback
(tests/conversation/test_forged_buttons.py, tests/unit/test_buttons.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from telegram import Update
from telegram.ext import CallbackQueryHandler

import prompts
from handlers.context import CustomContext
from storage.lifecycle import PLANNER_STEPS
from storage.models import Category, Department, ReportStatus, ReportStep
from storage.rules import DeclineReason

NUMBER = "([0-9]{1,9})"  # a row id or a page: ASCII digits, small enough for any INTEGER


def _one_of(values: Iterable[str]) -> str:
    return "(" + "|".join(re.escape(v) for v in values) + ")"


def _pattern(*fields: str) -> re.Pattern[str]:
    # PTB matches from the start; \Z ends it (a `$` would let a trailing newline through).
    return re.compile(":".join(fields) + r"\Z")


def _fields(pattern: re.Pattern[str], data: str) -> tuple[str, ...]:
    match = pattern.match(data)
    if match is None:
        raise ValueError(f"{data!r} does not match {pattern.pattern!r}")
    return match.groups()


class Family(Protocol):
    pattern: ClassVar[re.Pattern[str]]

    def encode(self) -> str: ...


Callback = Callable[[Update, CustomContext], Coroutine[Any, Any, None]]


def on(family: type[Family], callback: Callback) -> CallbackQueryHandler[CustomContext, None]:
    """The handler for one button family: it sees only data the family's pattern accepts."""
    return CallbackQueryHandler(callback, pattern=family.pattern)


def pressed(update: Update) -> str:
    """The callback data of the button behind this update."""
    assert update.callback_query is not None
    return update.callback_query.data or ""


# --- first contact and a resident's own reports -------------------------------------------


@dataclass(frozen=True)
class Language:
    """`lang:<locale>`"""

    locale: str
    pattern: ClassVar[re.Pattern[str]] = _pattern("lang", _one_of(prompts.LOCALES))

    def encode(self) -> str:
        return f"lang:{self.locale}"

    @classmethod
    def parse(cls, data: str) -> Language:
        (locale,) = _fields(cls.pattern, data)
        return cls(locale)


@dataclass(frozen=True)
class ChooseCommunity:
    """`com:<community id>`"""

    community_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("com", NUMBER)

    def encode(self) -> str:
        return f"com:{self.community_id}"

    @classmethod
    def parse(cls, data: str) -> ChooseCommunity:
        (community_id,) = _fields(cls.pattern, data)
        return cls(int(community_id))


@dataclass(frozen=True)
class CommunityPage:
    """`comp:<page>` of the community list."""

    page: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("comp", NUMBER)

    def encode(self) -> str:
        return f"comp:{self.page}"

    @classmethod
    def parse(cls, data: str) -> CommunityPage:
        (page,) = _fields(cls.pattern, data)
        return cls(int(page))


@dataclass(frozen=True)
class CommunityByPin:
    """`comloc`: find the community from a shared location instead of the list."""

    pattern: ClassVar[re.Pattern[str]] = _pattern("comloc")

    def encode(self) -> str:
        return "comloc"

    @classmethod
    def parse(cls, data: str) -> CommunityByPin:
        _fields(cls.pattern, data)
        return cls()


@dataclass(frozen=True)
class MyReportsPage:
    """`my:<page>` of /myreports."""

    page: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("my", NUMBER)

    def encode(self) -> str:
        return f"my:{self.page}"

    @classmethod
    def parse(cls, data: str) -> MyReportsPage:
        (page,) = _fields(cls.pattern, data)
        return cls(int(page))


@dataclass(frozen=True)
class MyReport:
    """`rep:<report id>`: one of the resident's own reports."""

    report_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("rep", NUMBER)

    def encode(self) -> str:
        return f"rep:{self.report_id}"

    @classmethod
    def parse(cls, data: str) -> MyReport:
        (report_id,) = _fields(cls.pattern, data)
        return cls(int(report_id))


@dataclass(frozen=True)
class Revoke:
    """`rv:<person id>:<community id>`: an admin takes a planner's role away."""

    person_id: int
    community_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("rv", NUMBER, NUMBER)

    def encode(self) -> str:
        return f"rv:{self.person_id}:{self.community_id}"

    @classmethod
    def parse(cls, data: str) -> Revoke:
        person_id, community_id = _fields(cls.pattern, data)
        return cls(int(person_id), int(community_id))


# --- the report conversation: `d:<draft id>:…` ----------------------------------------------


class DraftAction(StrEnum):
    CANCEL = "x"
    PREVIOUS = "prev"
    CONFIRM = "ok"
    EDIT = "edit"
    BACK_TO_REVIEW = "back"


@dataclass(frozen=True)
class DraftButton:
    """`d:<draft id>:<action>`"""

    draft_id: int
    action: DraftAction
    pattern: ClassVar[re.Pattern[str]] = _pattern("d", NUMBER, _one_of(DraftAction))

    def encode(self) -> str:
        return f"d:{self.draft_id}:{self.action.value}"

    @classmethod
    def parse(cls, data: str) -> DraftButton:
        draft_id, action = _fields(cls.pattern, data)
        return cls(int(draft_id), DraftAction(action))


@dataclass(frozen=True)
class DraftCategory:
    """`d:<draft id>:cat:<category>`"""

    draft_id: int
    category: Category
    pattern: ClassVar[re.Pattern[str]] = _pattern("d", NUMBER, "cat", _one_of(Category))

    def encode(self) -> str:
        return f"d:{self.draft_id}:cat:{self.category.value}"

    @classmethod
    def parse(cls, data: str) -> DraftCategory:
        draft_id, category = _fields(cls.pattern, data)
        return cls(int(draft_id), Category(category))


EDITABLE: dict[str, ReportStep] = {
    "photos": ReportStep.PHOTOS,
    "place": ReportStep.WHERE,
    "category": ReportStep.CATEGORY,
    "description": ReportStep.DESCRIPTION,
}


@dataclass(frozen=True)
class DraftEdit:
    """`d:<draft id>:edit:<part>`: go back to one step from the review card."""

    draft_id: int
    part: str  # a key of EDITABLE
    pattern: ClassVar[re.Pattern[str]] = _pattern("d", NUMBER, "edit", _one_of(EDITABLE))

    @property
    def step(self) -> ReportStep:
        return EDITABLE[self.part]

    def encode(self) -> str:
        return f"d:{self.draft_id}:edit:{self.part}"

    @classmethod
    def parse(cls, data: str) -> DraftEdit:
        draft_id, part = _fields(cls.pattern, data)
        return cls(int(draft_id), part)


@dataclass(frozen=True)
class DraftMeToo:
    """`d:<draft id>:me:<report id>`: follow a nearby open report instead."""

    draft_id: int
    report_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("d", NUMBER, "me", NUMBER)

    def encode(self) -> str:
        return f"d:{self.draft_id}:me:{self.report_id}"

    @classmethod
    def parse(cls, data: str) -> DraftMeToo:
        draft_id, report_id = _fields(cls.pattern, data)
        return cls(int(draft_id), int(report_id))


# --- triage: `t:<report id>:<version>:…` -----------------------------------------------------


class TriageAction(StrEnum):
    ACCEPT = "acc"
    NEEDS_INFO = "ni"
    DECLINE = "dec"
    DECLINE_TYPED = "drt"
    MERGE_BY_REF = "mgr"
    SKIP = "skip"
    BACK = "back"


@dataclass(frozen=True)
class TriageButton:
    """`t:<report id>:<version>:<action>`"""

    report_id: int
    version: int
    action: TriageAction
    pattern: ClassVar[re.Pattern[str]] = _pattern("t", NUMBER, NUMBER, _one_of(TriageAction))

    def encode(self) -> str:
        return f"t:{self.report_id}:{self.version}:{self.action.value}"

    @classmethod
    def parse(cls, data: str) -> TriageButton:
        report_id, version, action = _fields(cls.pattern, data)
        return cls(int(report_id), int(version), TriageAction(action))


@dataclass(frozen=True)
class TriageDepartment:
    """`t:<report id>:<version>:dep:<department>`: accept, routed to a department."""

    report_id: int
    version: int
    department: Department
    pattern: ClassVar[re.Pattern[str]] = _pattern("t", NUMBER, NUMBER, "dep", _one_of(Department))

    def encode(self) -> str:
        return f"t:{self.report_id}:{self.version}:dep:{self.department.value}"

    @classmethod
    def parse(cls, data: str) -> TriageDepartment:
        report_id, version, department = _fields(cls.pattern, data)
        return cls(int(report_id), int(version), Department(department))


REASONS = tuple(DeclineReason)


@dataclass(frozen=True)
class TriageDecline:
    """`t:<report id>:<version>:dr:<n>`: decline with the n-th template reason."""

    report_id: int
    version: int
    reason: DeclineReason
    pattern: ClassVar[re.Pattern[str]] = _pattern(
        "t", NUMBER, NUMBER, "dr", _one_of(str(n) for n in range(len(REASONS)))
    )

    def encode(self) -> str:
        return f"t:{self.report_id}:{self.version}:dr:{REASONS.index(self.reason)}"

    @classmethod
    def parse(cls, data: str) -> TriageDecline:
        report_id, version, index = _fields(cls.pattern, data)
        return cls(int(report_id), int(version), REASONS[int(index)])


@dataclass(frozen=True)
class TriageMerge:
    """`t:<report id>:<version>:mg:<report id>`: merge into a suggested duplicate."""

    report_id: int
    version: int
    into_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("t", NUMBER, NUMBER, "mg", NUMBER)

    def encode(self) -> str:
        return f"t:{self.report_id}:{self.version}:mg:{self.into_id}"

    @classmethod
    def parse(cls, data: str) -> TriageMerge:
        report_id, version, into_id = _fields(cls.pattern, data)
        return cls(int(report_id), int(version), int(into_id))


@dataclass(frozen=True)
class TriageStage:
    """`t:<report id>:<version>:go:<stage>` asks for a note; `…:gn:<stage>` moves without."""

    report_id: int
    version: int
    stage: ReportStatus
    with_note: bool
    pattern: ClassVar[re.Pattern[str]] = _pattern(
        "t", NUMBER, NUMBER, "(go|gn)", _one_of(PLANNER_STEPS)
    )

    def encode(self) -> str:
        kind = "go" if self.with_note else "gn"
        return f"t:{self.report_id}:{self.version}:{kind}:{self.stage.value}"

    @classmethod
    def parse(cls, data: str) -> TriageStage:
        report_id, version, kind, stage = _fields(cls.pattern, data)
        return cls(int(report_id), int(version), ReportStatus(stage), kind == "go")
