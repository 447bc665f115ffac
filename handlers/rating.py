"""The reporter's answer to "Is it fixed?" on the 12345 hotlines' scale: satisfied or
mostly satisfied close the report; not satisfied or not fixed reopen it and tell its
planners (`storage.lifecycle.rate`). The star buttons of before (`rate:`) are read on the
same scale (handlers/buttons_rating.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from handlers.buttons import on, pressed
from handlers.buttons_rating import Rate, Satisfy
from handlers.common import answer_expired, load_caller, t
from handlers.context import CustomContext
from storage.lifecycle import TransitionError, rate
from storage.models import ReportStatus, format_ref
from storage.rules import Satisfaction


async def on_answer(update: Update, context: CustomContext) -> None:
    """`sat:<report id>:<answer>`"""
    button = Satisfy.parse(pressed(update))
    await _rate(update, context, button.report_id, button.answer)


async def on_old_stars(update: Update, context: CustomContext) -> None:
    """`rate:<report id>:<stars>`, a star button sent before the new scale: 5 satisfied,
    4 mostly satisfied, 1-3 not satisfied, 0 not fixed (`rules.from_stars`)."""
    button = Rate.parse(pressed(update))
    await _rate(update, context, button.report_id, button.answer)


async def _rate(
    update: Update, context: CustomContext, report_id: int, answer: Satisfaction
) -> None:
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    try:
        async with context.session() as session:
            report = await rate(
                session,
                report_id=report_id,
                person_id=caller.id,
                answer=answer,
                now=context.now(),
            )
    except TransitionError:
        await answer_expired(update, caller.locale)
        return
    await query.answer()
    message = update.effective_message
    assert message is not None
    key = "rating.thanks" if report.status == ReportStatus.CLOSED else "rating.reopened"
    label = t(caller.locale, f"rating.{answer.value}")
    # the question becomes its answer, without its buttons: one request (issue 11)
    await message.edit_text(t(caller.locale, key, ref=format_ref(report_id), answer=label))
    context.bot_data.services.wake_outbox()


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [on(Satisfy, on_answer), on(Rate, on_old_stars)]
