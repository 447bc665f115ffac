"""/notice for planners: a short wizard, or one line, then a preview with Send / Cancel.

    /notice xinhua-road | Title | Text [| R-000123]

The wizard asks the community (when the planner serves several), the title and the text;
then comes the preview (handlers/notice_preview.py). Photos sent after that (up to 10, an
album answered once) and a report reference `R-000123` join the notice, each followed by a
new preview. The draft is a `notice` row read with the caller (storage/callers.py), so a
restart loses nothing; its messages are taken here, before the resident conversation.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.buttons import on, pressed
from handlers.buttons_notices import NoticeAction, NoticeButton, NoticeCommunity
from handlers.common import community_rows, inline, message_of, plain, t
from handlers.context import CustomContext
from handlers.notice_preview import (
    build_preview_handlers,
    refusal,
    send_preview,
    send_preview_later,
)
from handlers.notice_view import check_fits
from handlers.planner_drafts import draft_input
from handlers.report_steps import download_photo
from handlers.roles import Actor, planner_only
from storage.communities import community_name
from storage.media import delete_file
from storage.notice_delivery import preview
from storage.notice_models import Notice, NoticeStep
from storage.notices import (
    NoticeError,
    add_notice_photo,
    link_report,
    start_by_slug,
    start_notice,
    write_step,
)
from storage.reports import parse_ref


@planner_only
async def notice_command(update: Update, context: CustomContext, actor: Actor) -> None:
    """/notice: the wizard; /notice slug | title | text [| R-…]: straight to the preview."""
    message = message_of(update)
    rest = (message.text or "").partition(" ")[2].strip()
    if not rest:
        await _start_wizard(update, context, actor)
        return
    parts = [part.strip() for part in rest.split("|")]
    report_id = parse_ref(parts[3]) if len(parts) == 4 else None
    if len(parts) not in (3, 4) or (len(parts) == 4 and report_id is None):
        await message.reply_text(t(actor.locale, "notices.usage"))
        return
    try:
        async with context.session() as session:
            draft = await start_by_slug(
                session,
                scope=actor.scope,
                slug=parts[0],
                title=parts[1],
                body=parts[2],
                report_id=report_id,
                now=context.now(),
                check=check_fits,
            )
            shown = await preview(session, notice=draft.notice)
    except NoticeError as exc:
        await message.reply_text(refusal(actor.locale, exc, slug=parts[0]))
        return
    await send_preview(context, message.chat_id, actor.locale, shown)


async def _start_wizard(update: Update, context: CustomContext, actor: Actor) -> None:
    message = message_of(update)
    if len(actor.community_ids) == 1:
        await _ask_title(context, message.chat_id, actor, actor.community_ids[0])
        return
    rows = await community_rows(
        context,
        actor.community_ids,
        actor.locale,
        lambda community_id: NoticeCommunity(community_id).encode(),
    )
    await message.reply_text(t(actor.locale, "notices.choose_community"), reply_markup=inline(rows))


@planner_only
async def choose_community(update: Update, context: CustomContext, actor: Actor) -> None:
    query = update.callback_query
    assert query is not None
    button = NoticeCommunity.parse(pressed(update))
    await query.answer()
    await _ask_title(context, message_of(update).chat_id, actor, button.community_id)


async def _ask_title(context: CustomContext, chat_id: int, actor: Actor, community_id: int) -> None:
    try:
        async with context.session() as session:
            draft = await start_notice(
                session, scope=actor.scope, community_id=community_id, now=context.now()
            )
    except NoticeError as exc:
        await context.bot.send_message(chat_id, refusal(actor.locale, exc))
        return
    name = community_name(draft.community, actor.locale)
    await context.bot.send_message(
        chat_id,
        t(actor.locale, "notices.ask_title", community=name),
        reply_markup=_cancel(actor.locale, draft.notice),
    )


def _cancel(locale: str, notice: Notice) -> InlineKeyboardMarkup:
    data = NoticeButton(notice.id or 0, notice.version, NoticeAction.CANCEL).encode()
    return inline([[(plain(locale, "notices.cancel_button"), data)]])


async def _take(update: Update, context: CustomContext, actor: Actor, notice: Notice) -> None:
    message, locale = message_of(update), actor.locale
    if message.photo:
        await _take_photo(context, message, actor, notice)
        return
    text = (message.text or "").strip()
    if not text:
        await message.reply_text(refusal(locale, NoticeError("compose_hint")))
        return
    report_id = parse_ref(text) if notice.step == NoticeStep.COMPOSE else None
    try:
        async with context.session() as session:
            if report_id is not None:
                notice = await link_report(
                    session, notice=notice, report_id=report_id, check=check_fits
                )
            else:
                notice = await write_step(session, notice=notice, text=text, check=check_fits)
            shown = (
                await preview(session, notice=notice) if report_id or _composing(notice) else None
            )
    except NoticeError as exc:
        await message.reply_text(refusal(locale, exc))
        return
    if shown is not None:
        await send_preview(context, message.chat_id, locale, shown)
    else:
        await message.reply_text(
            t(locale, "notices.ask_body"), reply_markup=_cancel(locale, notice)
        )


def _composing(notice: Notice) -> bool:
    return notice.step == NoticeStep.COMPOSE


async def _take_photo(
    context: CustomContext, message: Message, actor: Actor, notice: Notice
) -> None:
    if not _composing(notice):
        await message.reply_text(refusal(actor.locale, NoticeError("photo_too_early")))
        return
    size = message.photo[-1]
    stored = await download_photo(context, message, actor.locale, size.file_id)
    if stored is None:
        return
    try:
        async with context.session() as session:
            await add_notice_photo(
                session,
                notice=notice,
                stored=stored,
                file_id=size.file_id,
                file_unique_id=size.file_unique_id,
            )
            shown = None if message.media_group_id else await preview(session, notice=notice)
    except NoticeError as exc:
        delete_file(context.config.media_dir, stored.path)
        await message.reply_text(refusal(actor.locale, exc))
        return
    if shown is not None:
        await send_preview(context, message.chat_id, actor.locale, shown)
    else:  # an album: one preview once its last photo is in
        send_preview_later(context, message, actor.person.telegram_id, actor.locale)


#: a planner's message while their draft is open (handlers/planner_drafts.py)
on_notice_input = draft_input(lambda state: state.notice_draft, _take)


def build_input_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    """For the group after the planners' open questions, before the features (bot/app.py)."""
    return [MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, on_notice_input)]


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        CommandHandler("notice", notice_command, filters=filters.ChatType.PRIVATE),
        on(NoticeCommunity, choose_community),
        *build_preview_handlers(),
    ]
