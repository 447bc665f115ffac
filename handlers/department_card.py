"""A department card's words and buttons (issue 13), from the facts `storage.department_work`
keeps for it: the outbox sends the first card with them, and every press edits it with
them again, so the card always reads alike and its buttons follow the report's state.

The card is the report's first photo with the card as its caption (a text message when the
report has none): the reference, the stage, the category, the place (landmark words where
there is one), the resident's words, the community, and what the department said by whom.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup

from handlers.buttons_department import CardAction, DepartmentButton
from handlers.common import fit, inline, place_label, plain, shorten, t
from handlers.report_ask import CAPTION_LIMIT
from storage.department_work import FINISH_FROM, RECEIVE_FROM
from storage.models import format_ref
from storage.rules import MAX_WORDS


@dataclass(frozen=True)
class Place:
    """A card's place, as `handlers.common.place_label` reads it."""

    address: str
    landmark_zh: str | None
    landmark_en: str | None
    landmark_m: int | None
    lat: float | None
    lon: float | None
    outside_area: bool


@dataclass(frozen=True)
class CardMessage:
    text: str
    markup: InlineKeyboardMarkup | None
    photo: str | None  # the report's first photo's file id
    as_document: bool  # that photo was sent as a file


def card_message(locale: str, params: dict[str, Any], *, asking: bool = False) -> CardMessage:
    """The card in the chat's language; `asking`: it asks for the after photo."""
    photo = params.get("photo")
    text = fit(lambda chars: _text(locale, params, chars, asking), CAPTION_LIMIT, start=1000)
    return CardMessage(
        text=text,
        markup=_buttons(locale, params, asking=asking),
        photo=str(photo) if photo else None,
        as_document=params.get("photo_kind") == "document",
    )


def _text(locale: str, params: dict[str, Any], chars: int, asking: bool) -> str:
    community = params.get("community") or {}
    return t(
        locale,
        "department_chat.card",
        ref=format_ref(int(params["report_id"])),
        status=t(locale, f"status.{params['status']}"),
        department=t(locale, f"department.{params['department']}"),
        category=t(locale, f"category.{params['category']}"),
        place=place_label(locale, Place(**params["place"])),
        description=shorten(str(params.get("description") or ""), min(chars, MAX_WORDS)),
        voice=bool(params.get("voice")),
        photos=int(params.get("photos") or 0),
        community=community.get(locale) or community.get("zh") or "",
        notes=[
            t(locale, f"department_chat.log_{step}", name=name)
            for step, name in params.get("log", [])
        ],
        asking=asking,
    )


def _buttons(locale: str, params: dict[str, Any], *, asking: bool) -> InlineKeyboardMarkup | None:
    """What the working group can say next: received (when accepted), done with a photo
    (planned, in progress or reopened), "not yet" while asking; nothing once it is done."""
    report_id, version, status = int(params["report_id"]), int(params["version"]), params["status"]

    def button(action: CardAction) -> str:
        return DepartmentButton(report_id, version, action).encode()

    if asking:
        return inline([[(plain(locale, "department_chat.not_yet"), button(CardAction.NOT_YET))]])
    if status in RECEIVE_FROM:
        return inline([[(plain(locale, "department_chat.received"), button(CardAction.RECEIVED))]])
    if status in FINISH_FROM:
        return inline([[(plain(locale, "department_chat.done"), button(CardAction.DONE))]])
    return None
