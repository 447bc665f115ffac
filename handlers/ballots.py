"""Priority ballots for planners (issue 14): `/ballot`, the draft's card and its buttons, and
`/panel` (the community's ballot panel, with a remove button per member).

    /ballot xinhua-road | 2027 first batch of micro-renewal projects [| typed item | …]

The card lists the items, offers the community's accepted and planned reports as buttons,
switches who votes (all residents, or the panel), and opens the ballot for 1, 3 or 7 days;
every change sends the card again with buttons of the new version, so an older card's
buttons are refused (storage/ballots.py). Opening queues the invitations
(handlers/ballot_vote.py takes it from there) and schedules the closing
(`Services.ballot_opened`, bot/ballot_jobs.py).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.ballot_view import draft_card
from handlers.buttons import on, pressed
from handlers.buttons_ballots import (
    BallotAddReport,
    BallotDraft,
    BallotOpen,
    DraftAction,
    PanelRemove,
)
from handlers.common import inline, message_of, plain, t
from handlers.context import CustomContext
from handlers.roles import Actor, planner_only
from storage.ballot_models import Ballot, Electorate
from storage.ballot_panel import panel_members, remove_member
from storage.ballots import (
    BallotError,
    add_report,
    add_typed,
    cancel_ballot,
    draft_view,
    open_ballot,
    set_electorate,
    start_ballot,
)
from storage.communities import community_name
from storage.roles import community_by_slug


@planner_only
async def ballot_command(update: Update, context: CustomContext, actor: Actor) -> None:
    message = message_of(update)
    rest = (message.text or "").partition(" ")[2].strip()
    parts = [part.strip() for part in rest.split("|")]
    if len(parts) < 2:
        await message.reply_text(t(actor.locale, "ballots.usage"))
        return
    try:
        async with context.session() as session:
            ballot = await start_ballot(
                session,
                scope=actor.scope,
                slug=parts[0],
                title=parts[1],
                typed=parts[2:],
                now=context.now(),
            )
            text, markup = draft_card(actor.locale, await draft_view(session, ballot=ballot))
    except BallotError as exc:
        await message.reply_text(t(actor.locale, "ballots.refused", code=exc.code))
        return
    await message.reply_text(text, reply_markup=markup)


@planner_only
async def ballot_add_command(update: Update, context: CustomContext, actor: Actor) -> None:
    """/ballot_add words: one more typed item on the planner's newest draft; its new card."""
    message = message_of(update)
    text = (message.text or "").partition(" ")[2]
    try:
        async with context.session() as session:
            ballot = await add_typed(session, scope=actor.scope, text=text)
            card, markup = draft_card(actor.locale, await draft_view(session, ballot=ballot))
    except BallotError as exc:
        await message.reply_text(t(actor.locale, "ballots.refused", code=exc.code))
        return
    await message.reply_text(card, reply_markup=markup)


async def _refuse(update: Update, locale: str, exc: BallotError) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        plain(locale, "ballots.refused", code=exc.code), show_alert=True
    )


async def _show(update: Update, context: CustomContext, actor: Actor, ballot: Ballot) -> None:
    """After a change: the card again, with buttons of the new version."""
    async with context.session() as session:
        text, markup = draft_card(actor.locale, await draft_view(session, ballot=ballot))
    query = update.callback_query
    assert query is not None
    await query.answer()
    await context.bot.send_message(message_of(update).chat_id, text, reply_markup=markup)


@planner_only
async def draft_button(update: Update, context: CustomContext, actor: Actor) -> None:
    button = BallotDraft.parse(pressed(update))
    try:
        async with context.session() as session:
            if button.action == DraftAction.CANCEL:
                await cancel_ballot(
                    session, scope=actor.scope, ballot_id=button.ballot_id, version=button.version
                )
            else:
                electorate = (
                    Electorate.PANEL if button.action == DraftAction.PANEL else Electorate.RESIDENTS
                )
                ballot = await set_electorate(
                    session,
                    scope=actor.scope,
                    ballot_id=button.ballot_id,
                    version=button.version,
                    electorate=electorate,
                )
    except BallotError as exc:
        await _refuse(update, actor.locale, exc)
        return
    if button.action == DraftAction.CANCEL:
        assert update.callback_query is not None
        await update.callback_query.answer()
        await context.bot.send_message(
            message_of(update).chat_id, t(actor.locale, "ballots.cancelled")
        )
        return
    await _show(update, context, actor, ballot)


