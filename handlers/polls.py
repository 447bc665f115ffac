"""/poll for planners: one line, or a short wizard, then a preview with Send / Cancel.

    /poll xinhua-road | What shall we call the garden? | A | B | C [| multi] [| anonymous] [| 3d]

The wizard asks the community (when the planner serves several), the question, then the
options, one per line. The preview shows the poll, its audience and buttons: Send (with the
audience size), Cancel, several answers, anonymity and the closing time (1, 3, 7 or 14 days;
7 unless said). Pictures sent while the preview is open (design drafts, up to 10; an album is
answered once) go out as one album before the poll. Telegram's limits are checked before
anything is kept (storage/polls.py). The draft is a `poll` row read with the caller
(storage/callers.py), so a restart loses nothing; its messages are taken here, before the
resident conversation (bot/app.py, POLL_INPUT_GROUP).
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.albums import album_job, answer_album_once
from handlers.buttons import on, pressed
from handlers.buttons_polls import PollAction, PollButton, PollCommunity
from handlers.common import community_rows, inline, message_of, plain, t
from handlers.context import CustomContext
from handlers.planner_drafts import draft_input
from handlers.poll_view import refusal
from handlers.roles import Actor, planner_only
from storage.callers import load_caller as read_caller
from storage.communities import community_name, get_community
from storage.poll_delivery import Preview, preview, send_poll
from storage.poll_models import Poll, PollStep
from storage.polls import (
    DEFAULT_DAYS,
    PollError,
    Toggle,
    add_photo,
    cancel_poll,
    start_by_slug,
    start_poll,
    toggle,
    write_step,
)

_DAYS = re.compile(r"^(\d{1,2})\s*d$", re.IGNORECASE)
_MULTI = {"multi", "multiple"}
_ANON = {"anonymous", "anon"}


def parse_line(rest: str) -> tuple[str, str, list[str], bool, bool, int]:
    """`slug | question | option …` and the optional tail; PollError("usage") if it is not."""
    parts = [part.strip() for part in rest.split("|")]
    multiple, anonymous, days = False, False, DEFAULT_DAYS
    while len(parts) > 2:
        word = parts[-1].lower()
        if word in _MULTI:
            multiple = True
        elif word in _ANON:
            anonymous = True
        elif (found := _DAYS.match(word)) and 1 <= int(found.group(1)) <= 30:
            days = int(found.group(1))
        else:
            break
        parts.pop()
    if len(parts) < 2 or not parts[0]:
        raise PollError("usage")
    return parts[0], parts[1], parts[2:], multiple, anonymous, days


@planner_only
async def poll_command(update: Update, context: CustomContext, actor: Actor) -> None:
    """/poll: the wizard; /poll slug | question | options…: straight to the preview."""
    message = message_of(update)
    rest = (message.text or "").partition(" ")[2].strip()
    if not rest:
        await _start_wizard(update, context, actor)
        return
    slug = rest.split("|", 1)[0].strip()
    try:
        slug, question, options, multiple, anonymous, days = parse_line(rest)
        async with context.session() as session:
            poll = await start_by_slug(
                session,
                scope=actor.scope,
                slug=slug,
                question=question,
                options=options,
                multiple=multiple,
                anonymous=anonymous,
                days=days,
                now=context.now(),
            )
            text, markup = _preview(actor.locale, await preview(session, poll=poll))
    except PollError as exc:
        await message.reply_text(refusal(actor.locale, exc, slug=slug))
        return
    await message.reply_text(text, reply_markup=markup)


async def _start_wizard(update: Update, context: CustomContext, actor: Actor) -> None:
    message = message_of(update)
    if len(actor.community_ids) == 1:
        await _ask_question(context, message.chat_id, actor, actor.community_ids[0])
        return
    rows = await community_rows(
        context,
        actor.community_ids,
        actor.locale,
        lambda community_id: PollCommunity(community_id).encode(),
    )
    await message.reply_text(t(actor.locale, "polls.choose_community"), reply_markup=inline(rows))


@planner_only
async def choose_community(update: Update, context: CustomContext, actor: Actor) -> None:
    query = update.callback_query
    assert query is not None
    button = PollCommunity.parse(pressed(update))
    await query.answer()
    await _ask_question(context, message_of(update).chat_id, actor, button.community_id)


async def _ask_question(
    context: CustomContext, chat_id: int, actor: Actor, community_id: int
) -> None:
    try:
        async with context.session() as session:
            poll = await start_poll(
                session, scope=actor.scope, community_id=community_id, now=context.now()
            )
            community = await get_community(session, community_id=community_id)
    except PollError as exc:
        await context.bot.send_message(chat_id, refusal(actor.locale, exc))
        return
    name = "" if community is None else community_name(community, actor.locale)
    await context.bot.send_message(
        chat_id,
        t(actor.locale, "polls.ask_question", community=name),
        reply_markup=_cancel(actor.locale, poll),
    )


def _cancel(locale: str, poll: Poll) -> InlineKeyboardMarkup:
    data = PollButton(poll.id or 0, poll.version, PollAction.CANCEL).encode()
    return inline([[(plain(locale, "polls.cancel_button"), data)]])


def _preview(locale: str, shown: Preview) -> tuple[str, InlineKeyboardMarkup]:
    """The poll as it will go out, its audience, and its buttons."""
    poll, size = shown.poll, shown.audience
    audience_text = plain(
        locale,
        "polls.audience",
        community=shown.community_zh if locale == "zh" else shown.community_en,
        residents=size.residents,
        chats=size.chats,
    )
    text = t(
        locale,
        "polls.preview",
        question=poll.question,
        options=poll.options,
        multiple=poll.multiple,
        anonymous=poll.anonymous,
        days=poll.days,
        photos=len(poll.photos),
        audience=audience_text,
    )

    def button(action: PollAction) -> str:
        return PollButton(poll.id or 0, poll.version, action).encode()

    rows = [
        [
            (
                plain(locale, "polls.send_button", count=size.residents + size.chats),
                button(PollAction.SEND),
            ),
            (plain(locale, "polls.cancel_button"), button(PollAction.CANCEL)),
        ],
        [
            (plain(locale, "polls.multi_button", on=poll.multiple), button(PollAction.MULTIPLE)),
            (plain(locale, "polls.anon_button", on=poll.anonymous), button(PollAction.ANONYMOUS)),
        ],
        [(plain(locale, "polls.days_button", days=poll.days), button(PollAction.DAYS))],
    ]
    return text, inline(rows)


async def _take(update: Update, context: CustomContext, actor: Actor, poll: Poll) -> None:
    message, locale = message_of(update), actor.locale
    try:
        async with context.session() as session:
            if message.photo:
                await add_photo(session, poll=poll, file_id=message.photo[-1].file_id)
            else:
                poll = await write_step(session, poll=poll, text=(message.text or "").strip())
            shown = (
                _preview(locale, await preview(session, poll=poll))
                if poll.step == PollStep.COMPOSE and not message.media_group_id
                else None
            )
    except PollError as exc:
        await message.reply_text(refusal(locale, exc))
        return
    if shown is not None:
        await message.reply_text(shown[0], reply_markup=shown[1])
    elif message.media_group_id:
        _preview_later(context, message, actor.person.telegram_id, locale)
    else:
        await message.reply_text(t(locale, "polls.ask_options"), reply_markup=_cancel(locale, poll))


def _preview_later(context: CustomContext, message: Message, user_id: int, locale: str) -> None:
    """An album arrives as several messages: one preview, after the last picture."""
    answer_album_once(
        context, message, feature="poll", user_id=user_id, locale=locale, settled=_album_settled
    )


async def _album_settled(context: CustomContext) -> None:
    job = album_job(context)
    locale = job.locale
    async with context.session() as session:
        state = await read_caller(
            session, telegram_id=job.user_id, first_name="", locale=locale, now=context.now()
        )
        shown = (
            None
            if state.poll_draft is None
            else _preview(locale, await preview(session, poll=state.poll_draft))
        )
    if shown is not None:
        await context.bot.send_message(job.chat_id, shown[0], reply_markup=shown[1])


@planner_only
async def on_poll_button(update: Update, context: CustomContext, actor: Actor) -> None:
    """Send, Cancel, or a setting, on the preview that showed this version."""
    query = update.callback_query
    assert query is not None
    button, locale = PollButton.parse(pressed(update)), actor.locale
    shown: tuple[str, InlineKeyboardMarkup] | None = None
    try:
        async with context.session() as session:
            if button.action == PollAction.SEND:
                poll = await send_poll(
                    session,
                    scope=actor.scope,
                    poll_id=button.poll_id,
                    version=button.version,
                    now=context.now(),
                )
                assert poll.closes_at is not None
                closes = poll.closes_at.astimezone(context.config.timezone)
                text = t(
                    locale, "polls.sent", total=poll.total, closes=closes.strftime("%Y-%m-%d %H:%M")
                )
            elif button.action == PollAction.CANCEL:
                await cancel_poll(
                    session, scope=actor.scope, poll_id=button.poll_id, version=button.version
                )
                text = t(locale, "polls.cancelled")
            else:
                poll = await toggle(
                    session,
                    scope=actor.scope,
                    poll_id=button.poll_id,
                    version=button.version,
                    what=Toggle(button.action.value),
                )
                shown = _preview(locale, await preview(session, poll=poll))
    except PollError as exc:
        await query.answer(plain(locale, f"polls.error_{exc.code}"), show_alert=True)
        return
    if button.action == PollAction.SEND:
        context.services.wake_outbox()
        await context.services.polls_changed(button.poll_id)
    await query.answer()
    if shown is not None:
        await query.edit_message_text(shown[0], reply_markup=shown[1])
    else:
        await query.edit_message_text(text)


#: a planner's message while their draft is open (handlers/planner_drafts.py)
on_poll_input = draft_input(lambda state: state.poll_draft, _take)


def build_input_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    """For the group after the notices' input, before the features (bot/app.py)."""
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.COMMAND & (filters.TEXT | filters.PHOTO),
            on_poll_input,
        )
    ]


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        CommandHandler("poll", poll_command, filters=filters.ChatType.PRIVATE),
        on(PollCommunity, choose_community),
        on(PollButton, on_poll_button),
    ]
