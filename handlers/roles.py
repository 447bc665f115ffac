"""Who may do what, checked in one place; and the planner-role commands.

`planner_only` wraps every planner handler: it loads the caller, works out the communities
they serve (all of them for admins from ADMIN_IDS), and answers "not permitted" to anyone
else, for commands and for buttons alike, before the wrapped handler runs.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from handlers.buttons import Revoke, on, pressed
from handlers.common import Caller, answer_expired, inline, load_caller, plain, t
from handlers.context import CustomContext
from handlers.start import menu_filter
from storage.communities import community_name
from storage.models import Community, Person, Role
from storage.roles import (
    RoleError,
    all_community_ids,
    community_by_slug,
    create_invite,
    planner_communities,
    planners_by_community,
    redeem_code,
    revoke_planner,
)
from storage.triage import Scope


@dataclass(frozen=True)
class Actor:
    """A planner (or admin) and the communities they serve."""

    caller: Caller
    is_admin: bool
    community_ids: tuple[int, ...]

    @property
    def locale(self) -> str:
        return self.caller.locale

    @property
    def person(self) -> Person:
        return self.caller.person

    @property
    def id(self) -> int:
        return self.caller.id

    @property
    def scope(self) -> Scope:
        """What storage checks every planner action against (`Scope.covers`)."""
        return Scope(person_id=self.id, community_ids=self.community_ids)

    def serves(self, community_id: int | None) -> bool:
        return self.scope.covers(community_id)


PlannerHandler = Callable[[Update, CustomContext, Actor], Awaitable[None]]


async def load_actor(update: Update, context: CustomContext) -> tuple[Caller, Actor | None]:
    caller = await load_caller(update, context)
    is_admin = caller.person.telegram_id in context.config.admin_ids
    async with context.session() as session:
        if is_admin:
            ids = await all_community_ids(session)
        else:
            ids = await planner_communities(session, person_id=caller.id)
    if not is_admin and not ids:
        return caller, None
    return caller, Actor(caller=caller, is_admin=is_admin, community_ids=tuple(ids))


async def refuse(update: Update, locale: str) -> None:
    """The one answer for a missing role, to a command or a button."""
    if update.callback_query is not None:
        await update.callback_query.answer(plain(locale, "roles.not_permitted"), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(t(locale, "roles.not_permitted"))


Guarded = Callable[[Update, CustomContext], Coroutine[Any, Any, None]]


def planner_only(handler: PlannerHandler) -> Guarded:
    @functools.wraps(handler)
    async def guarded(update: Update, context: CustomContext) -> None:
        caller, actor = await load_actor(update, context)
        if actor is None:
            await refuse(update, caller.locale)
            return
        await handler(update, context, actor)

    return guarded


def admin_only(handler: PlannerHandler) -> Guarded:
    @functools.wraps(handler)
    async def guarded(update: Update, context: CustomContext) -> None:
        caller, actor = await load_actor(update, context)
        if actor is None or not actor.is_admin:
            await refuse(update, caller.locale)
            return
        await handler(update, context, actor)

    return guarded


def _reply(update: Update) -> Callable[..., Awaitable[object]]:
    message = update.effective_message
    assert message is not None
    return message.reply_text


@planner_only
async def invite(update: Update, context: CustomContext, actor: Actor) -> None:
    """/invite planner|panel <community slug>: a one-time code, valid 48 hours (a panel
    member votes on the community's panel ballots, issue 14)."""
    args = context.args or []
    if len(args) != 2 or args[0] not in (Role.PLANNER, Role.PANEL):
        await _reply(update)(t(actor.locale, "roles.invite_usage"))
        return
    async with context.session() as session:
        community = await community_by_slug(session, slug=args[1])
        if community is None or not actor.serves(community.id):
            code = None
        else:
            assert community.id is not None
            created = await create_invite(
                session,
                community_id=community.id,
                created_by=actor.id,
                now=context.now(),
                role=Role(args[0]),
            )
            code, expires = created.code, created.expires_at
    if community is None:
        await _reply(update)(t(actor.locale, "roles.unknown_community", slug=args[1]))
        return
    if code is None:
        await refuse(update, actor.locale)
        return
    when = expires.astimezone(context.config.timezone).strftime("%Y-%m-%d %H:%M")
    created_key = (
        "roles.invite_created" if args[0] == Role.PLANNER else "ballots.panel_invite_created"
    )
    await _reply(update)(
        t(
            actor.locale,
            created_key,
            code=code,
            community=community_name(community, actor.locale),
            expires=when,
        )
    )


async def join(update: Update, context: CustomContext) -> None:
    """/join CODE: become a planner (or a panel member) of the invite's community."""
    caller = await load_caller(update, context)
    args = context.args or []
    if len(args) != 1:
        await _reply(update)(t(caller.locale, "roles.join_usage"))
        return
    try:
        async with context.session() as session:
            community, role = await redeem_code(
                session, code=args[0], person=caller.person, now=context.now()
            )
    except RoleError as exc:
        await _reply(update)(t(caller.locale, f"roles.invite_{exc.code}"))
        return
    joined = "roles.joined" if role == Role.PLANNER else "ballots.panel_joined"
    await _reply(update)(
        t(caller.locale, joined, community=community_name(community, caller.locale))
    )


@planner_only
async def list_planners(update: Update, context: CustomContext, actor: Actor) -> None:
    """/planners: who serves each of the caller's communities (admins get revoke buttons)."""
    lines: list[str] = []
    rows: list[list[tuple[str, str]]] = []
    async with context.session() as session:
        serving = await planners_by_community(session, community_ids=actor.community_ids)
    for community, planners in serving:
        lines.append(_planner_line(actor.locale, community, planners))
        if actor.is_admin:
            rows += [
                [
                    (
                        plain(actor.locale, "roles.revoke_button", name=p.first_name or "?"),
                        Revoke(p.id or 0, community.id or 0).encode(),
                    )
                ]
                for p in planners
            ]
    await _reply(update)("\n".join(lines), reply_markup=inline(rows) if rows else None)


def _planner_line(locale: str, community: Community, planners: list[Person]) -> str:
    names = ", ".join(p.first_name or "?" for p in planners)
    return t(
        locale,
        "roles.planners_line",
        community=community_name(community, locale),
        names=names,
        count=len(planners),
    )


@admin_only
async def revoke(update: Update, context: CustomContext, actor: Actor) -> None:
    query = update.callback_query
    assert query is not None
    button = Revoke.parse(pressed(update))
    async with context.session() as session:
        ok = await revoke_planner(
            session, person_id=button.person_id, community_id=button.community_id
        )
    if not ok:
        await answer_expired(update, actor.locale)
        return
    await query.answer(plain(actor.locale, "roles.revoked"))
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, t(actor.locale, "roles.revoked"))


async def planner_help(update: Update, context: CustomContext) -> None:
    """After the resident's /help (a later group): the planner's commands, for planners."""
    _caller, actor = await load_actor(update, context)
    if actor is not None:
        await _reply(update)(t(actor.locale, "roles.planner_help", admin=actor.is_admin))


def build_help_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    """For the group after the features (see bot/app.py)."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("help", planner_help, filters=private),
        MessageHandler(private & menu_filter("buttons.menu_help"), planner_help),
    ]


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("invite", invite, filters=private),
        CommandHandler("join", join, filters=private),
        CommandHandler("planners", list_planners, filters=private),
        on(Revoke, revoke),
    ]
