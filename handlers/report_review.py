"""The report conversation's inline buttons: the review card (confirm, edit, "me too",
cancel), and the category question's buttons of before its reply keyboard (a draft outlives
a deploy). Whether a button still fits the draft is for storage to say
(`storage.reporting.fits`); a button that does not has expired.

A tap is answered by one message or one edit (issue 11, tests/conversation/
test_paced_requests.py): the tapped message keeps its buttons when the answer is a new
message, and those buttons answer as expired once the step has moved on
(tests/conversation/test_bad_input.py).
"""

from __future__ import annotations

from telegram import Update

from handlers.buttons import DraftAction, DraftButton, DraftCategory, DraftEdit, DraftMeToo, pressed
from handlers.buttons_report import DraftDiscard
from handlers.common import (
    Caller,
    answer_expired,
    inline,
    load_caller,
    menu_keyboard,
    message_of,
    remember,
    t,
)
from handlers.context import CustomContext
from handlers.report_ask import ask, ask_discard, edit_buttons, receipt, refused, review_buttons
from storage.draft_flow import holds_anything
from storage.drafts import DraftError
from storage.media import delete_file
from storage.models import ReportStep, format_ref
from storage.reporting import (
    answer_category,
    cancel,
    confirm,
    edit,
    fits,
    me_too,
    open_draft,
    previous_from_category,
    review,
)


async def on_cancel(update: Update, context: CustomContext) -> None:
    """/cancel or a Cancel button. A draft that holds something is not dropped by one stray
    tap: the resident is asked first (discard it, or keep going). Otherwise: drop the draft
    and its photos, close a planner's question."""
    caller = await load_caller(update, context)
    draft = caller.draft
    if draft is not None and caller.state.pending is None and holds_anything(caller.state):
        if update.callback_query is not None:
            await update.callback_query.answer()
        await ask_discard(update, caller, draft.id or 0, caller.state.draft_photos)
        return
    await _drop(update, context, caller)


async def on_discard(update: Update, context: CustomContext) -> None:
    """`d:<draft id>:drop:yes|no`: the answer to "discard this report?"."""
    caller = await load_caller(update, context)
    button = DraftDiscard.parse(pressed(update))
    if caller.draft is None or caller.draft.id != button.draft_id:
        await answer_expired(update, caller.locale)
        return
    if button.discard:
        await _drop(update, context, caller)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    async with context.session() as session:  # the draft as it is: its question again
        opened = await open_draft(
            session, caller=caller.state, limit=context.config.reports_per_hour, now=context.now()
        )
    await ask(update, context, caller, opened.view, lead=t(caller.locale, "report.kept"))


async def _drop(update: Update, context: CustomContext, caller: Caller) -> None:
    async with context.session() as session:
        cancelled = await cancel(session, caller=caller.state)
    remember(context, caller.state.with_draft(None, 0))
    locale, message = caller.locale, message_of(update)
    if cancelled.had_question and cancelled.unused is None:
        await message.reply_text(t(locale, "common.cancelled"))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    if cancelled.unused is None:
        await message.reply_text(
            t(locale, "common.nothing_to_cancel"), reply_markup=menu_keyboard(locale)
        )
        return
    for path in cancelled.unused:
        delete_file(context.config.media_dir, path)
    await message.reply_text(t(locale, "report.cancelled"), reply_markup=menu_keyboard(locale))


async def on_draft_button(update: Update, context: CustomContext) -> None:
    """`d:<draft id>:<action>`"""
    button = DraftButton.parse(pressed(update))
    if button.action is DraftAction.CANCEL:
        caller = await load_caller(update, context)
        if caller.draft is None or caller.draft.id != button.draft_id:
            await answer_expired(update, caller.locale)
            return
        await on_cancel(update, context)
    elif button.action is DraftAction.PREVIOUS:
        await _previous(update, context, button.draft_id)
    elif button.action is DraftAction.CONFIRM:
        await _confirm(update, context, button.draft_id)
    elif button.action is DraftAction.EDIT:
        await _edit_choices(update, context, button.draft_id)
    else:
        await _back_to_review(update, context, button.draft_id)


async def _previous(update: Update, context: CustomContext, draft_id: int) -> None:
    """The inline "back" of a category question sent before its reply keyboard: the place."""
    caller = await load_caller(update, context)
    try:
        async with context.session() as session:
            view = await previous_from_category(
                session, caller=caller.state, draft_id=draft_id, now=context.now()
            )
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await ask(update, context, caller, view)


async def on_category(update: Update, context: CustomContext) -> None:
    """`d:<draft id>:cat:<category>`, on a category question sent before its reply keyboard
    (report_steps.on_category_step takes the labels now)."""
    caller = await load_caller(update, context)
    button = DraftCategory.parse(pressed(update))
    try:
        async with context.session() as session:
            view = await answer_category(
                session,
                caller=caller.state,
                draft_id=button.draft_id,
                category=button.category,
                now=context.now(),
            )
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await ask(update, context, caller, view)


async def _edit_choices(update: Update, context: CustomContext, draft_id: int) -> None:
    """The review card's "edit": which part to change."""
    caller = await load_caller(update, context)
    try:
        fits(caller.state, draft_id, ReportStep.REVIEW)
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    rows = edit_buttons(caller.locale, draft_id)
    await message_of(update).edit_reply_markup(reply_markup=inline(rows))


async def _back_to_review(update: Update, context: CustomContext, draft_id: int) -> None:
    caller = await load_caller(update, context)
    try:
        async with context.session() as session:
            view = await review(session, caller=caller.state, draft_id=draft_id)
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    assert update.callback_query is not None
    assert view.review is not None
    await update.callback_query.answer()
    rows = review_buttons(caller.locale, draft_id, view.review)
    await message_of(update).edit_reply_markup(reply_markup=inline(rows))


async def on_edit(update: Update, context: CustomContext) -> None:
    """`d:<draft id>:edit:<part>`: that step again, then straight back to the review."""
    caller = await load_caller(update, context)
    button = DraftEdit.parse(pressed(update))
    try:
        async with context.session() as session:
            view = await edit(
                session,
                caller=caller.state,
                draft_id=button.draft_id,
                step=button.step,
                now=context.now(),
            )
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await ask(update, context, caller, view)


async def on_me_too(update: Update, context: CustomContext) -> None:
    """`d:<draft id>:me:<report id>`: follow a nearby report instead; the draft is dropped."""
    caller = await load_caller(update, context)
    button = DraftMeToo.parse(pressed(update))
    try:
        async with context.session() as session:
            unused = await me_too(
                session,
                caller=caller.state,
                draft_id=button.draft_id,
                report_id=button.report_id,
                now=context.now(),
            )
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    for path in unused:
        delete_file(context.config.media_dir, path)
    assert update.callback_query is not None
    await update.callback_query.answer()
    await message_of(update).reply_text(
        t(caller.locale, "report.following", ref=format_ref(button.report_id)),
        reply_markup=menu_keyboard(caller.locale),
    )


async def _confirm(update: Update, context: CustomContext, draft_id: int) -> None:
    """File the draft; the reference is shown only after the transaction committed. A
    Confirm of a draft filed already (its answer lost in a crash) gets that reference again."""
    caller = await load_caller(update, context)
    try:
        async with context.session() as session:
            filed = await confirm(
                session,
                caller=caller.state,
                draft_id=draft_id,
                limit=context.config.reports_per_hour,
                now=context.now(),
            )
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await receipt(update, context, caller, filed.report_id)
