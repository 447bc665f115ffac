"""Gatekeepers that run before every feature, and the fallbacks that run after them all."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from telegram import Chat, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.buttons import pressed
from handlers.buttons_department import DepartmentButton, photo_request
from handlers.buttons_events import EventSign
from handlers.common import answer_expired, guess_locale, plain, t
from handlers.context import CustomContext
from handlers.groups import GROUP_COMMANDS
from storage.groups import linked_chat


async def before_features(update: Update, context: CustomContext) -> None:
    """The checks after the flood limit: private chats only, and buttons with data."""
    await private_chats_only(update, context)
    await button_without_data(update, context)


async def button_without_data(update: Update, context: CustomContext) -> None:
    """Telegram's callback data is 1-64 bytes, but a forged query may carry none, and PTB
    hands such a query to every handler that has a pattern: it expires here instead."""
    if update.callback_query is None or pressed(update):
        return
    await answer_expired(update, guess_locale(update, context))
    raise ApplicationHandlerStop


async def private_chats_only(update: Update, context: CustomContext) -> None:
    """Resident flows run only in private chats.

    In a group, only `handlers.groups.GROUP_COMMANDS`, the group's own service updates
    (the bot added or removed, the group migrated), a department card's buttons and the
    replies to a card (handlers/department.py) go on to the features. Any other command
    gets one answer: how to link, in a group not linked yet; a pointer to the private chat,
    in a linked one. A button is refused; everything else there is ignored.
    """
    chat = update.effective_chat
    if chat is None or chat.type == Chat.PRIVATE:
        return
    message = update.effective_message
    if update.my_chat_member is not None or (
        message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id)
    ):
        return
    if update.callback_query is not None:
        if DepartmentButton.pattern.match(pressed(update)):
            return  # a department card's button (handlers/department.py checks the chat)
        if EventSign.pattern.match(pressed(update)):
            return  # an event invitation's Sign up, in a committee chat (the presser signs up)
        await answer_expired(update, guess_locale(update, context))
    elif message is not None and message.text and message.text.startswith("/"):
        name, _, bot = message.text.split(maxsplit=1)[0][1:].partition("@")
        if bot and bot.lower() != (context.bot.username or "").lower():
            raise ApplicationHandlerStop  # a command for another bot in the group
        if name.lower() in GROUP_COMMANDS:
            return
        async with context.session() as session:
            linked = await linked_chat(session, chat_id=chat.id)
        key = "common.private_only" if linked else "groups.how_to_link"
        await message.reply_text(t(guess_locale(update, context), key))
    elif message is not None and photo_request(message, bot_id=context.bot.id) is not None:
        return  # a reply to a department card: the after photo (handlers/department.py)
    raise ApplicationHandlerStop


@dataclass
class FloodCounter:
    """Updates per person in a sliding window. Transient by nature (a restart forgets it),
    so it lives in memory, per process."""

    limit: int
    window_seconds: float
    seen: dict[int, deque[float]] = field(default_factory=dict)
    warned_at: dict[int, float] = field(default_factory=dict)

    def check(self, user_id: int, now: float) -> tuple[bool, bool]:
        """(allowed, warn): warn once per window when a person goes over the limit."""
        times = self.seen.setdefault(user_id, deque())
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        if len(times) >= self.limit:
            warn = self.warned_at.get(user_id, float("-inf")) <= now - self.window_seconds
            if warn:
                self.warned_at[user_id] = now
            return False, warn
        times.append(now)
        if len(self.seen) > 50_000:  # forget people who went quiet
            self.seen = {k: v for k, v in self.seen.items() if v and v[-1] > now - 60}
        return True, False


async def flood_gate(update: Update, context: CustomContext) -> None:
    """More than `flood_limit` updates in `flood_window_seconds` from one person: the rest
    are dropped, with one polite note, so one sender cannot starve everyone else."""
    user = update.effective_user
    if user is None:
        return
    allowed, warn = context.bot_data.flood.check(user.id, time.monotonic())
    if allowed:
        return
    locale = guess_locale(update, context)
    if update.callback_query is not None:  # every tap is answered, or it spins
        await update.callback_query.answer(plain(locale, "common.slow_down"))
    elif warn and update.effective_message is not None:
        await update.effective_message.reply_text(t(locale, "common.slow_down"))
    raise ApplicationHandlerStop


async def stale_button(update: Update, context: CustomContext) -> None:
    """A callback no feature claimed: forged data or a button from an old message."""
    await answer_expired(update, guess_locale(update, context))


async def unknown_command(update: Update, context: CustomContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(t(guess_locale(update, context), "common.not_understood"))


def build_gatekeepers() -> list[list[BaseHandler[Update, CustomContext, None]]]:
    """Two groups, in this order: the flood limit first (it protects everything after it),
    then the private-chat and button-data checks."""
    return [[TypeHandler(Update, flood_gate)], [TypeHandler(Update, before_features)]]


def build_fallbacks() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        CallbackQueryHandler(stale_button),
        MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, unknown_command),
    ]
