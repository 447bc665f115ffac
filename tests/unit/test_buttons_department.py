"""A department card's button family: round trip within 64 bytes, no other family takes its
data, and a reply to a card names the report and version its photo resolves."""

from __future__ import annotations

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, User

from handlers.buttons import Family
from handlers.buttons_department import CardAction, DepartmentButton, photo_request
from handlers.buttons_notices import NoticeButton, NoticeCommunity, NoticesSetting
from tests.unit.test_buttons import BIG, EXAMPLES, _families

BOT = User(id=42, first_name="bot", is_bot=True)
OTHERS: list[type[Family]] = [*_families(), NoticeCommunity, NoticeButton, NoticesSetting]


@pytest.mark.parametrize(
    "button", [DepartmentButton(BIG, BIG, action) for action in CardAction], ids=str
)
def test_round_trip_and_one_family_each(button: DepartmentButton) -> None:
    data = button.encode()
    assert len(data.encode("utf-8")) <= 64
    assert DepartmentButton.pattern.match(data)
    assert not any(f.pattern.match(data) for f in OTHERS)
    assert DepartmentButton.parse(data) == button


def test_older_buttons_fit_no_department_family() -> None:
    for button in EXAMPLES:
        assert not DepartmentButton.pattern.match(button.encode())


@pytest.mark.parametrize("data", ["dw:1:1:rr", "dw:1:r", "dw:１:1:r", "dw:1:1:r\n", "dw:a:1:d"])
def test_forged_data_fits_nothing(data: str) -> None:
    assert not DepartmentButton.pattern.match(data)


def reply_to(card_buttons: list[str], *, sender: User = BOT) -> Message:
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(data, callback_data=data)] for data in card_buttons]
    )
    card = Message(1, None, None, from_user=sender, reply_markup=markup)  # type: ignore[arg-type]
    return Message(2, None, None, reply_to_message=card)  # type: ignore[arg-type]


def test_a_reply_to_a_card_that_asks_names_its_report_and_version() -> None:
    asking = DepartmentButton(7, 3, CardAction.NOT_YET)
    offering = DepartmentButton(7, 3, CardAction.DONE)
    assert photo_request(reply_to([asking.encode()]), bot_id=BOT.id) == asking
    assert photo_request(reply_to([offering.encode()]), bot_id=BOT.id) == offering
    received = DepartmentButton(7, 2, CardAction.RECEIVED).encode()
    assert photo_request(reply_to([received]), bot_id=BOT.id) is None, "not received yet"
    assert photo_request(reply_to(["t:7:3:acc"]), bot_id=BOT.id) is None
    someone = User(id=5, first_name="someone", is_bot=False)
    assert photo_request(reply_to([asking.encode()], sender=someone), bot_id=BOT.id) is None
    assert photo_request(Message(3, None, None), bot_id=BOT.id) is None  # type: ignore[arg-type]
