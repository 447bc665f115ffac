"""A department's working group at work (issue 13): the card's buttons and the after photo.

The card (handlers/department_card.py) comes through the outbox when a planner accepts a
report to the department. In the department's linked chat, anyone may press:

- "📥 Received": the report moves to planned (storage/department_work.py says why), the
  reporter is told, the card is edited to show who received it and offer "done";
- "✅ Done, with photo": the card asks for the photo, as a reply to it ("not yet" goes back);
  the photo resolves the report with it, as a planner's resolve with a photo does.

A press from any other chat is refused; a press on a card whose report moved on is told who
moved it, and the card is shown as it stands (its buttons follow the report's state).
Each update is one unit of work; the card is edited after the commit.
"""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, MessageHandler, filters

from handlers.buttons import on, pressed
from handlers.buttons_department import CardAction, DepartmentButton, photo_request
from handlers.common import answer_expired, load_caller, message_of, plain, t
from handlers.context import CustomContext
from handlers.department_card import card_message
from handlers.report_steps import download_photo
from storage.department_work import CardView, Pressed, finish, look, receive
from storage.groups import linked_chat
from storage.lifecycle import TransitionError
from storage.models import format_ref
from storage.reports import AfterPhoto

TAG = re.compile(r"<[^>]+>")
NO_BUTTONS = InlineKeyboardMarkup([])


async def on_press(update: Update, context: CustomContext) -> None:
    """`dw:<report id>:<version>:<r|d|x>` on a card."""
    button = DepartmentButton.parse(pressed(update))
    query, card = update.callback_query, message_of(update)
    assert query is not None
    caller = await load_caller(update, context)
    async with context.session() as session:
        if button.action is CardAction.RECEIVED:
            outcome = await receive(
                session,
                chat_id=card.chat_id,
                report_id=button.report_id,
                version=button.version,
                person=caller.person,
                now=context.now(),
            )
        else:
            outcome = await look(
                session,
                chat_id=card.chat_id,
                report_id=button.report_id,
                version=button.version,
                ready=button.action is CardAction.DONE,
            )
    if outcome.refusal is not None:
        await _refused(update, caller.locale, outcome, button.report_id)
        return
    assert outcome.card is not None
    locale, ref = outcome.card.locale, format_ref(button.report_id)
    if button.action is CardAction.RECEIVED:
        await query.answer(plain(locale, "department_chat.noted_received", ref=ref))
        context.services.wake_outbox()
    elif button.action is CardAction.DONE:
        await query.answer(plain(locale, "department_chat.send_photo", ref=ref))
    else:
        await query.answer()
    await show(card, outcome.card, asking=button.action is CardAction.DONE)


async def _refused(update: Update, locale: str, outcome: Pressed, report_id: int) -> None:
    """Not this chat's report; moved on (by whom, and the card as it stands); or expired."""
    refusal, query = outcome.refusal, update.callback_query
    assert refusal is not None
    assert query is not None
    ref = format_ref(report_id)
    if refusal.code == "not_permitted":
        text = plain(locale, "department_chat.not_this_group", ref=ref)
        await query.answer(text, show_alert=True)
    elif refusal.code == "stale":
        status = plain(locale, f"status.{refusal.status}")
        text = plain(locale, "triage.already_handled", ref=ref, name=refusal.by, status=status)
        await query.answer(text, show_alert=True)
    else:
        await answer_expired(update, locale)
    if outcome.card is not None:
        await show(message_of(update), outcome.card, asking=False)


async def show(card: Message, view: CardView, *, asking: bool) -> None:
    """Edit the card to the report as it stands (a card already showing it is left alone)."""
    rendered = card_message(view.locale, view.params, asking=asking)
    shown = card.caption if card.photo or card.document else card.text
    same_buttons = (card.reply_markup or NO_BUTTONS) == (rendered.markup or NO_BUTTONS)
    if same_buttons and shown == html.unescape(TAG.sub("", rendered.text)):
        return  # Telegram refuses an edit that changes nothing
    try:
        if card.photo or card.document:
            await card.edit_caption(rendered.text, reply_markup=rendered.markup)
        else:
            await card.edit_text(rendered.text, reply_markup=rendered.markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def on_reply(update: Update, context: CustomContext) -> None:
    """A reply to a card that asks for (or offers) "done": its photo resolves the report."""
    message = message_of(update)
    request = photo_request(message, bot_id=context.bot.id)
    if request is None:
        return  # a reply to something else: nothing for the bot
    caller = await load_caller(update, context)
    ref = format_ref(request.report_id)
    if not message.photo:
        async with context.session() as session:
            chat = await linked_chat(session, chat_id=message.chat_id)
        locale = caller.locale if chat is None else chat.locale
        await message.reply_text(t(locale, "department_chat.photo_needed", ref=ref))
        return
    size = message.photo[-1]
    stored = await download_photo(context, message, caller.locale, size.file_id)
    if stored is None:
        return
    async with context.session() as session:
        outcome = await finish(
            session,
            chat_id=message.chat_id,
            report_id=request.report_id,
            version=request.version,
            person=caller.person,
            photo=AfterPhoto(stored, size.file_id, size.file_unique_id),
            now=context.now(),
        )
    assert message.reply_to_message is not None
    if outcome.refusal is not None:
        await _refused_photo(message, caller.locale, outcome.refusal, ref)
        if outcome.card is not None:
            await show(message.reply_to_message, outcome.card, asking=False)
        return
    assert outcome.card is not None
    context.services.wake_outbox()
    await message.reply_text(t(outcome.card.locale, "department_chat.resolved", ref=ref))
    await show(message.reply_to_message, outcome.card, asking=False)


async def _refused_photo(message: Message, locale: str, refusal: TransitionError, ref: str) -> None:
    if refusal.code == "not_permitted":
        await message.reply_text(t(locale, "department_chat.not_this_group", ref=ref))
    elif refusal.code == "stale":
        status = t(locale, f"status.{refusal.status}")
        await message.reply_text(
            t(locale, "triage.already_handled", ref=ref, name=refusal.by, status=status)
        )
    else:
        await message.reply_text(t(locale, "triage.not_allowed"))


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        on(DepartmentButton, on_press),
        MessageHandler(filters.ChatType.GROUPS & filters.REPLY, on_reply),
    ]
