"""Votes as Telegram reports them, and `/polls`, a planner's open and closed polls with
their counts.

A `poll_answer` (non-anonymous polls: who chose what; no options is a retraction) and a
`poll` (a copy's new totals, counted for anonymous polls) are recorded by
`storage/poll_votes.py`, which decides what counts. Neither update has a chat: nobody is
answered.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, PollAnswerHandler, PollHandler, filters

from handlers.common import message_of, paragraphs, shorten, t
from handlers.context import CustomContext
from handlers.roles import Actor, planner_only
from storage.poll_models import PollStatus
from storage.poll_votes import recent_polls, record_answer, record_totals

LISTED = 5  # polls in /polls: 12 options each still fit one message


async def on_poll_answer(update: Update, context: CustomContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:  # a vote on behalf of a chat: not a resident
        return
    async with context.session() as session:
        await record_answer(
            session,
            telegram_poll_id=answer.poll_id,
            telegram_user_id=answer.user.id,
            option_ids=answer.option_ids,
            now=context.now(),
        )


async def on_poll(update: Update, context: CustomContext) -> None:
    poll = update.poll
    if poll is None or not poll.is_anonymous:  # a non-anonymous poll counts its answers
        return
    async with context.session() as session:
        await record_totals(
            session,
            telegram_poll_id=poll.id,
            counts=[option.voter_count for option in poll.options],
            voters=poll.total_voter_count,
        )


@planner_only
async def list_polls(update: Update, context: CustomContext, actor: Actor) -> None:
    """/polls: the open polls, then the latest closed ones, each with its live count."""
    async with context.session() as session:
        found = await recent_polls(session, community_ids=actor.community_ids, limit=LISTED)
    locale = actor.locale
    if not found:
        await message_of(update).reply_text(t(locale, "polls.list_empty"))
        return
    parts = [t(locale, "polls.list_header", count=len(found))]
    for poll, tally in found:
        is_open = poll.status == PollStatus.OPEN
        when = poll.closes_at if is_open else poll.closed_at
        lines = [
            t(locale, "polls.count_line", option=shorten(option, 40), count=count)
            for option, count in zip(poll.options, tally.counts, strict=False)
        ]
        parts.append(
            t(
                locale,
                "polls.list_line",
                question=shorten(poll.question, 100),
                open=is_open,
                when=""
                if when is None
                else when.astimezone(context.config.timezone).strftime("%m-%d %H:%M"),
                voters=tally.voters,
                lines=lines,
            )
        )
    await message_of(update).reply_text(paragraphs(*parts))


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        PollAnswerHandler(on_poll_answer),
        PollHandler(on_poll),
        CommandHandler("polls", list_polls, filters=filters.ChatType.PRIVATE),
    ]
