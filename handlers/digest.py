"""`/digest` and `/digest_schedule` in a committee chat, for its community's planners only
(and admins): a digest sent to a group reaches everyone there, so nobody else may ask for one.

The digest itself goes out through the outbox (storage/digests.py); the command's answer is
the digest, or a line saying why not.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.common import message_of, t
from handlers.context import CustomContext
from handlers.groups import may_manage
from handlers.roles import load_actor, refuse
from storage.digests import clear_schedule, queue_digest, schedule_of, set_schedule
from storage.groups import linked_chat
from storage.models import ChatKind, LinkedChat
from storage.periods import Cadence, ScheduleSpec, on_demand_end, parse_schedule, with_previous


async def _committee_chat(update: Update, context: CustomContext) -> tuple[LinkedChat, int] | None:
    """The committee chat this command was sent in, and the caller's person id, when the caller
    may manage it; otherwise the refusal has been sent and None is returned."""
    message = message_of(update)
    caller, actor = await load_actor(update, context)
    async with context.session() as session:
        linked = await linked_chat(session, chat_id=message.chat_id)
    if linked is None:
        await message.reply_text(t(caller.locale, "groups.how_to_link"))
        return None
    if not may_manage(actor, linked.community_id):
        await refuse(update, caller.locale)
        return None
    if linked.kind != ChatKind.COMMITTEE or linked.community_id is None:
        await message.reply_text(t(linked.locale, "groups.committee_only"))
        return None
    return linked, caller.id


async def digest_now(update: Update, context: CustomContext) -> None:
    """/digest: the last period (the schedule's, or a week) up to now, sent now."""
    found = await _committee_chat(update, context)
    if found is None:
        return
    linked, _ = found
    assert linked.id is not None
    tz = context.config.timezone
    async with context.session() as session:
        scheduled = await schedule_of(session, linked_chat_id=linked.id)
        period, previous = with_previous(
            None if scheduled is None else scheduled.spec, on_demand_end(context.now()), tz=tz
        )
        run = await queue_digest(
            session,
            chat=linked,
            period=period,
            previous=previous,
            scheduled=False,
            now=context.now(),
            tz=tz,
            first_response_hours=context.config.first_response_hours,
        )
    if run is None:
        await message_of(update).reply_text(t(linked.locale, "groups.digest_already"))
        return
    context.services.wake_outbox()


def describe(locale: str, spec: ScheduleSpec) -> str:
    at = spec.at.strftime("%H:%M")
    if spec.cadence == Cadence.DAILY:
        return t(locale, "groups.every_day", at=at)
    if spec.cadence == Cadence.WEEKLY:
        return t(locale, "groups.every_week", weekday=spec.weekday, at=at)
    return t(locale, "groups.every_month", day=spec.day, at=at)


async def digest_schedule(update: Update, context: CustomContext) -> None:
    """/digest_schedule weekly mon 09:00 | daily 09:00 | monthly 1 09:00 | off."""
    found = await _committee_chat(update, context)
    if found is None:
        return
    linked, person_id = found
    assert linked.id is not None
    message = message_of(update)
    args = [a.lower() for a in context.args or []]
    spec = parse_schedule(args)
    if args != ["off"] and spec is None:
        await message.reply_text(t(linked.locale, "groups.schedule_usage"))
        return
    async with context.session() as session:
        if spec is None:
            stopped = await clear_schedule(session, linked_chat_id=linked.id)
        else:
            await set_schedule(
                session, linked_chat_id=linked.id, spec=spec, by=person_id, now=context.now()
            )
    await context.services.digests_changed(linked.id)
    if spec is None:
        await message.reply_text(
            t(linked.locale, "groups.schedule_off" if stopped else "groups.no_schedule")
        )
        return
    await message.reply_text(
        t(
            linked.locale,
            "groups.schedule_set",
            when=describe(linked.locale, spec),
            timezone=str(context.config.timezone),
        )
    )


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    groups = filters.ChatType.GROUPS
    return [
        CommandHandler("digest", digest_now, filters=groups),
        CommandHandler("digest_schedule", digest_schedule, filters=groups),
    ]
