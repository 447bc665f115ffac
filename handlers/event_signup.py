"""A resident's side of volunteer events (issue 15): the menu's "🙋 Events" button (upcoming
events of their community, a sign-up or cancel button each), the one-tap sign-up and cancellation
(`ev:`), from the menu, an invitation, a reminder or a promotion, and `/myevents` (their
events and total volunteer hours). Each tap is answered with one new message: where they
stand now and the button that undoes it.
"""

from __future__ import annotations

from telegram import Chat, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from handlers.buttons import on, pressed
from handlers.buttons_events import EventSign, SignMove
from handlers.common import load_caller, message_of, plain
from handlers.context import CustomContext
from handlers.event_view import my_events_message, standing_message, upcoming_message
from handlers.start import menu_filter
from storage.event_attendance import my_events
from storage.event_signups import cancel, sign_up, upcoming
from storage.events import EventError, facts


async def events_menu(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    async with context.session() as session:
        seen = await upcoming(session, person=caller.person, now=context.now())
    text, markup = upcoming_message(caller.locale, seen, tz=context.config.timezone)
    await message_of(update).reply_text(text, reply_markup=markup)


async def sign_button(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    button = EventSign.parse(pressed(update))
    query = update.callback_query
    assert query is not None
    now, tz = context.now(), context.config.timezone
    try:
        async with context.session() as session:
            if button.move == SignMove.SIGN_UP:
                seen = await sign_up(
                    session, event_id=button.event_id, person=caller.person, now=now
                )
            else:
                seen = await cancel(
                    session, event_id=button.event_id, person=caller.person, now=now, tz=tz
                )
            found = await facts(session, event=seen.event)
    except EventError as exc:
        await query.answer(plain(caller.locale, "events.refused", code=exc.code), show_alert=True)
        return
    context.services.wake_outbox()  # a cancellation may have promoted someone
    if message_of(update).chat.type != Chat.PRIVATE:  # a committee chat's invitation
        status = seen.status.value if seen.status else "none"
        words = plain(
            caller.locale,
            "events.group_answer",
            status=status,
            title=seen.event.title,
            taken=seen.taken,
            capacity=seen.event.capacity,
            position=seen.waitlist_place,
            again=seen.again,
        )
        await query.answer(words[:200], show_alert=True)
        return
    await query.answer()
    text, markup = standing_message(caller.locale, seen, found, tz=tz, again=seen.again)
    await context.bot.send_message(message_of(update).chat_id, text, reply_markup=markup)


async def my_events_command(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    async with context.session() as session:
        rows, minutes = await my_events(session, person_id=caller.id)
    listed = [(r.event, r.status.value, r.attended) for r in rows]
    text = my_events_message(caller.locale, listed, minutes, tz=context.config.timezone)
    await message_of(update).reply_text(text)


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & menu_filter("buttons.menu_events"), events_menu),
        CommandHandler("myevents", my_events_command, filters=private),
        on(EventSign, sign_button),
    ]
