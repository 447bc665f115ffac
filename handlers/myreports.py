"""/myreports: a resident's own reports, paged; one report with its photo and history."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
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
    page_count,
    photo_source,
    place_label,
    shorten,
    t,
)
from handlers.context import CustomContext
from handlers.start import menu_filter
from storage.models import Report, ReportEvent, ReportPhoto, format_ref
from storage.reports import count_reports_by, get_report, report_events, report_photos, reports_by

PAGE_SIZE = 5
TEXT_LIMIT = 4096  # Telegram's message limit, after entity parsing
NOTE_CHARS = 300  # of each public note in the history, at most


def _when(context: CustomContext, moment: datetime) -> str:
    return moment.astimezone(context.config.timezone).strftime("%Y-%m-%d %H:%M")


async def show_list(
    update: Update, context: CustomContext, caller: Caller, *, page: int = 1
) -> None:
    locale = caller.locale
    async with context.session() as session:
        total = await count_reports_by(session, reporter_id=caller.id)
        pages = page_count(total, PAGE_SIZE)
        page = min(max(page, 1), pages)
        reports = await reports_by(
            session, reporter_id=caller.id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    message = message_of(update)
    if total == 0:
        await message.reply_text(t(locale, "myreports.empty"))
        return
    rows = [
        [
            (
                t(
                    locale,
                    "buttons.report_item",
                    ref=format_ref(r.id or 0),
                    status=t(locale, f"status.{r.status}"),
                ),
                MyReport(r.id or 0).encode(),
            )
        ]
        for r in reports
    ]
    nav = nav_row(locale, page=page, pages=pages, data=lambda n: MyReportsPage(n).encode())
    if nav:
        rows.append(nav)
    text = t(locale, "myreports.header", total=total, page=page, pages=pages)
    if update.callback_query is not None:
        await message.edit_text(text, reply_markup=inline(rows))
    else:
        await message.reply_text(text, reply_markup=inline(rows))


async def my_reports(update: Update, context: CustomContext) -> None:
    await show_list(update, context, await load_caller(update, context))


async def list_page(update: Update, context: CustomContext) -> None:
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    page = MyReportsPage.parse(pressed(update)).page
    await query.answer()
    await show_list(update, context, caller, page=page)


async def show_report(update: Update, context: CustomContext) -> None:
    """One of the caller's own reports; anyone else's id is treated as an expired button."""
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    report_id = MyReport.parse(pressed(update)).report_id
    photos: list[ReportPhoto] = []
    events: list[ReportEvent] = []
    async with context.session() as session:
        report = await get_report(session, report_id=report_id)
        if report is not None and report.reporter_id == caller.id:
            photos = await report_photos(session, report_id=report_id)
            events = await report_events(session, report_id=report_id)
        else:
            report = None
    if report is None:
        await answer_expired(update, caller.locale)
        return
    await query.answer()
    await _send_detail(update, context, caller, report, photos, events)


async def _send_detail(
    update: Update,
    context: CustomContext,
    caller: Caller,
    report: Report,
    photos: list[ReportPhoto],
    events: list[ReportEvent],
) -> None:
    locale, message = caller.locale, message_of(update)
    detail = t(
        locale,
        "myreports.detail",
        ref=format_ref(report.id or 0),
        status=t(locale, f"status.{report.status}"),
        category=t(locale, f"category.{report.category}"),
        place=place_label(locale, report),
        description=report.description,
        created=_when(context, report.created_at),
    )

    def text_with(note_chars: int) -> str:
        history = [t(locale, "myreports.history_title")] + [
            t(
                locale,
                "myreports.history_line",
                when=_when(context, e.at),
                status=t(locale, f"status.{e.to_status}"),
                note=shorten(e.public_note, note_chars),
            )
            for e in events
        ]
        return detail + "\n\n" + "\n".join(history)

    text = fit(text_with, TEXT_LIMIT, start=NOTE_CHARS)
    if photos:
        await message.reply_photo(
            photo_source(context, photos[0]), caption=format_ref(report.id or 0)
        )
    await message.reply_text(text)


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("myreports", my_reports, filters=private),
        MessageHandler(private & menu_filter("buttons.menu_myreports"), my_reports),
        on(MyReportsPage, list_page),
        on(MyReport, show_report),
    ]
