"""Gatekeepers that run before every feature, and the fallbacks that run after them all."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.common import answer_expired, guess_locale, t
from handlers.context import CustomContext


async def private_chats_only(update: Update, context: CustomContext) -> None:
    """Resident flows run only in private chats.

    In a group, a command gets one pointer to the private chat and a button is refused;
    everything else there is ignored. Either way no feature handler sees the update.
    """
    chat = update.effective_chat
    if chat is None or chat.type == Chat.PRIVATE:
        return
    message = update.effective_message
    if update.callback_query is not None:
        await answer_expired(update, guess_locale(update, context))
    elif message is not None and message.text and message.text.startswith("/"):
        await message.reply_text(t(guess_locale(update, context), "common.private_only"))
    raise ApplicationHandlerStop


async def stale_button(update: Update, context: CustomContext) -> None:
    """A callback no feature claimed: forged data or a button from an old message."""
    await answer_expired(update, guess_locale(update, context))


async def unknown_command(update: Update, context: CustomContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(t(guess_locale(update, context), "common.not_understood"))


def build_gatekeepers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [TypeHandler(Update, private_chats_only)]


def build_fallbacks() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        CallbackQueryHandler(stale_button),
        MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, unknown_command),
    ]
