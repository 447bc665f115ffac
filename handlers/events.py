"""/event for planners (issue 15): one line or a short wizard, then a preview with Publish /
Cancel.

    /event xinhua-road | Mural on the back wall of block 3 | 2026-12-05 09:00 | 3h | block 3 | 20

The wizard asks the community (when the planner serves several), then one field a message:
title, start, duration, place, capacity. Then comes the preview; a line sent after it is the
notes on what to bring, and a reference `R-000123` links a report (each followed by a new
preview). The draft is an `event` row read with the caller (storage/callers.py), so a
restart loses nothing; its messages are taken here, before the resident conversation. A bad
field is refused with the field named, and the wizard asks for it again.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.buttons import on, pressed
from handlers.buttons_events import DraftMove, EventCommunity, EventDraftButton
from handlers.common import inline, message_of, plain, t
from handlers.context import CustomContext
from handlers.event_view import draft_buttons, preview
from handlers.planner_drafts import draft_input
from handlers.roles import Actor, planner_only
from storage.communities import community_name, get_community
from storage.event_models import Event, EventStep
from storage.events import (
    EventError,
    audience,
    cancel_draft,
    facts,
    publish,
    start_by_line,
    start_event,
    write_step,
)

FIELDS = 6


def _refusal(locale: str, exc: EventError) -> str:
    return t(locale, "event_plan.refused", code=exc.code)


@planner_only
async def event_command(update: Update, context: CustomContext, actor: Actor) -> None:
    """/event: the wizard; /event slug | title | start | duration | place | capacity."""
    message = message_of(update)
    rest = (message.text or "").partition(" ")[2].strip()
    if not rest:
        await _start_wizard(update, context, actor)
        return
    parts = [part.strip() for part in rest.split("|")]
    if len(parts) != FIELDS:
        await message.reply_text(t(actor.locale, "event_plan.usage"))
        return
    try:
        async with context.session() as session:
            event = await start_by_line(
                session,
                scope=actor.scope,
                parts=parts,
                now=context.now(),
                tz=context.config.timezone,
            )
            found = await facts(session, event=event)
            residents, chats = await audience(session, event=event)
    except EventError as exc:
        await message.reply_text(_refusal(actor.locale, exc))
        return
    text, markup = preview(
        actor.locale, found, tz=context.config.timezone, residents=residents, chats=chats
    )
    await message.reply_text(text, reply_markup=markup)


async def _start_wizard(update: Update, context: CustomContext, actor: Actor) -> None:
    message = message_of(update)
    if len(actor.community_ids) == 1:
        await _ask_title(context, message.chat_id, actor, actor.community_ids[0])
        return
    rows = []
    async with context.session() as session:
        for community_id in actor.community_ids:
            community = await get_community(session, community_id=community_id)
            if community is not None:
                rows.append(
                    [
                        (
                            community_name(community, actor.locale),
                            EventCommunity(community_id).encode(),
                        )
                    ]
                )
    await message.reply_text(
        t(actor.locale, "event_plan.choose_community"), reply_markup=inline(rows)
    )


@planner_only
async def choose_community(update: Update, context: CustomContext, actor: Actor) -> None:
    query = update.callback_query
    assert query is not None
    button = EventCommunity.parse(pressed(update))
    await query.answer()
    await _ask_title(context, message_of(update).chat_id, actor, button.community_id)


async def _ask_title(context: CustomContext, chat_id: int, actor: Actor, community_id: int) -> None:
    try:
        async with context.session() as session:
            event = await start_event(
                session, scope=actor.scope, community_id=community_id, now=context.now()
            )
            community = await get_community(session, community_id=community_id)
    except EventError as exc:
        await context.bot.send_message(chat_id, _refusal(actor.locale, exc))
        return
    assert community is not None
    text = t(
        actor.locale,
        "event_plan.ask",
        step=EventStep.TITLE,
        community=community_name(community, actor.locale),
    )
    await context.bot.send_message(
        chat_id, text, reply_markup=draft_buttons(actor.locale, event, publish=False)
    )


async def _take(update: Update, context: CustomContext, actor: Actor, event: Event) -> None:
    message, locale = message_of(update), actor.locale
    text = (message.text or "").strip()
    step = EventStep(event.step)
    try:
        if not text:
            raise EventError(step.value if step != EventStep.COMPOSE else "notes")
        async with context.session() as session:
            event = await write_step(
                session, event=event, text=text, now=context.now(), tz=context.config.timezone
            )
            if event.step == EventStep.COMPOSE:
                found = await facts(session, event=event)
                residents, chats = await audience(session, event=event)
    except EventError as exc:
        ask = (
            ""
            if step == EventStep.COMPOSE
            else "\n" + t(locale, "event_plan.ask", step=step, community="")
        )
        await message.reply_text(_refusal(locale, exc) + ask)
        return
    if event.step == EventStep.COMPOSE:
        shown, markup = preview(
            locale, found, tz=context.config.timezone, residents=residents, chats=chats
        )
        await message.reply_text(shown, reply_markup=markup)
        return
    await message.reply_text(
        t(locale, "event_plan.ask", step=event.step, community=""),
        reply_markup=draft_buttons(locale, event, publish=False),
    )


@planner_only
async def draft_button(update: Update, context: CustomContext, actor: Actor) -> None:
    """Publish or Cancel, under the preview (or Cancel under a wizard question)."""
    button = EventDraftButton.parse(pressed(update))
    query = update.callback_query
    assert query is not None
    try:
        async with context.session() as session:
            if button.move == DraftMove.CANCEL:
                event = await cancel_draft(
                    session, scope=actor.scope, event_id=button.event_id, version=button.version
                )
                invited = 0
            else:
                event, invited = await publish(
                    session,
                    scope=actor.scope,
                    event_id=button.event_id,
                    version=button.version,
                    now=context.now(),
                    tz=context.config.timezone,
                )
    except EventError as exc:
        await query.answer(
            plain(actor.locale, "event_plan.refused", code=exc.code), show_alert=True
        )
        return
    await query.answer()
    if button.move == DraftMove.CANCEL:
        await context.bot.send_message(
            message_of(update).chat_id, t(actor.locale, "event_plan.cancelled")
        )
        return
    context.services.wake_outbox()
    assert event.id is not None
    await context.services.events_changed(event.id)
    await context.bot.send_message(
        message_of(update).chat_id,
        t(actor.locale, "event_plan.published", title=event.title, invited=invited),
    )


#: a planner's message while their draft is open (handlers/planner_drafts.py)
on_event_input = draft_input(lambda state: state.event_draft, _take)


def build_input_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    """For the group after the planners' other drafts, before the features (bot/app.py)."""
    return [MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, on_event_input)]


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        CommandHandler("event", event_command, filters=filters.ChatType.PRIVATE),
        on(EventCommunity, choose_community),
        on(EventDraftButton, draft_button),
    ]
