"""What a planner types next: the answer to the question a triage button asked (a question
for the resident, a reason to decline, a reference to merge into, a public note or an
"after" photo, a reason to step back, an internal note, a new place: a pin or a landmark
name). The open question is a `pending_input` row, read with the caller."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from handlers import inbox
from handlers.common import load_caller, message_of, t
from handlers.context import CustomContext
from handlers.report_steps import download_photo
from handlers.roles import Actor, load_actor
from storage.lifecycle import TransitionError
from storage.models import PendingInput, ReportStatus
from storage.report_edits import EDIT_ACTIONS, answer_edit
from storage.reports import AfterPhoto, parse_ref
from storage.rules import MAX_NOTE
from storage.triage import answer

EDITED = {  # what the planner is told once it is kept
    "pn": "triage.public_note_sent",
    "in": "triage.internal_note_kept",
    "pl": "triage.place_changed",
}


async def on_planner_input(update: Update, context: CustomContext) -> None:
    """Runs before the resident conversation: a message that answers an open question is
    taken here (and stops there); any other message continues to the features."""
    if update.effective_message is None or update.effective_user is None:
        return
    pending = (await load_caller(update, context)).state.pending  # the update's one read
    if pending is None:
        return
    _caller, actor = await load_actor(update, context)
    if actor is None:
        return
    await _take(update, context, actor, pending)
    raise ApplicationHandlerStop


async def _take(
    update: Update, context: CustomContext, actor: Actor, pending: PendingInput
) -> None:
    message, locale = message_of(update), actor.locale
    text = (message.text or message.caption or "").strip()
    photo, pin = None, None
    resolving = pending.action == "note" and pending.target == ReportStatus.RESOLVED
    if message.photo and (resolving or pending.action == "pn"):
        size = message.photo[-1]
        stored = await download_photo(context, message, locale, size.file_id)
        if stored is None:
            return
        photo = AfterPhoto(stored, size.file_id, size.file_unique_id)
    elif message.location is not None and pending.action == "pl":
        pin = (message.location.latitude, message.location.longitude)
    elif not text:
        await message.reply_text(t(locale, "triage.need_text"))
        return
    if pending.action in EDIT_ACTIONS:
        await _edit(update, context, actor, pending, text=text, pin=pin, photo=photo)
        return
    async with context.session() as session:
        outcome = await answer(
            session,
            scope=actor.scope,
            pending=pending,
            text=text,
            into_id=parse_ref(text) if pending.action == "mgr" else None,
            photo=photo,
            now=context.now(),
            hours=context.config.first_response_hours,
        )
    if isinstance(outcome, TransitionError) and outcome.code == "too_long":
        await message.reply_text(t(locale, "triage.note_too_long", max=MAX_NOTE))
    elif isinstance(outcome, TransitionError):
        await inbox.refused(update, actor, outcome, merge=pending.action == "mgr")
    else:
        await inbox.moved(update, context, actor, outcome)


async def _edit(
    update: Update,
    context: CustomContext,
    actor: Actor,
    pending: PendingInput,
    *,
    text: str,
    pin: tuple[float, float] | None,
    photo: AfterPhoto | None,
) -> None:
    """A public or internal note, or a new place (storage/report_edits.py)."""
    async with context.session() as session:
        outcome = await answer_edit(
            session,
            scope=actor.scope,
            pending=pending,
            text=text,
            pin=pin,
            photo=photo,
            now=context.now(),
        )
    message, locale = message_of(update), actor.locale
    if isinstance(outcome, TransitionError) and outcome.code == "too_long":
        await message.reply_text(t(locale, "triage.note_too_long", max=MAX_NOTE))
    elif isinstance(outcome, TransitionError) and outcome.code == "photo":
        await message.reply_text(t(locale, "triage.photo_not_resolved"))
    elif isinstance(outcome, TransitionError):
        await inbox.refused(update, actor, outcome, merge=False)
    else:
        await inbox.changed(update, context, actor, outcome, EDITED[pending.action])


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    """For the group that runs before the features (see bot/app.py)."""
    private = filters.ChatType.PRIVATE & ~filters.COMMAND
    return [MessageHandler(private, on_planner_input)]
