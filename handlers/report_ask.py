"""The report conversation's words: the question of each step, the review card, and what
each refusal of `storage.reporting` means to the resident. Rendering only: no storage call.

Every question is one message; what the resident's last answer did (the place saved, the
draft resumed) is its first paragraph, the `lead`, not a message of its own (issue 11: at
most one paced Bot API request per update, tests/conversation/test_paced_requests.py).
"""

from __future__ import annotations

from functools import cache

from telegram import KeyboardButton, Message, ReplyKeyboardMarkup, Update

import prompts
from handlers.buttons import (
    EDITABLE,
    DraftAction,
    DraftButton,
    DraftEdit,
    DraftMeToo,
)
from handlers.buttons_report import DraftDiscard
from handlers.common import (
    Caller,
    answer_expired,
    fit,
    inline,
    menu_keyboard,
    message_of,
    paragraphs,
    photo_source,
    place_label,
    plain,
    reply_keyboard,
    shorten,
    t,
)
from handlers.community_list import show_communities
from handlers.context import CustomContext
from storage.communities import community_name
from storage.drafts import MAX_ADDRESS, MAX_PHOTOS, DraftError
from storage.models import Category, Community, ReportStep, format_ref
from storage.reporting import DraftView, Review
from storage.residents import Page
from storage.rules import MAX_WORDS

CAPTION_LIMIT = 1024  # Telegram's caption limit, after entity parsing
REVIEW_DESCRIPTION_CHARS = 600  # the words shown on the review card, at most


async def ask(
    update: Update, context: CustomContext, caller: Caller, view: DraftView, *, lead: str = ""
) -> None:
    """Ask the question of the draft's current step (one question at a time), after `lead`."""
    locale, message = caller.locale, message_of(update)
    cancel, back = plain(locale, "buttons.cancel"), plain(locale, "buttons.back_step")
    if view.step is ReportStep.PHOTOS:
        if view.draft.replace_photos:  # an edit of the photos: the old ones until new come
            await message.reply_text(
                paragraphs(lead, t(locale, "report.ask_new_photos", count=view.photos)),
                reply_markup=reply_keyboard([[plain(locale, "buttons.back_to_review")], [cancel]]),
            )
        elif view.photos:
            await send_photo_count(message, locale, view.photos, lead=lead)
        else:
            await message.reply_text(
                paragraphs(lead, t(locale, "report.ask_photos", max=MAX_PHOTOS)),
                reply_markup=reply_keyboard([[cancel]]),
            )
    elif view.step is ReportStep.WHERE:
        share = KeyboardButton(plain(locale, "buttons.share_location"), request_location=True)
        # the nearest places by name, for those who will not share a location
        names = [[lm.name_zh if locale == "zh" else lm.name_en] for lm in view.landmarks]
        await message.reply_text(
            paragraphs(lead, t(locale, "report.ask_place", landmarks=bool(names))),
            reply_markup=reply_keyboard([[share], *names, [back, cancel]]),
        )
    elif view.step is ReportStep.COMMUNITY:
        assert view.communities is not None
        await ask_community_step(update, caller, view.communities, lead=lead)
    elif view.step is ReportStep.CATEGORY:
        await message.reply_text(
            paragraphs(lead, t(locale, "report.ask_category")),
            reply_markup=category_keyboard(locale),
        )
    elif view.step is ReportStep.DESCRIPTION:
        await message.reply_text(
            paragraphs(lead, t(locale, "report.ask_description", max=MAX_WORDS)),
            reply_markup=reply_keyboard([[plain(locale, "buttons.skip")], [back, cancel]]),
        )
    else:
        await send_review(update, context, caller, view, lead=lead)


def category_keyboard(locale: str) -> ReplyKeyboardMarkup:
    """The categories as big reply-keyboard buttons, one a row, then back and cancel: a
    message with a reply keyboard also replaces the place step's (its location button)."""
    rows: list[list[str]] = [[plain(locale, f"category.{c.value}")] for c in Category]
    rows.append([plain(locale, "buttons.back_step"), plain(locale, "buttons.cancel")])
    return reply_keyboard(rows)


@cache
def _category_labels() -> dict[str, Category]:
    return {plain(locale, f"category.{c.value}"): c for locale in prompts.LOCALES for c in Category}


def category_of(text: str) -> Category | None:
    """The category whose button label `text` is, in any locale (a reply keyboard sends
    the label), or None."""
    return _category_labels().get(text)


def photo_count_text(locale: str, count: int) -> str:
    return t(locale, "report.photos_received", count=count, max=MAX_PHOTOS)


def photo_count_keyboard(locale: str) -> ReplyKeyboardMarkup:
    """Sending the location says where, and ends the photos in the same tap."""
    share = KeyboardButton(plain(locale, "buttons.share_location"), request_location=True)
    return reply_keyboard(
        [[share], [plain(locale, "buttons.photos_done")], [plain(locale, "buttons.cancel")]]
    )


async def ask_community_step(
    update: Update, caller: Caller, listed: Page[Community], *, edit: bool = False, lead: str = ""
) -> None:
    """The report's community, when its place named none: the list (its reply keyboard, with
    back and cancel, stays from the place question)."""
    question = t(caller.locale, "report.ask_community")
    await show_communities(update, caller, listed, edit=edit, lead=lead, question=question)


