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
from handlers.common import Caller, load_caller, menu_keyboard, message_of, remember, t
from handlers.context import CustomContext
from handlers.report_ask import ask, refused
from handlers.report_review import on_cancel, on_category, on_draft_button, on_edit, on_me_too
from handlers.report_steps import (
    is_image,
    on_category_step,
    on_description_step,
    on_photos_step,
    on_where_step,
    previous_step,
)
from handlers.start import ask_community, community_by_location, menu_filter
from storage.drafts import DraftError
from storage.inbox import AnswerTooLongError, answer_question
from storage.models import ReportStep, format_ref
from storage.reporting import DraftView, open_draft
from storage.rules import MAX_WORDS


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
        if exc.code == "need_community":
            await ask_community(update, context, caller, lead=_need_community(caller))
        else:
            await refused(update, context, caller, exc)
        return None
    view = opened.view
    caller = remember(context, caller.state.with_draft(view.draft, view.photos))
    return caller, view, opened.resumed


def _need_community(caller: Caller) -> str:
    return t(caller.locale, "report.need_community")


async def on_message(update: Update, context: CustomContext) -> None:
    """Any private message that no command or menu button took: route it by the draft's step."""
    caller = await load_caller(update, context)
    message = message_of(update)
    if caller.draft is None:
        await _without_draft(update, context, caller)
        return
    if message.text and prompts.matches_button(message.text, "buttons.cancel"):
        await on_cancel(update, context)
        return
    if message.text and prompts.matches_button(message.text, "buttons.back_step"):
        await previous_step(update, context)
        return
    step = ReportStep(caller.draft.step)
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
    elif caller.person.community_id is None:
        await ask_community(update, context, caller, lead=_need_community(caller))
    elif message.photo or (message.document and is_image(message)):
        opened = await _open(update, context, caller)  # a photo starts a report
        if opened is not None:
            await on_photos_step(update, context, opened[0])
    elif message.text and await _answer_question(update, context, caller, message.text):
        return
    else:
        await message.reply_text(
            t(caller.locale, "common.not_understood"), reply_markup=menu_keyboard(caller.locale)
        )


async def _answer_question(
    update: Update, context: CustomContext, caller: Caller, text: str
) -> bool:
    """A planner asked this resident for more information: their text is the answer."""
    try:
        async with context.session() as session:
            report_id = await answer_question(
                session, person=caller.person, text=text, now=context.now()
            )
    except AnswerTooLongError:
        await message_of(update).reply_text(
            t(caller.locale, "report.description_too_long", max=MAX_WORDS, length=len(text))
        )
        return True
    if report_id is None:
        return False
    context.bot_data.services.wake_outbox()
    await message_of(update).reply_text(
        t(caller.locale, "report.answer_received", ref=format_ref(report_id)),
        reply_markup=menu_keyboard(caller.locale),
    )
    return True


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
    ]


def catch_all() -> BaseHandler[Update, CustomContext, None]:
    """Every other private message: routed by the resident's draft."""
    return MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, on_message)
