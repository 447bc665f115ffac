"""Notices' inline buttons, one family each, in the pattern of `handlers/buttons.py`.

`ntc:<community id>` picks the community of a new notice; `nt:<notice id>:<version>:<action>`
acts on the preview that shows that version (Send, Cancel, the audience); `set:notices:<on|off>`
is the resident's /settings toggle. Data that fits no family never reaches a handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from handlers.buttons import NUMBER, _fields, _one_of, _pattern


@dataclass(frozen=True)
class NoticeCommunity:
    """`ntc:<community id>`"""

    community_id: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("ntc", NUMBER)

    def encode(self) -> str:
        return f"ntc:{self.community_id}"

    @classmethod
    def parse(cls, data: str) -> NoticeCommunity:
        (community_id,) = _fields(cls.pattern, data)
        return cls(int(community_id))


class NoticeAction(StrEnum):
    SEND = "send"
    CANCEL = "cancel"
    FOLLOWERS = "fol"  # only the linked report's followers
    COMMUNITY = "all"  # the whole community again


@dataclass(frozen=True)
class NoticeButton:
    """`nt:<notice id>:<version>:<action>`"""

    notice_id: int
    version: int
    action: NoticeAction
    pattern: ClassVar[re.Pattern[str]] = _pattern("nt", NUMBER, NUMBER, _one_of(NoticeAction))

    def encode(self) -> str:
        return f"nt:{self.notice_id}:{self.version}:{self.action}"

    @classmethod
    def parse(cls, data: str) -> NoticeButton:
        notice_id, version, action = _fields(cls.pattern, data)
        return cls(int(notice_id), int(version), NoticeAction(action))


@dataclass(frozen=True)
class NoticesSetting:
    """`set:notices:<on|off>`: what the resident's tap turns notices to."""

    accept: bool
    pattern: ClassVar[re.Pattern[str]] = _pattern("set", "notices", "(on|off)")

    def encode(self) -> str:
        return f"set:notices:{'on' if self.accept else 'off'}"

    @classmethod
    def parse(cls, data: str) -> NoticesSetting:
        (value,) = _fields(cls.pattern, data)
        return cls(value == "on")
