"""A planner writing something step by step (a notice, a poll, an event): while its draft is
open, their next private message belongs to it. One gate for all three, registered in input
groups before the features (bot/app.py); the draft is read with the caller, so the update
costs no extra query for anyone without one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from handlers.common import load_caller
from handlers.context import CustomContext
from handlers.roles import Actor, load_actor
from storage.callers import CallerState

Draft = TypeVar("Draft")
Take = Callable[[Update, CustomContext, Actor, Draft], Awaitable[None]]
Gate = Callable[[Update, CustomContext], Coroutine[Any, Any, None]]


def draft_input(draft_of: Callable[[CallerState], Draft | None], take: Take[Draft]) -> Gate:
    """The handler that gives a planner's message to `take` when `draft_of` finds their open
    draft, and stops the update there; anyone else's message goes on to the features (a
    planner no longer: their draft no longer takes messages)."""

    async def gate(update: Update, context: CustomContext) -> None:
        if update.effective_message is None or update.effective_user is None:
            return
        draft = draft_of((await load_caller(update, context)).state)  # the update's one read
        if draft is None:
            return
        _caller, actor = await load_actor(update, context)
        if actor is None:
            return
        await take(update, context, actor, draft)
        raise ApplicationHandlerStop

    return gate
