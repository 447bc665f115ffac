"""/settings: a resident's choices, whether community notices and co-design polls reach them
(both on by default), one toggle button each. One message for the command, one edit for a
tap."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.buttons import on, pressed
from handlers.buttons_notices import NoticesSetting
from handlers.buttons_polls import PollsSetting
from handlers.common import inline, load_caller, message_of, plain, t
from handlers.context import CustomContext
from storage.preferences import (
    accepts_notices,
    accepts_polls,
    set_accept_notices,
    set_accept_polls,
)


def _card(locale: str, accept: bool, polls: bool) -> tuple[str, InlineKeyboardMarkup]:
    label = "settings.notices_off_button" if accept else "settings.notices_on_button"
    toggle = NoticesSetting(not accept).encode()
    polls_label = "polls.off_button" if polls else "polls.on_button"
    text = t(locale, "settings.settings", notices=accept).rstrip("\n")
    text += "\n" + t(locale, "polls.settings_line", polls=polls)
    return text, inline(
        [
            [(plain(locale, label), toggle)],
            [(plain(locale, polls_label), PollsSetting(not polls).encode())],
        ]
    )


async def show_settings(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    async with context.session() as session:
        accept = await accepts_notices(session, person_id=caller.id)
        polls = await accepts_polls(session, person_id=caller.id)
    text, markup = _card(caller.locale, accept, polls)
    await message_of(update).reply_text(text, reply_markup=markup)


async def toggle_notices(update: Update, context: CustomContext) -> None:
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    wanted = NoticesSetting.parse(pressed(update)).accept
    async with context.session() as session:
        accept = await set_accept_notices(
            session, person_id=caller.id, accept=wanted, now=context.now()
        )
        polls = await accepts_polls(session, person_id=caller.id)
    await query.answer(plain(caller.locale, "settings.saved"))
    text, markup = _card(caller.locale, accept, polls)
    await query.edit_message_text(text, reply_markup=markup)


async def toggle_polls(update: Update, context: CustomContext) -> None:
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    wanted = PollsSetting.parse(pressed(update)).accept
    async with context.session() as session:
        polls = await set_accept_polls(
            session, person_id=caller.id, accept=wanted, now=context.now()
        )
        accept = await accepts_notices(session, person_id=caller.id)
    await query.answer(plain(caller.locale, "settings.saved"))
    text, markup = _card(caller.locale, accept, polls)
    await query.edit_message_text(text, reply_markup=markup)


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        CommandHandler("settings", show_settings, filters=filters.ChatType.PRIVATE),
        on(NoticesSetting, toggle_notices),
        on(PollsSetting, toggle_polls),
    ]