@planner_only
async def add_button(update: Update, context: CustomContext, actor: Actor) -> None:
    button = BallotAddReport.parse(pressed(update))
    try:
        async with context.session() as session:
            ballot = await add_report(
                session,
                scope=actor.scope,
                ballot_id=button.ballot_id,
                version=button.version,
                report_id=button.report_id,
            )
    except BallotError as exc:
        await _refuse(update, actor.locale, exc)
        return
    await _show(update, context, actor, ballot)


@planner_only
async def open_button(update: Update, context: CustomContext, actor: Actor) -> None:
    button = BallotOpen.parse(pressed(update))
    try:
        async with context.session() as session:
            ballot, invited = await open_ballot(
                session,
                scope=actor.scope,
                ballot_id=button.ballot_id,
                version=button.version,
                days=button.days,
                now=context.now(),
                tz=context.config.timezone,
            )
    except BallotError as exc:
        await _refuse(update, actor.locale, exc)
        return
    context.services.wake_outbox()
    assert ballot.id is not None
    assert ballot.closes_at is not None
    await context.services.ballot_opened(ballot.id)
    assert update.callback_query is not None
    await update.callback_query.answer()
    closes = ballot.closes_at.astimezone(context.config.timezone).strftime("%Y-%m-%d %H:%M")
    await context.bot.send_message(
        message_of(update).chat_id,
        t(actor.locale, "ballots.opened", title=ballot.title, invited=invited, closes=closes),
    )


@planner_only
async def panel_command(update: Update, context: CustomContext, actor: Actor) -> None:
    """/panel SLUG: the community's panel members, each with a remove button."""
    message = message_of(update)
    args = context.args or []
    if len(args) != 1:
        await message.reply_text(t(actor.locale, "ballots.panel_usage"))
        return
    async with context.session() as session:
        community = await community_by_slug(session, slug=args[0])
        members = (
            await panel_members(session, community_id=community.id)
            if community is not None and community.id is not None and actor.serves(community.id)
            else []
        )
    if community is None or not actor.serves(community.id):
        await message.reply_text(t(actor.locale, "ballots.refused", code="unknown_community"))
        return
    names = [m.first_name or "?" for m in members]
    rows = [
        [
            (
                plain(actor.locale, "ballots.panel_remove_button", name=m.first_name or "?"),
                PanelRemove(m.id or 0, community.id or 0).encode(),
            )
        ]
        for m in members
    ]
    await message.reply_text(
        t(
            actor.locale,
            "ballots.panel_list",
            community=community_name(community, actor.locale),
            names=names,
        ),
        reply_markup=inline(rows) if rows else None,
    )


@planner_only
async def panel_remove(update: Update, context: CustomContext, actor: Actor) -> None:
    button = PanelRemove.parse(pressed(update))
    query = update.callback_query
    assert query is not None
    removed = False
    if actor.serves(button.community_id):
        async with context.session() as session:
            removed = await remove_member(
                session, person_id=button.person_id, community_id=button.community_id
            )
    if not removed:
        await _refuse(update, actor.locale, BallotError("stale"))
        return
    await query.answer(plain(actor.locale, "ballots.panel_removed"))
    await context.bot.send_message(
        message_of(update).chat_id, t(actor.locale, "ballots.panel_removed")
    )


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("ballot", ballot_command, filters=private),
        CommandHandler("ballot_add", ballot_add_command, filters=private),
        CommandHandler("panel", panel_command, filters=private),
        on(BallotDraft, draft_button),
        on(BallotAddReport, add_button),
        on(BallotOpen, open_button),
        on(PanelRemove, panel_remove),
    ]
