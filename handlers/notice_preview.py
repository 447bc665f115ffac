"""A notice's preview (the notice as residents get it, then the audience and Send / Cancel),
its buttons, and `/notices`, the planner's list of past notices with their counts.

Send queues one outbox row per recipient (storage/notice_delivery.py) and turns the preview's
control message into the status message: `bot/notice_progress.py` edits it with the counts
as the rows go out, and with the final count when none is left.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from handlers.albums import album_job, answer_album_once
from handlers.buttons import on, pressed
from handlers.buttons_notices import NoticeAction, NoticeButton
from handlers.common import inline, message_of, plain, t
from handlers.context import CustomContext
from handlers.notice_view import deliver_notice, progress_text
from handlers.roles import Actor, planner_only
from storage.callers import load_caller as read_caller
from storage.models import format_ref
from storage.notice_delivery import Counts, Preview, preview, recent_notices, send_notice
from storage.notices import NoticeError, cancel_notice, set_audience

_ERROR_KEYS = {
    "not_permitted",
    "not_found",
    "stale",
    "already_sent",
    "cancelled",
    "title_missing",
    "body_missing",
    "no_report",
    "too_many_photos",
    "photo_too_early",
    "compose_hint",
}


def refusal(locale: str, error: NoticeError, *, slug: str = "") -> str:
    """A refusal in words; a too-long notice names the part and by how much."""
    if error.code == "too_long":
        part = t(locale, f"notices.part_{error.part}")
        return t(locale, "notices.too_long", part=part, over=error.over)
    if error.code == "unknown_community":
        return t(locale, "notices.unknown_community", slug=slug)
    if error.code in _ERROR_KEYS:
        return t(locale, f"notices.error_{error.code}")
    return t(locale, "notices.usage")


def _audience_text(locale: str, shown: Preview) -> str:
    content, notice = shown.content, shown.notice
    if notice.followers_only and notice.report_id is not None:
        return plain(
            locale,
            "notices.audience_followers",
            ref=format_ref(notice.report_id),
            residents=shown.audience.residents,
        )
    return plain(
        locale,
        "notices.audience_community",
        community=content["community_zh" if locale == "zh" else "community_en"],
        residents=shown.audience.residents,
        chats=shown.audience.chats,
    )


def _control(locale: str, shown: Preview) -> tuple[str, InlineKeyboardMarkup]:
    notice = shown.notice
    assert notice.id is not None

    def button(action: NoticeAction) -> str:
        return NoticeButton(notice.id or 0, notice.version, action).encode()

    size = shown.audience.residents + shown.audience.chats
    rows = [
        [
            (plain(locale, "notices.send_button", count=size), button(NoticeAction.SEND)),
            (plain(locale, "notices.cancel_button"), button(NoticeAction.CANCEL)),
        ]
    ]
    if notice.report_id is not None and notice.followers_only:
        rows.append([(plain(locale, "notices.community_button"), button(NoticeAction.COMMUNITY))])
    elif notice.report_id is not None:
        label = plain(locale, "notices.followers_button", ref=format_ref(notice.report_id))
        rows.append([(label, button(NoticeAction.FOLLOWERS))])
    text = t(locale, "notices.preview", audience=_audience_text(locale, shown))
    return text, inline(rows)


async def send_preview(context: CustomContext, chat_id: int, locale: str, shown: Preview) -> None:
    """The notice exactly as residents get it, then the audience with Send / Cancel."""
    await deliver_notice(
        context.bot, chat_id, shown.content, locale, media_dir=context.config.media_dir
    )
    text, markup = _control(locale, shown)
    await context.bot.send_message(chat_id, text, reply_markup=markup)


def send_preview_later(context: CustomContext, message: Message, user_id: int, locale: str) -> None:
    """An album arrives as several messages: one preview, after the last photo."""
    answer_album_once(
        context, message, feature="notice", user_id=user_id, locale=locale, settled=_album_settled
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
            if state.notice_draft is None
            else await preview(session, notice=state.notice_draft)
        )
    if shown is not None:
        await send_preview(context, job.chat_id, locale, shown)


@planner_only
async def on_notice_button(update: Update, context: CustomContext, actor: Actor) -> None:
    """Send, Cancel, or the audience, on the preview that showed this version."""
    query = update.callback_query
    assert query is not None
    button, message, locale = NoticeButton.parse(pressed(update)), message_of(update), actor.locale
    try:
        async with context.session() as session:
            if button.action == NoticeAction.SEND:
                sent = await send_notice(
                    session,
                    scope=actor.scope,
                    notice_id=button.notice_id,
                    version=button.version,
                    status_chat_id=message.chat_id,
                    status_message_id=message.message_id,
                    now=context.now(),
                )
                text = progress_text(locale, Counts(sent.total, 0, 0, 0))
                shown = None
            elif button.action == NoticeAction.CANCEL:
                await cancel_notice(
                    session, scope=actor.scope, notice_id=button.notice_id, version=button.version
                )
                text, shown = t(locale, "notices.cancelled"), None
            else:
                notice = await set_audience(
                    session,
                    scope=actor.scope,
                    notice_id=button.notice_id,
                    version=button.version,
                    followers_only=button.action == NoticeAction.FOLLOWERS,
                )
                shown = await preview(session, notice=notice)
    except NoticeError as exc:
        await query.answer(plain(locale, f"notices.error_{exc.code}"), show_alert=True)
        return
    if button.action == NoticeAction.SEND:
        context.services.wake_outbox()
    await query.answer()
    if shown is not None:
        text, markup = _control(locale, shown)
        await query.edit_message_text(text, reply_markup=markup)
    else:
        await query.edit_message_text(text)


@planner_only
async def list_notices(update: Update, context: CustomContext, actor: Actor) -> None:
    """/notices: the latest notices of the planner's communities, with their counts."""
    async with context.session() as session:
        found = await recent_notices(session, community_ids=actor.community_ids)
    locale = actor.locale
    if not found:
        await message_of(update).reply_text(t(locale, "notices.list_empty"))
        return
    lines = [t(locale, "notices.list_header", count=len(found))]
    for notice, counted in found:
        when = notice.sent_at or notice.created_at
        lines.append(
            t(
                locale,
                "notices.list_line",
                title=notice.title,
                date=when.astimezone(context.config.timezone).strftime("%Y-%m-%d %H:%M"),
                sent=counted.sent,
                total=counted.total,
                unreachable=counted.unreachable,
                failed=counted.failed,
                done=counted.left == 0 and notice.finished_at is not None,
            )
        )
    listing = "\n".join(lines)
    await message_of(update).reply_text(listing)


def build_preview_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    return [
        on(NoticeButton, on_notice_button),
        CommandHandler("notices", list_notices, filters=filters.ChatType.PRIVATE),
    ]
