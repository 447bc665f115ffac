"""Voting on a priority ballot (issue 14): the invitation's "start" and previous / next show
one item per message (its photo, with the words as the caption, or the words alone), and a
score button records the score and edits that message: the ✅ on the chosen score and the
progress line. A refused press (an item not in the ballot, a score out of range, a closed
ballot, a voter not eligible: storage/ballot_voting.py) gets a clear answer and changes
nothing (tests/conversation/test_ballots.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from handlers.ballot_view import voter_item
from handlers.buttons import on, pressed
from handlers.buttons_ballots import BallotItemView, BallotScoreButton
from handlers.common import load_caller, message_of, photo_source, plain
from handlers.context import CustomContext
from storage.ballot_voting import VoteError, give_score
from storage.ballot_voting import voter_item as read_item


async def _refuse(update: Update, locale: str, exc: VoteError) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        plain(locale, "ballots.vote_refused", code=exc.code), show_alert=True
    )


async def show_item(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    button = BallotItemView.parse(pressed(update))
    try:
        async with context.session() as session:
            seen = await read_item(
                session, ballot_id=button.ballot_id, position=button.position, person=caller.person
            )
    except VoteError as exc:
        await _refuse(update, caller.locale, exc)
        return
    text, markup = voter_item(caller.locale, seen)
    query = update.callback_query
    assert query is not None
    await query.answer()
    chat_id = message_of(update).chat_id
    if seen.photo is not None:
        await context.bot.send_photo(
            chat_id, photo_source(context, seen.photo), caption=text, reply_markup=markup
        )
    else:
        await context.bot.send_message(chat_id, text, reply_markup=markup)


async def score(update: Update, context: CustomContext) -> None:
    caller = await load_caller(update, context)
    button = BallotScoreButton.parse(pressed(update))
    try:
        async with context.session() as session:
            seen = await give_score(
                session,
                ballot_id=button.ballot_id,
                item_id=button.item_id,
                person=caller.person,
                axis=button.axis,
                value=button.score,
                now=context.now(),
            )
    except VoteError as exc:
        await _refuse(update, caller.locale, exc)
        return
    text, markup = voter_item(caller.locale, seen)
    query = update.callback_query
    assert query is not None
    await query.answer(plain(caller.locale, "ballots.saved"))
    message = message_of(update)
    if message.photo:
        await query.edit_message_caption(caption=text, reply_markup=markup)
    else:
        await query.edit_message_text(text, reply_markup=markup)


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [on(BallotItemView, show_item), on(BallotScoreButton, score)]
