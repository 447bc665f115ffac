"""The buttons of a department card (issue 13), declared as in handlers/buttons.py.

`dw:<report id>:<version>:<action>`: `r` received, `d` done (asks for the after photo),
`x` not yet (back from asking). The card is the state: while it asks for the photo, its
button carries the report and the version the photo will resolve, so a photo sent as a
reply to the card needs no other record (`photo_request`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from telegram import Message

from handlers.buttons import NUMBER, _fields, _one_of, _pattern


class CardAction(StrEnum):
    RECEIVED = "r"
    DONE = "d"
    NOT_YET = "x"


@dataclass(frozen=True)
class DepartmentButton:
    """`dw:<report id>:<version>:<action>`"""

    report_id: int
    version: int
    action: CardAction
    pattern: ClassVar[re.Pattern[str]] = _pattern("dw", NUMBER, NUMBER, _one_of(CardAction))

    def encode(self) -> str:
        return f"dw:{self.report_id}:{self.version}:{self.action.value}"

    @classmethod
    def parse(cls, data: str) -> DepartmentButton:
        report_id, version, action = _fields(cls.pattern, data)
        return cls(int(report_id), int(version), CardAction(action))


def photo_request(message: Message, *, bot_id: int) -> DepartmentButton | None:
    """The card a message answers, when it is a reply to one of this bot's department cards
    that asks for (or offers) "done, with photo"; else None."""
    card = message.reply_to_message
    if card is None or card.from_user is None or card.from_user.id != bot_id:
        return None
    markup = card.reply_markup
    for row in markup.inline_keyboard if markup is not None else ():
        for key in row:
            data = key.callback_data
            if isinstance(data, str) and DepartmentButton.pattern.match(data):
                button = DepartmentButton.parse(data)
                if button.action is not CardAction.RECEIVED:
                    return button
    return None
