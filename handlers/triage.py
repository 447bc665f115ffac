"""The triage buttons of a card: accept to a department, needs info, merge, decline, skip,
and the next stages. Button data: the `Triage*` families of handlers/buttons.py.

Every action is one operation of `storage.triage`, which checks the report's version: of two
planners tapping at once, the second is told who handled it, and nothing is sent twice.
What a planner types next (a question, a reason, a note, a reference) is a `pending_input`
row (handlers/planner_input.py), not memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import ForceReply, Update
from telegram.ext import BaseHandler

from handlers import card_actions, inbox, planner_input, reports
from handlers.buttons import (
    TriageAction,
    TriageButton,
    TriageDecline,
    TriageDepartment,
    TriageMerge,
    TriageStage,
    on,
    pressed,
)
from handlers.common import answer_expired, inline, message_of, plain, t
from handlers.context import CustomContext
from handlers.roles import Actor, planner_only
from storage.lifecycle import TransitionError
from storage.models import Department, Report, ReportStatus, format_ref
from storage.rules import DeclineReason
from storage.triage import IN_THE_INBOX, Moved, Question, ask, merge_into, move, next_card, pick

S = ReportStatus
QUESTIONS = {
    TriageAction.NEEDS_INFO: Question("ni"),
    TriageAction.DECLINE_TYPED: Question("drt"),
    TriageAction.MERGE_BY_REF: Question("mgr"),
}
QUESTION_KEYS = {"ni": "triage.ask_question", "drt": "triage.ask_reason", "mgr": "triage.ask_ref"}
Action = Callable[[AsyncSession], Awaitable[Moved]]


@planner_only
async def on_button(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:<action>`"""
    button = TriageButton.parse(pressed(update))
    if button.action in QUESTIONS:
        await _ask(update, context, actor, button, QUESTIONS[button.action])
    elif button.action is TriageAction.SKIP:
        await _skip(update, context, actor, button)
    else:
        await _menu(update, context, actor, button)


async def _menu(update: Update, context: CustomContext, actor: Actor, button: TriageButton) -> None:
    """Accept, Decline and Back only change the card's buttons."""
    try:
        async with context.session() as session:
            report, duplicates = await pick(
                session,
                scope=actor.scope,
                report_id=button.report_id,
                version=button.version,
                duplicates=button.action is TriageAction.BACK,
            )
    except TransitionError as exc:
        await inbox.refused(update, actor, exc, merge=False)
        return
    locale, back = actor.locale, inbox.button(report, TriageAction.BACK)
    if button.action is TriageAction.ACCEPT:
        rows = [
            [(plain(locale, f"department.{code}"), _department(report, code))]
            for code in context.config.departments
        ]
        rows.append([(plain(locale, "triage.back"), back)])
    elif button.action is TriageAction.DECLINE:
        rows = [
            [(plain(locale, f"triage.reason_{reason.value}"), _decline(report, reason))]
            for reason in DeclineReason
        ]
        typed = inbox.button(report, TriageAction.DECLINE_TYPED)
        rows += [
            [(plain(locale, "triage.reason_typed"), typed)],
            [(plain(locale, "triage.back"), back)],
        ]
    else:  # BACK: the card's own buttons again (an inbox card's, with Skip)
        waiting = report.status in IN_THE_INBOX
        rows = inbox.card_rows(locale, report, duplicates, inbox=waiting)
    assert update.callback_query is not None
    await update.callback_query.answer()
    await message_of(update).edit_reply_markup(reply_markup=inline(rows))


def _department(report: Report, code: str) -> str:
    return TriageDepartment(report.id or 0, report.version, Department(code)).encode()


def _decline(report: Report, reason: DeclineReason) -> str:
    return TriageDecline(report.id or 0, report.version, reason).encode()


async def _skip(update: Update, context: CustomContext, actor: Actor, button: TriageButton) -> None:
    """The next card of the inbox, after this one."""
    try:
        async with context.session() as session:
            await pick(
                session,
                scope=actor.scope,
                report_id=button.report_id,
                version=button.version,
                duplicates=False,
            )
            after = await next_card(
                session,
                scope=actor.scope,
                now=context.now(),
                hours=context.config.first_response_hours,
                after_id=button.report_id,
            )
    except TransitionError as exc:
        await inbox.refused(update, actor, exc, merge=False)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await inbox.show_inbox(update, context, actor, after)