async def ask_discard(update: Update, caller: Caller, draft_id: int, photos: int) -> None:
    """A cancel of a draft that holds something: discard it, or keep going?"""
    locale = caller.locale
    rows = [
        [(plain(locale, "buttons.discard"), DraftDiscard(draft_id, discard=True).encode())],
        [(plain(locale, "buttons.keep_going"), DraftDiscard(draft_id, discard=False).encode())],
    ]
    await message_of(update).reply_text(
        t(locale, "report.discard_ask", photos=photos), reply_markup=inline(rows)
    )


async def send_photo_count(message: Message, locale: str, count: int, *, lead: str = "") -> None:
    await message.reply_text(
        paragraphs(lead, photo_count_text(locale, count)),
        reply_markup=photo_count_keyboard(locale),
    )


async def send_review(
    update: Update, context: CustomContext, caller: Caller, view: DraftView, *, lead: str = ""
) -> None:
    """The first photo, what the report says, nearby reports to follow instead, the buttons;
    `lead` first, in the caption."""
    assert view.review is not None
    locale, draft, review = caller.locale, view.draft, view.review

    def caption_with(description_chars: int) -> str:
        card = t(
            locale,
            "report.review",
            photos=view.photos,
            place=place_label(locale, draft, community=review.community),
            category=t(locale, f"category.{draft.category}"),
            description=shorten(draft.description, description_chars),
            community=community_name(review.community, locale)
            if review.community
            else t(locale, "report.no_community"),
            outside_area=draft.outside_area,
            voice=draft.voice_file_id is not None,
        )
        text = paragraphs(lead, card)
        if review.nearby:
            refs = [format_ref(r.id or 0) for r in review.nearby]
            text += "\n\n" + t(locale, "report.nearby", refs=refs)
        return text

    caption = fit(caption_with, CAPTION_LIMIT, start=REVIEW_DESCRIPTION_CHARS)
    await message_of(update).reply_photo(
        photo_source(context, review.photos[0]),
        caption=caption,
        reply_markup=inline(review_buttons(locale, draft.id or 0, review)),
    )


def review_buttons(locale: str, draft_id: int, review: Review) -> list[list[tuple[str, str]]]:
    me_too = [
        [
            (
                plain(locale, "buttons.me_too", ref=format_ref(r.id or 0)),
                DraftMeToo(draft_id, r.id or 0).encode(),
            )
        ]
        for r in review.nearby
    ]
    return [
        [(plain(locale, "buttons.confirm"), DraftButton(draft_id, DraftAction.CONFIRM).encode())],
        *me_too,
        [
            (plain(locale, "buttons.edit"), DraftButton(draft_id, DraftAction.EDIT).encode()),
            (plain(locale, "buttons.cancel"), DraftButton(draft_id, DraftAction.CANCEL).encode()),
        ],
    ]


def edit_buttons(locale: str, draft_id: int) -> list[list[tuple[str, str]]]:
    rows = [
        [(plain(locale, f"buttons.edit_{part}"), DraftEdit(draft_id, part).encode())]
        for part in EDITABLE
    ]
    back = DraftButton(draft_id, DraftAction.BACK_TO_REVIEW)
    rows.append([(plain(locale, "buttons.back_to_review"), back.encode())])
    return rows


async def receipt(update: Update, context: CustomContext, caller: Caller, report_id: int) -> None:
    """The report's reference, sent only after the transaction that filed it committed."""
    locale = caller.locale
    await message_of(update).reply_text(
        t(locale, "report.submitted", ref=format_ref(report_id))
        + "\n\n"
        + t(locale, "report.next_steps", hours=context.config.first_response_hours),
        reply_markup=menu_keyboard(locale),
    )


async def refused(
    update: Update, context: CustomContext, caller: Caller, error: DraftError, *, text: str = ""
) -> None:
    """What a refusal of the report conversation means, in words (`text`: what was typed)."""
    locale, message = caller.locale, message_of(update)
    if error.code == "expired":
        if update.callback_query is not None:
            await answer_expired(update, locale)
        else:
            await message.reply_text(t(locale, "common.expired"))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    if error.code == "hourly_limit":
        limit = context.config.reports_per_hour
        await message.reply_text(
            t(locale, "report.too_many_per_hour", limit=limit), reply_markup=menu_keyboard(locale)
        )
    elif error.code == "too_long":
        await message.reply_text(
            t(locale, "report.description_too_long", max=MAX_WORDS, length=len(text.strip()))
        )
    elif error.code == "address_too_long":
        await message.reply_text(t(locale, "report.address_too_long", max=MAX_ADDRESS))
    elif error.code == "no_place":
        await message.reply_text(t(locale, "report.not_a_place"))
    elif error.code == "too_many":
        await message.reply_text(t(locale, "report.too_many_photos", max=MAX_PHOTOS))
    elif error.code == "no_photos":
        await message.reply_text(t(locale, "report.need_photo_first"))
    else:  # no_category
        await message.reply_text(t(locale, "report.incomplete"))
