"""/myreports: the reports a resident filed or follows ("me too", merged), paged; one report
with its photos (before, and after when a planner sent one) and its history."""

from __future__ import annotations

from datetime import datetime

from telegram import InputMediaPhoto, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from handlers.buttons import MyReport, MyReportsPage, on, pressed
from handlers.common import (
    Caller,
    answer_expired,
    fit,
    inline,
    load_caller,
    message_of,
    nav_row,
    photo_source,
    place_label,
    plain,
    shorten,
    t,
)
from handlers.context import CustomContext
from handlers.report_ask import CAPTION_LIMIT
from handlers.start import menu_filter
from storage.models import ReportEvent, format_ref
from storage.reports import before_and_after
from storage.residents import MyReport as MyReportRead
from storage.residents import my_report, my_reports_page

PAGE_SIZE = 5
TEXT_LIMIT = 4096  # Telegram's message limit, after entity parsing
NOTE_CHARS = 300  # of each public note in the history, at most


def _when(context: CustomContext, moment: datetime) -> str:
    return moment.astimezone(context.config.timezone).strftime("%Y-%m-%d %H:%M")


def _history_line(context: CustomContext, locale: str, event: ReportEvent, chars: int) -> str:
    """One step as residents may read it: the stage and a template reason in their words,
    the planner's note as written (marked as the planner's, shortened to `chars`)."""
    reason = event.decline_reason
    return t(
        locale,
        "myreports.history_line",
        when=_when(context, event.at),
        status=t(locale, f"status.{event.to_status}"),
        reason=plain(locale, f"triage.reason_{reason}") if reason else "",
        note="" if reason else shorten(event.public_note, chars),
    )


def _page_data(page: int) -> str:
    return MyReportsPage(page).encode()


async def show_list(
    update: Update, context: CustomContext, caller: Caller, *, page: int = 1
) -> None:
    locale = caller.locale
    async with context.session() as session:
        listed = await my_reports_page(session, person_id=caller.id, page=page, size=PAGE_SIZE)
    message = message_of(update)
    if listed.total == 0:
        await message.reply_text(t(locale, "myreports.empty"))
        return
    rows = [
        [
            (
                plain(
                    locale,
                    "myreports.followed_item"
                    if r.reporter_id != caller.id
                    else "buttons.report_item",
                    ref=format_ref(r.id or 0),
                    status=plain(locale, f"status.{r.status}"),
                ),
                MyReport(r.id or 0).encode(),
            )
        ]
        for r in listed.items
    ]
    followed = any(r.reporter_id != caller.id for r in listed.items)
    nav = nav_row(locale, page=listed.page, pages=listed.pages, data=_page_data)
    if nav:
        rows.append(nav)
    text = t(
        locale,
        "myreports.header",
        total=listed.total,
        page=listed.page,
        pages=listed.pages,
        followed=followed,
    )
    if update.callback_query is not None:
        await message.edit_text(text, reply_markup=inline(rows))
    else:
        await message.reply_text(text, reply_markup=inline(rows))


async def my_reports(update: Update, context: CustomContext) -> None:
    await show_list(update, context, await load_caller(update, context))


async def list_page(update: Update, context: CustomContext) -> None:
    """`my:<page>` of /myreports."""
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    page = MyReportsPage.parse(pressed(update)).page
    await query.answer()
    await show_list(update, context, caller, page=page)


async def show_report(update: Update, context: CustomContext) -> None:
    """`rep:<report id>`: one of the caller's own reports; anyone else's has expired."""
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    report_id = MyReport.parse(pressed(update)).report_id
    async with context.session() as session:
        mine = await my_report(session, person_id=caller.id, report_id=report_id)
    if mine is None:
        await answer_expired(update, caller.locale)
        return
    await query.answer()
    await _send_detail(update, context, caller, mine)


async def _send_detail(
    update: Update, context: CustomContext, caller: Caller, mine: MyReportRead
) -> None:
    """The first photo, and the "after" photo when there is one, with the report and its
    history as the caption (one request: a photo, or an album of the two); when they are too
    long for a caption (1024 characters), the photos and then the text."""
    locale, message = caller.locale, message_of(update)
    report, events = mine.report, mine.events
    photos = before_and_after(mine.photos)
    detail = t(
        locale,
        "myreports.detail",
        ref=format_ref(report.id or 0),
        status=t(locale, f"status.{report.status}"),
        category=t(locale, f"category.{report.category}"),
        place=place_label(locale, report),
        description=report.description,
        created=_when(context, report.created_at),
        followed=mine.followed,
        before_after=len(photos) == 2,
    )

    def text_with(note_chars: int) -> str:
        history = [t(locale, "myreports.history_title")] + [
            _history_line(context, locale, e, note_chars) for e in events
        ]
        return detail + "\n\n" + "\n".join(history)

    text = fit(text_with, TEXT_LIMIT, start=NOTE_CHARS)
    caption = text if len(text) <= CAPTION_LIMIT else format_ref(report.id or 0)
    if not photos:
        await message.reply_text(text)
        return
    if len(photos) == 1:  # one message (issue 11: one paced request)
        await message.reply_photo(photo_source(context, photos[0]), caption=caption)
    else:  # before and after side by side: one album, the text as its caption
        await message.reply_media_group(
            [
                InputMediaPhoto(photo_source(context, photos[0]), caption=caption),
                InputMediaPhoto(photo_source(context, photos[1])),
            ]
        )
    if caption != text:  # a long history: the photos, then all of it
        await message.reply_text(text)


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("myreports", my_reports, filters=private),
        MessageHandler(private & menu_filter("buttons.menu_myreports"), my_reports),
        on(MyReportsPage, list_page),
        on(MyReport, show_report),
    ]
