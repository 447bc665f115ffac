"""Pieces every feature uses: who is writing, in which language, and the keyboards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)

import prompts
from handlers.context import CustomContext
from storage.callers import CallerState, begin_update
from storage.communities import community_name, get_community
from storage.models import Community, DraftPhoto, Person, ReportDraft, ReportPhoto
from storage.residents import LIST_PAGE_SIZE

PAGE_SIZE = LIST_PAGE_SIZE


@dataclass(frozen=True)
class Caller:
    """The person behind an update, with their community, draft and open question, as read
    at the start of the update (`storage.callers`)."""

    state: CallerState

    @property
    def person(self) -> Person:
        return self.state.person

    @property
    def created(self) -> bool:
        return self.state.created

    @property
    def draft(self) -> ReportDraft | None:
        return self.state.draft

    @property
    def locale(self) -> str:
        return prompts.normalise_locale(self.person.locale)

    @property
    def id(self) -> int:
        return self.state.id


def message_of(update: Update) -> Message:
    """The message an update is about (the tapped message, for a button)."""
    message = update.effective_message
    assert message is not None
    return message


class Placed(Protocol):
    """Where something is, as a report, a draft or a department card's facts hold it."""

    @property
    def address(self) -> str: ...
    @property
    def landmark_zh(self) -> str | None: ...
    @property
    def landmark_en(self) -> str | None: ...
    @property
    def landmark_m(self) -> int | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def outside_area(self) -> bool: ...


def place_label(locale: str, where: Placed, *, community: Community | None = None) -> str:
    """A typed address as given; else the landmark nearest the pin and its distance
    (rounded to 10 m); else, given the community the pin is in, that community; else the
    pin's coordinates."""
    if where.address:
        return where.address
    if where.landmark_m is not None and where.landmark_zh:
        name = where.landmark_zh if locale == "zh" else where.landmark_en or where.landmark_zh
        return t(locale, "report.place_landmark", name=name, distance=round(where.landmark_m, -1))
    if where.lat is not None and where.lon is not None:
        if community is not None and not where.outside_area:
            return t(
                locale, "report.place_in_community", community=community_name(community, locale)
            )
        return t(locale, "report.place_pin", lat=round(where.lat, 5), lon=round(where.lon, 5))
    return ""


def t(locale: str, key: str, /, **params: object) -> str:
    """Shorthand for rendering a prompt as HTML (the parse mode of every message)."""
    return prompts.render(key, locale, **params)


def paragraphs(*parts: str) -> str:
    """Messages folded into one (a confirmation and the next question): one request, not
    two (issue 11: at most one paced Bot API request per update)."""
    return "\n\n".join(part for part in parts if part)


def plain(locale: str, key: str, /, **params: object) -> str:
    """A prompt as plain text, for what Telegram does not parse: button labels and the
    answer to a button press."""
    return prompts.render_text(key, locale, **params)


def guess_locale(update: Update, context: CustomContext) -> str:
    """The locale for someone we may not have stored yet."""
    user = update.effective_user
    if user is not None and user.language_code:
        return prompts.normalise_locale(user.language_code)
    return context.config.default_locale


async def load_caller(update: Update, context: CustomContext) -> Caller:
    """The person sending this update, read once per update and created on first contact;
    every handler of the update shares what was read. The read begins the update's unit of
    work, which its step continues (storage/callers.py, `begin_update`)."""
    if context.caller_state is None:
        user = update.effective_user
        assert user is not None
        context.caller_state = await begin_update(
            context.services.engine,
            telegram_id=user.id,
            first_name=user.first_name or "",
            locale=guess_locale(update, context),
            now=context.now(),
        )
    return Caller(context.caller_state)


def remember(context: CustomContext, state: CallerState) -> Caller:
    """What an operation of this update changed about the caller, for its other handlers."""
    context.caller_state = state
    return Caller(state)


def community_label(caller: Caller, community: Community | None = None) -> str:
    """The name of `community`, or else of the caller's own, for the menu and /help."""
    community = community or caller.state.community
    if community is None:
        return t(caller.locale, "report.no_community")
    return community_name(community, caller.locale)


def menu_keyboard(locale: str) -> ReplyKeyboardMarkup:
    """The main menu: big buttons, one feature per row where it matters most."""
    return ReplyKeyboardMarkup(
        [
            [plain(locale, "buttons.menu_report")],
            [plain(locale, "buttons.menu_myreports"), plain(locale, "buttons.menu_events")],
            [
                plain(locale, "buttons.menu_language"),
                plain(locale, "buttons.menu_community"),
                plain(locale, "buttons.menu_help"),
            ],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def reply_keyboard(rows: Sequence[Sequence[str | KeyboardButton]]) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([list(row) for row in rows], resize_keyboard=True)


async def community_rows(
    context: CustomContext, community_ids: Sequence[int], locale: str, data: Callable[[int], str]
) -> list[list[tuple[str, str]]]:
    """One button per community (a planner serving several picks one): its name, and the
    callback data `data(community_id)`."""
    rows = []
    async with context.session() as session:
        for community_id in community_ids:
            community = await get_community(session, community_id=community_id)
            if community is not None:
                rows.append([(community_name(community, locale), data(community_id))])
    return rows


def inline(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def nav_row(
    locale: str, *, page: int, pages: int, data: Callable[[int], str]
) -> list[tuple[str, str]]:
    """Previous / next buttons for a paged list (`data(n)` is page n's callback data);
    empty when there is one page."""
    row: list[tuple[str, str]] = []
    if page > 1:
        row.append((plain(locale, "buttons.prev_page"), data(page - 1)))
    if page < pages:
        row.append((plain(locale, "buttons.next_page"), data(page + 1)))
    return row


async def answer_expired(update: Update, locale: str) -> None:
    """Tell the person that the button they tapped no longer does anything."""
    query = update.callback_query
    if query is not None:
        await query.answer(plain(locale, "common.expired"), show_alert=True)


def photo_source(context: CustomContext, photo: DraftPhoto | ReportPhoto) -> str | InputFile:
    """What to pass as `photo=`: Telegram's photo file_id, or the stored (EXIF-free) copy when
    the resident sent the image as a document (a document's file_id is refused as a photo)."""
    if photo.file_kind == "photo":
        return photo.telegram_file_id
    path = context.config.media_dir / photo.path
    return InputFile(path.read_bytes(), filename=path.name)


def shorten(text: str, limit: int) -> str:
    if limit <= 1:
        return "…" if text else ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit(render: Callable[[int], str], limit: int, *, start: int) -> str:
    """Render with a budget of `start` characters for the longest part, shrinking it until
    the result fits `limit`. The HTML is never shorter than the text Telegram counts (tags
    and escapes only add), so fitting the HTML is safe."""
    budget = start
    text = render(budget)
    while len(text) > limit and budget > 0:
        budget = max(0, budget - (len(text) - limit))
        text = render(budget)
    return text
