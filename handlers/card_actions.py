"""A report card's planner actions besides triage and the next stage (`c:<id>:<version>:…`,
handlers/buttons_reports.py): step back, a public or an internal note, a new category or
place. What the planner types next is a `pending_input` row (handlers/planner_input.py)."""

from __future__ import annotations

from telegram import ForceReply, Update
from telegram.ext import BaseHandler

from handlers import inbox
from handlers.buttons import TriageAction, on, pressed
from handlers.buttons_reports import CardAction, CardButton, CardCategory
from handlers.common import inline, message_of, plain, t
from handlers.context import CustomContext
from handlers.roles import Actor, planner_only
from storage.lifecycle import STEP_BACK, TransitionError
from storage.models import Category, ReportStatus, format_ref
from storage.report_edits import change_category
from storage.triage import Question, ask, pick

ASKED = {  # the question each action asks, and what the typed answer is for
    CardAction.STEP_BACK: ("sb", "triage.ask_step_back"),
    CardAction.PUBLIC_NOTE: ("pn", "triage.ask_public_note"),
    CardAction.INTERNAL_NOTE: ("in", "triage.ask_internal_note"),
    CardAction.PLACE: ("pl", "triage.ask_place"),
}


@planner_only
async def on_card_button(update: Update, context: CustomContext, actor: Actor) -> None:
    """`c:<report id>:<version>:<action>`: the categories, or a question to answer."""
    button = CardButton.parse(pressed(update))
    if button.action is CardAction.CATEGORY:
        await _categories(update, context, actor, button)
        return
    action, key = ASKED[button.action]
    try:
        async with context.session() as session:
            report, _ = await pick(
                session,
                scope=actor.scope,
                report_id=button.report_id,
                version=button.version,
                duplicates=False,
            )
            status = ReportStatus(report.status)
            if button.action is CardAction.STEP_BACK and status not in STEP_BACK:
                raise TransitionError("not_allowed", report_id=report.id, status=status)
            back = STEP_BACK.get(status)
            await ask(
                session,
                scope=actor.scope,
                report_id=button.report_id,
                version=button.version,
                question=Question(action, back.value if back else ""),
                now=context.now(),
            )
    except TransitionError as exc:
        await inbox.refused(update, actor, exc, merge=False)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    locale = actor.locale
    text = t(
        locale,
        key,
        ref=format_ref(button.report_id),
        status=t(locale, f"status.{back.value}") if back else "",
        resolved=status is ReportStatus.RESOLVED,
    )
    await message_of(update).reply_text(text, reply_markup=ForceReply())


async def _categories(
    update: Update, context: CustomContext, actor: Actor, button: CardButton
) -> None:
    """The categories to choose from, in place of the card's buttons."""
    try:
        async with context.session() as session:
            report, _ = await pick(
                session,
                scope=actor.scope,
                report_id=button.report_id,
                version=button.version,
                duplicates=False,
            )
    except TransitionError as exc:
        await inbox.refused(update, actor, exc, merge=False)
        return
    locale, rid = actor.locale, report.id or 0
    rows = [
        [(plain(locale, f"category.{c.value}"), CardCategory(rid, report.version, c).encode())]
        for c in Category
        if c != report.category
    ]
    rows.append([(plain(locale, "triage.back"), inbox.button(report, TriageAction.BACK))])
    assert update.callback_query is not None
    await update.callback_query.answer()
    await message_of(update).edit_reply_markup(reply_markup=inline(rows))


@planner_only
async def on_category(update: Update, context: CustomContext, actor: Actor) -> None:
    """`c:<report id>:<version>:cat:<category>`"""
    button = CardCategory.parse(pressed(update))
    try:
        async with context.session() as session:
            report = await change_category(
                session,
                scope=actor.scope,
                report_id=button.report_id,
                version=button.version,
                category=button.category,
                now=context.now(),
            )
    except TransitionError as exc:
        await inbox.refused(update, actor, exc, merge=False)
        return
    await inbox.changed(update, context, actor, report, "triage.category_changed")


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [on(CardButton, on_card_button), on(CardCategory, on_category)]
