"""More inline buttons of the report conversation (handlers/buttons.py is full), declared
the same way: `encode()`, an anchored `pattern`, `parse()`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from handlers.buttons import NUMBER, _fields, _pattern


@dataclass(frozen=True)
class DraftDiscard:
    """`d:<draft id>:drop:yes` discards the draft after a cancel; `…:drop:no` keeps going."""

    draft_id: int
    discard: bool
    pattern: ClassVar[re.Pattern[str]] = _pattern("d", NUMBER, "drop", "(yes|no)")

    def encode(self) -> str:
        return f"d:{self.draft_id}:drop:{'yes' if self.discard else 'no'}"

    @classmethod
    def parse(cls, data: str) -> DraftDiscard:
        draft_id, answer = _fields(cls.pattern, data)
        return cls(int(draft_id), answer == "yes")
