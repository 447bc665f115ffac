"""Volunteer events' inline buttons (issue 15), one family each, as in `handlers/buttons.py`.

A planner's wizard: `evc:<community>` (the community), `evd:<event>:<version>:<p|x>` (the
preview's Publish / Cancel). A resident: `ev:<event>:<s|c>` (sign up, cancel). A planner's
event: `evp:<event>:<i|a|f>` (invite the report's followers, the attendance list, the CSV)
and `eva:<event>:<sign-up>` (came / did not come). Data that fits no family never reaches a
handler; storage refuses a forged event or sign-up with a clear answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from handlers.buttons import NUMBER, _fields, _one_of, _pattern


class DraftMove(StrEnum):
    PUBLISH = "p"
    CANCEL = "x"


class SignMove(StrEnum):
    SIGN_UP = "s"
    CANCEL = "c"


class PlanMove(StrEnum):
    INVITE_FOLLOWERS = "i"
    ATTENDANCE = "a"
    CSV = "f"


@dataclass(frozen=True)
class EventCommunity:
    """`evc:<community id>`: the wizard's community."""

    community_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("evc", NUMBER)

    def encode(self) -> str:
        return f"evc:{self.community_id}"

    @classmethod
    def parse(cls, data: str) -> EventCommunity:
        (community_id,) = _fields(cls.pattern, data)
        return cls(int(community_id))


@dataclass(frozen=True)
class EventDraftButton:
    """`evd:<event id>:<version>:<p|x>`"""

    event_id: int
    version: int
    move: DraftMove
    pattern: ClassVar[re.Pattern[str]] = _pattern("evd", NUMBER, NUMBER, _one_of(DraftMove))

    def encode(self) -> str:
        return f"evd:{self.event_id}:{self.version}:{self.move}"

    @classmethod
    def parse(cls, data: str) -> EventDraftButton:
        event_id, version, move = _fields(cls.pattern, data)
        return cls(int(event_id), int(version), DraftMove(move))


@dataclass(frozen=True)
class EventSign:
    """`ev:<event id>:<s|c>`"""

    event_id: int
    move: SignMove
    pattern: ClassVar[re.Pattern[str]] = _pattern("ev", NUMBER, _one_of(SignMove))

    def encode(self) -> str:
        return f"ev:{self.event_id}:{self.move}"

    @classmethod
    def parse(cls, data: str) -> EventSign:
        event_id, move = _fields(cls.pattern, data)
        return cls(int(event_id), SignMove(move))


@dataclass(frozen=True)
class EventPlan:
    """`evp:<event id>:<i|a|f>`"""

    event_id: int
    move: PlanMove
    pattern: ClassVar[re.Pattern[str]] = _pattern("evp", NUMBER, _one_of(PlanMove))

    def encode(self) -> str:
        return f"evp:{self.event_id}:{self.move}"

    @classmethod
    def parse(cls, data: str) -> EventPlan:
        event_id, move = _fields(cls.pattern, data)
        return cls(int(event_id), PlanMove(move))


@dataclass(frozen=True)
class EventAttend:
    """`eva:<event id>:<sign-up id>`"""

    event_id: int
    signup_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("eva", NUMBER, NUMBER)

    def encode(self) -> str:
        return f"eva:{self.event_id}:{self.signup_id}"

    @classmethod
    def parse(cls, data: str) -> EventAttend:
        event_id, signup_id = _fields(cls.pattern, data)
        return cls(int(event_id), int(signup_id))
