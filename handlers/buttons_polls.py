"""Polls' inline buttons, one family each, in the pattern of `handlers/buttons.py`.

`plc:<community id>` picks the community of a new poll; `pl:<poll id>:<version>:<action>`
acts on the preview that shows that version (Send, Cancel, several answers, anonymity, the
closing time); `set:polls:<on|off>` is the resident's /settings toggle. Data that fits no
family never reaches a handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from handlers.buttons import NUMBER, _fields, _one_of, _pattern


@dataclass(frozen=True)
class PollCommunity:
    """`plc:<community id>`"""

    community_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("plc", NUMBER)

    def encode(self) -> str:
        return f"plc:{self.community_id}"

    @classmethod
    def parse(cls, data: str) -> PollCommunity:
        (community_id,) = _fields(cls.pattern, data)
        return cls(int(community_id))


class PollAction(StrEnum):
    SEND = "send"
    CANCEL = "cancel"
    MULTIPLE = "multi"  # the values of storage.polls.Toggle
    ANONYMOUS = "anon"
    DAYS = "days"


@dataclass(frozen=True)
class PollButton:
    """`pl:<poll id>:<version>:<action>`"""

    poll_id: int
    version: int
    action: PollAction
    pattern: ClassVar[re.Pattern[str]] = _pattern("pl", NUMBER, NUMBER, _one_of(PollAction))

    def encode(self) -> str:
        return f"pl:{self.poll_id}:{self.version}:{self.action}"

    @classmethod
    def parse(cls, data: str) -> PollButton:
        poll_id, version, action = _fields(cls.pattern, data)
        return cls(int(poll_id), int(version), PollAction(action))


@dataclass(frozen=True)
class PollsSetting:
    """`set:polls:<on|off>`: what the resident's tap turns polls to."""

    accept: bool
    pattern: ClassVar[re.Pattern[str]] = _pattern("set", "polls", "(on|off)")

    def encode(self) -> str:
        return f"set:polls:{'on' if self.accept else 'off'}"

    @classmethod
    def parse(cls, data: str) -> PollsSetting:
        (value,) = _fields(cls.pattern, data)
        return cls(value == "on")
