"""The buttons of "is it fixed?", declared as in handlers/buttons.py (whose helpers they use).

`sat:<report id>:<answer>` carries a `rules.Satisfaction` code. `rate:<report id>:<stars>`
is the 1-5 star button of before (0 meaning "not fixed"): such buttons stay in residents'
chats, so they are still read, and their stars are taken on the new scale
(`rules.from_stars`; tests/conversation/test_rating.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from handlers.buttons import NUMBER, _fields, _one_of, _pattern
from storage.rules import Satisfaction, from_stars


@dataclass(frozen=True)
class Satisfy:
    """`sat:<report id>:<answer>`: the reporter's answer, satisfied … not fixed."""

    report_id: int
    answer: Satisfaction
    pattern: ClassVar[re.Pattern[str]] = _pattern("sat", NUMBER, _one_of(Satisfaction))

    def encode(self) -> str:
        return f"sat:{self.report_id}:{self.answer.value}"

    @classmethod
    def parse(cls, data: str) -> Satisfy:
        report_id, answer = _fields(cls.pattern, data)
        return cls(int(report_id), Satisfaction(answer))


@dataclass(frozen=True)
class Rate:
    """`rate:<report id>:<stars>`, 0 stars meaning "not fixed": the star buttons of before."""

    report_id: int
    stars: int
    pattern: ClassVar[re.Pattern[str]] = _pattern("rate", NUMBER, "([0-5])")

    def encode(self) -> str:
        return f"rate:{self.report_id}:{self.stars}"

    @classmethod
    def parse(cls, data: str) -> Rate:
        report_id, stars = _fields(cls.pattern, data)
        return cls(int(report_id), int(stars))

    @property
    def answer(self) -> Satisfaction:
        """What these stars mean on the scale of today."""
        return from_stars(self.stars)