async def _ask(
    update: Update,
    context: CustomContext,
    actor: Actor,
    button: TriageButton | TriageStage,
    question: Question,
) -> None:
    """Ask the planner to type a question, a reason, a reference or a public note."""
    try:
        async with context.session() as session:
            report = await ask(
                session,
                scope=actor.scope,
                report_id=button.report_id,
                version=button.version,
                question=question,
                now=context.now(),
            )
    except TransitionError as exc:
        await inbox.refused(update, actor, exc, merge=False)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    locale, ref = actor.locale, format_ref(button.report_id)
    if question.action != "note":
        key = QUESTION_KEYS[question.action]
        await message_of(update).reply_text(t(locale, key, ref=ref), reply_markup=ForceReply())
        return
    stage = S(question.target)
    without = TriageStage(button.report_id, report.version, stage, with_note=False).encode()
    key = "triage.ask_resolve_note" if stage is S.RESOLVED else "triage.ask_note"
    await message_of(update).reply_text(
        t(locale, key, ref=ref, status=t(locale, f"status.{stage.value}")),
        reply_markup=inline([[(plain(locale, "triage.without_note"), without)]]),
    )


async def _act(
    update: Update, context: CustomContext, actor: Actor, action: Action, *, merge: bool = False
) -> None:
    """Run one action in one unit of work and tell the planner how it went."""
    try:
        async with context.session() as session:
            done = await action(session)
    except TransitionError as exc:
        await inbox.refused(update, actor, exc, merge=merge)
        return
    await inbox.moved(update, context, actor, done)


@planner_only
async def on_department(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:dep:<department>`: accept it, routed to that department."""
    button = TriageDepartment.parse(pressed(update))
    if button.department not in context.config.departments:  # not configured (any more)
        await answer_expired(update, actor.locale)
        return
    await _act(
        update,
        context,
        actor,
        lambda session: move(
            session,
            scope=actor.scope,
            report_id=button.report_id,
            version=button.version,
            to=S.ACCEPTED,
            now=context.now(),
            hours=context.config.first_response_hours,
            department=button.department,
        ),
    )


@planner_only
async def on_decline(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:dr:<n>`: decline with a template reason (kept as its code)."""
    button = TriageDecline.parse(pressed(update))
    await _act(
        update,
        context,
        actor,
        lambda session: move(
            session,
            scope=actor.scope,
            report_id=button.report_id,
            version=button.version,
            to=S.DECLINED,
            now=context.now(),
            hours=context.config.first_response_hours,
            reason=button.reason,
        ),
    )


@planner_only
async def on_merge(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:mg:<report id>`: merge into a suggested duplicate."""
    button = TriageMerge.parse(pressed(update))
    await _act(
        update,
        context,
        actor,
        lambda session: merge_into(
            session,
            scope=actor.scope,
            report_id=button.report_id,
            version=button.version,
            into_id=button.into_id,
            now=context.now(),
            hours=context.config.first_response_hours,
        ),
        merge=True,
    )


@planner_only
async def on_stage(update: Update, context: CustomContext, actor: Actor) -> None:
    """`t:<report id>:<version>:go:<stage>` asks for a note; `gn` moves without one."""
    button = TriageStage.parse(pressed(update))
    if button.with_note:
        await _ask(update, context, actor, button, Question("note", button.stage.value))
        return
    await _act(
        update,
        context,
        actor,
        lambda session: move(
            session,
            scope=actor.scope,
            report_id=button.report_id,
            version=button.version,
            to=button.stage,
            now=context.now(),
            hours=context.config.first_response_hours,
        ),
    )


def build_input_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    """For the group that runs before the features (see bot/app.py)."""
    return planner_input.build_handlers()


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        *inbox.build_handlers(),
        on(TriageButton, on_button),
        on(TriageDepartment, on_department),
        on(TriageDecline, on_decline),
        on(TriageMerge, on_merge),
        on(TriageStage, on_stage),
        *card_actions.build_handlers(),
        *reports.build_handlers(),
    ]
