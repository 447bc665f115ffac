"""/settings: a resident's choices, for now whether community notices reach them (on by
default), with one toggle button. One message for the command, one edit for a tap."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.buttons import on, pressed
from handlers.buttons_notices import NoticesSetting
from handlers.common import inline, load_caller, message_of, plain, t
from handlers.context import CustomContext
from storage.preferences import accepts_notices, set_accept_notices


def _card(locale: str, accept: bool) -> tuple[str, InlineKeyboardMarkup]:
    label = "settings.notices_off_button" if accept else "settings.notices_on_button"
    toggle = NoticesSetting(not accept).encode()
    return t(locale, "settings.settings", notices=accept), inline(
        [[(plain(locale, label), toggle)]]
    )


async def show_settings(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    async with context.session() as session:
        accept = await accepts_notices(session, person_id=caller.id)
    text, markup = _card(caller.locale, accept)
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
    await query.answer(plain(caller.locale, "settings.saved"))
    text, markup = _card(caller.locale, accept)
    await query.edit_message_text(text, reply_markup=markup)


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        CommandHandler("settings", show_settings, filters=filters.ChatType.PRIVATE),
        on(NoticesSetting, toggle_notices),
    ]
