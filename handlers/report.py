"""The report conversation's entry and router: photos, where, category, words, review, confirm.

The step lives in the resident's draft row (`ReportStep`), not in memory, so a restart or
another bot process continues the same conversation. The steps are in report_steps.py, the
inline buttons in report_review.py, their words in report_ask.py.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

import prompts
from handlers.buttons import DraftButton, DraftCategory, DraftEdit, DraftMeToo, on
from handlers.buttons_report import DraftDiscard
from handlers.common import Caller, load_caller, menu_keyboard, message_of, remember, t
from handlers.context import CustomContext
from handlers.report_answer import answer_album, answers_question, on_answer, on_answer_album
from handlers.report_ask import ask, refused
from handlers.report_review import (
    on_cancel,
    on_category,
    on_discard,
    on_draft_button,
    on_edit,
    on_me_too,
)
from handlers.report_steps import (
    is_image,
    on_category_step,
    on_description_step,
    on_photos_step,
    on_where_step,
    previous_step,
)
from handlers.start import community_by_location, menu_filter
from storage.drafts import DraftError
from storage.models import ReportStep
from storage.reporting import DraftView, open_draft


async def begin(update: Update, context: CustomContext) -> None:
    """/report or the menu button: start a draft, or continue the unfinished one."""
    opened = await _open(update, context, await load_caller(update, context))
    if opened is not None:
        caller, view, resumed = opened
        lead = t(caller.locale, "report.resume") if resumed else ""
        await ask(update, context, caller, view, lead=lead)


async def _open(
    update: Update, context: CustomContext, caller: Caller
) -> tuple[Caller, DraftView, bool] | None:
    """The caller with their draft, new or resumed (True), and its step; None (with a reply)
    when they may not start one."""
    try:
        async with context.session() as session:
            opened = await open_draft(
                session,
                caller=caller.state,
                limit=context.config.reports_per_hour,
                now=context.now(),
            )
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return None
    view = opened.view
    caller = remember(context, caller.state.with_draft(view.draft, view.photos))
    return caller, view, opened.resumed


async def on_message(update: Update, context: CustomContext) -> None:
    """Any private message that no command or menu button took: the answer to a planner's
    question if one waits (tests/conversation/test_answers.py), else routed by the draft's
    step; a voice message is taken only as a report's words."""
    caller = await load_caller(update, context)
    message = message_of(update)
    if answers_question(caller, message) and await on_answer(update, context, caller):
        return
    album_of = answer_album(context, message)
    if album_of is not None:  # the rest of an album that answered a question
        await on_answer_album(update, context, caller, album_of)
        return
    step = ReportStep(caller.draft.step) if caller.draft is not None else None
    if message.voice is not None and step is not ReportStep.DESCRIPTION:
        await message.reply_text(t(caller.locale, "report.voice_hint", step=step or ""))
        return
    if caller.draft is None:
        await _without_draft(update, context, caller)
        return
    if message.text and prompts.matches_button(message.text, "buttons.cancel"):
        await on_cancel(update, context)
        return
    if message.text and prompts.matches_button(message.text, "buttons.back_step"):
        await previous_step(update, context)
        return
    if step is ReportStep.PHOTOS:
        await on_photos_step(update, context, caller)
    elif step is ReportStep.WHERE:
        await on_where_step(update, context, caller)
    elif step is ReportStep.CATEGORY:
        await on_category_step(update, context, caller)
    elif step is ReportStep.DESCRIPTION:
        await on_description_step(update, context, caller)
    else:  # the review card is answered with its inline buttons
        await message.reply_text(t(caller.locale, "report.use_buttons"))


async def _without_draft(update: Update, context: CustomContext, caller: Caller) -> None:
    message = message_of(update)
    if message.location is not None:
        await community_by_location(update, context, caller)
    elif message.photo or (message.document and is_image(message)):
        await on_photos_step(update, context, caller)  # a photo starts a report
    else:
        await message.reply_text(
            t(caller.locale, "common.not_understood"), reply_markup=menu_keyboard(caller.locale)
        )


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    """The report conversation's handlers; `catch_all()` goes in a later group."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("report", begin, filters=private),
        CommandHandler("cancel", on_cancel, filters=private),
        MessageHandler(private & menu_filter("buttons.menu_report"), begin),
        on(DraftButton, on_draft_button),
        on(DraftCategory, on_category),
        on(DraftEdit, on_edit),
        on(DraftMeToo, on_me_too),
        on(DraftDiscard, on_discard),
    ]


def catch_all() -> BaseHandler[Update, CustomContext, None]:
    """Every other private message: routed by the resident's draft."""
    return MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, on_message)
