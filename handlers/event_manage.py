"""A planner's published events (issue 15): `/events` lists them, each as a card (places
taken, waitlist, attendance) with its buttons: invite the linked report's followers in one
step, mark attendance from the sign-up list (a button per volunteer, ✅ came / ⬜ not, a tap
switches and edits the list), and the list as CSV (numbers and first names only; see
storage/event_attendance.py for why).
"""

from __future__ import annotations

import io

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.buttons import on, pressed
from handlers.buttons_events import EventAttend, EventPlan, PlanMove
from handlers.common import message_of, plain, t
from handlers.context import CustomContext
from handlers.event_view import attendance_message, planner_card
from handlers.roles import Actor, planner_only
from storage.event_attendance import (
    event_for_planner,
    sign_up_list,
    signups_csv,
    toggle_attended,
)
from storage.events import EventError, facts, invite_followers, planner_events


@planner_only
async def events_command(update: Update, context: CustomContext, actor: Actor) -> None:
    """/events: the planner's published events, the latest start first, one card each."""
    message = message_of(update)
    tz = context.config.timezone
    async with context.session() as session:
        events = await planner_events(session, community_ids=actor.community_ids)
        cards = [
            planner_card(
                actor.locale,
                await facts(session, event=e),
                tz=tz,
                listed=await sign_up_list(session, event_id=e.id or 0),
            )
            for e in events
        ]
    if not cards:
        await message.reply_text(t(actor.locale, "event_plan.no_events"))
        return
    for text, markup in cards:
        await message.reply_text(text, reply_markup=markup)


async def _refuse(update: Update, locale: str, exc: EventError) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        plain(locale, "event_plan.refused", code=exc.code), show_alert=True
    )


@planner_only
async def plan_button(update: Update, context: CustomContext, actor: Actor) -> None:
    button = EventPlan.parse(pressed(update))
    query = update.callback_query
    assert query is not None
    chat_id = message_of(update).chat_id
    tz = context.config.timezone
    try:
        async with context.session() as session:
            if button.move == PlanMove.INVITE_FOLLOWERS:
                count = await invite_followers(
                    session, scope=actor.scope, event_id=button.event_id, now=context.now(), tz=tz
                )
            elif button.move == PlanMove.ATTENDANCE:
                event = await event_for_planner(
                    session, scope=actor.scope, event_id=button.event_id
                )
                listed = await sign_up_list(session, event_id=button.event_id)
            else:
                event = await event_for_planner(
                    session, scope=actor.scope, event_id=button.event_id
                )
                data = await signups_csv(
                    session, scope=actor.scope, event_id=button.event_id, tz=tz
                )
    except EventError as exc:
        await _refuse(update, actor.locale, exc)
        return
    await query.answer()
    if button.move == PlanMove.INVITE_FOLLOWERS:
        context.services.wake_outbox()
        await context.bot.send_message(
            chat_id, t(actor.locale, "event_plan.followers_invited", count=count)
        )
    elif button.move == PlanMove.ATTENDANCE:
        text, markup = attendance_message(actor.locale, event, listed)
        await context.bot.send_message(chat_id, text, reply_markup=markup)
    else:
        document = InputFile(io.BytesIO(data.encode("utf-8")), filename=f"event-{event.id}.csv")
        caption = t(actor.locale, "event_plan.csv_caption", title=event.title)
        await context.bot.send_document(chat_id, document, caption=caption)


@planner_only
async def attend_button(update: Update, context: CustomContext, actor: Actor) -> None:
    """A volunteer's button on the attendance list: came / did not come; the list is edited."""
    button = EventAttend.parse(pressed(update))
    query = update.callback_query
    assert query is not None
    try:
        async with context.session() as session:
            event = await toggle_attended(
                session,
                scope=actor.scope,
                event_id=button.event_id,
                signup_id=button.signup_id,
                now=context.now(),
            )
            listed = await sign_up_list(session, event_id=button.event_id)
    except EventError as exc:
        await _refuse(update, actor.locale, exc)
        return
    await query.answer()
    text, markup = attendance_message(actor.locale, event, listed)
    await query.edit_message_text(text, reply_markup=markup)


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("events", events_command, filters=private),
        on(EventPlan, plan_button),
        on(EventAttend, attend_button),
    ]
