"""Priority ballots' inline buttons (issue 14), one family each, as in `handlers/buttons.py`.

A draft's card: `bd:<ballot>:<version>:<res|pan|x>` (who votes, cancel),
`bdr:<ballot>:<version>:<report id>` (add a report), `bdo:<ballot>:<version>:<days>` (open).
A voter: `bi:<ballot>:<position>` shows an item, `bs:<ballot>:<item>:<u|i>:<score>` scores it
(the score is any number here: storage refuses one out of range with a clear answer, and a
forged item or ballot likewise). A planner's `/panel`: `pr:<person>:<community>` removes a
member. Data that fits no family never reaches a handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from handlers.buttons import NUMBER, _fields, _one_of, _pattern
from storage.ballot_voting import Axis


class DraftAction(StrEnum):
    RESIDENTS = "res"
    PANEL = "pan"
    CANCEL = "x"


@dataclass(frozen=True)
class BallotDraft:
    """`bd:<ballot id>:<version>:<action>`"""

    ballot_id: int
    version: int
    action: DraftAction
    pattern: ClassVar[re.Pattern[str]] = _pattern("bd", NUMBER, NUMBER, _one_of(DraftAction))

    def encode(self) -> str:
        return f"bd:{self.ballot_id}:{self.version}:{self.action}"

    @classmethod
    def parse(cls, data: str) -> BallotDraft:
        ballot_id, version, action = _fields(cls.pattern, data)
        return cls(int(ballot_id), int(version), DraftAction(action))


@dataclass(frozen=True)
class BallotAddReport:
    """`bdr:<ballot id>:<version>:<report id>`"""

    ballot_id: int
    version: int
    report_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("bdr", NUMBER, NUMBER, NUMBER)

    def encode(self) -> str:
        return f"bdr:{self.ballot_id}:{self.version}:{self.report_id}"

    @classmethod
    def parse(cls, data: str) -> BallotAddReport:
        ballot_id, version, report_id = _fields(cls.pattern, data)
        return cls(int(ballot_id), int(version), int(report_id))


@dataclass(frozen=True)
class BallotOpen:
    """`bdo:<ballot id>:<version>:<days>`: open it, closing after that many days."""

    ballot_id: int
    version: int
    days: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("bdo", NUMBER, NUMBER, NUMBER)

    def encode(self) -> str:
        return f"bdo:{self.ballot_id}:{self.version}:{self.days}"

    @classmethod
    def parse(cls, data: str) -> BallotOpen:
        ballot_id, version, days = _fields(cls.pattern, data)
        return cls(int(ballot_id), int(version), int(days))


@dataclass(frozen=True)
class BallotItemView:
    """`bi:<ballot id>:<position>`: show a voter the item at that position."""

    ballot_id: int
    position: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("bi", NUMBER, NUMBER)

    def encode(self) -> str:
        return f"bi:{self.ballot_id}:{self.position}"

    @classmethod
    def parse(cls, data: str) -> BallotItemView:
        ballot_id, position = _fields(cls.pattern, data)
        return cls(int(ballot_id), int(position))


@dataclass(frozen=True)
class BallotScoreButton:
    """`bs:<ballot id>:<item id>:<u|i>:<score>`"""

    ballot_id: int
    item_id: int
    axis: Axis
    score: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("bs", NUMBER, NUMBER, _one_of(Axis), NUMBER)

    def encode(self) -> str:
        return f"bs:{self.ballot_id}:{self.item_id}:{self.axis}:{self.score}"

    @classmethod
    def parse(cls, data: str) -> BallotScoreButton:
        ballot_id, item_id, axis, score = _fields(cls.pattern, data)
        return cls(int(ballot_id), int(item_id), Axis(axis), int(score))


@dataclass(frozen=True)
class PanelRemove:
    """`pr:<person id>:<community id>`: a planner takes a member off the panel."""

    person_id: int
    community_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("pr", NUMBER, NUMBER)

    def encode(self) -> str:
        return f"pr:{self.person_id}:{self.community_id}"

    @classmethod
    def parse(cls, data: str) -> PanelRemove:
        person_id, community_id = _fields(cls.pattern, data)
        return cls(int(person_id), int(community_id))
