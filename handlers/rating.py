"""The reporter's answer to "Is it fixed?": stars close the report, low stars or "Not
fixed" reopen it and tell its planners."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from handlers.buttons import Rate, on, pressed
from handlers.common import answer_expired, load_caller, t
from handlers.context import CustomContext
from storage.lifecycle import TransitionError, rate
from storage.models import ReportStatus, format_ref


async def on_rating(update: Update, context: CustomContext) -> None:
    """`rate:<report id>:<stars>`, 0 meaning "not fixed"."""
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    button = Rate.parse(pressed(update))
    report_id, stars = button.report_id, button.stars
    try:
        async with context.session() as session:
            report = await rate(
                session,
                report_id=report_id,
                person_id=caller.id,
                stars=stars or None,
                now=context.now(),
            )
    except TransitionError:
        await answer_expired(update, caller.locale)
        return
    await query.answer()
    message = update.effective_message
    assert message is not None
    key = "rating.thanks" if report.status == ReportStatus.CLOSED else "rating.reopened"
    # the question becomes its answer, without its buttons: one request (issue 11)
    await message.edit_text(t(caller.locale, key, ref=format_ref(report_id)))
    context.bot_data.services.wake_outbox()


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [on(Rate, on_rating)]
