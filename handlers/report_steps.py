"""The report conversation's typed steps: photos (and albums), the place (a pin also ends
the photos), the community when the place named none, the category (a label of its reply
keyboard), the words (typed, or a voice message).

Each message is one operation of `storage.reporting` in one unit of work; a photo is
downloaded and stored before it, outside any transaction.
"""

from __future__ import annotations

import asyncio

from telegram import Message, Update
from telegram.error import BadRequest

import prompts
from handlers.albums import album_job, answer_album_once
from handlers.common import (
    PAGE_SIZE,
    Caller,
    answer_expired,
    load_caller,
    message_of,
    place_label,
    remember,
    t,
)
from handlers.context import CustomContext
from handlers.report_ask import (
    ask,
    ask_community_step,
    category_keyboard,
    category_of,
    photo_count_keyboard,
    photo_count_text,
    refused,
    send_photo_count,
)
from storage.callers import load_caller as read_caller
from storage.drafts import MAX_PHOTOS, DraftError
from storage.media import NotAnImageError, StoredPhoto, delete_file, store_photo
from storage.models import ReportStep
from storage.reporting import (
    DraftView,
    answer_category,
    answer_community,
    answer_description,
    answer_place,
    go_back,
    open_draft,
    photos_done,
    take_photo,
)
from storage.residents import communities_page

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API's getFile limit


def is_image(message: Message) -> bool:
    document = message.document
    return document is not None and (document.mime_type or "").startswith("image/")


async def on_photos_step(update: Update, context: CustomContext, caller: Caller) -> None:
    message, locale = message_of(update), caller.locale
    if message.text and (
        prompts.matches_button(message.text, "buttons.photos_done")
        or prompts.matches_button(message.text, "buttons.back_to_review")
    ):
        await next_step(update, context, caller)
        return
    if message.location is not None or message.venue is not None:
        await on_where_step(update, context, caller)  # the pin ends the photos
        return
    if message.photo:
        size = message.photo[-1]
        file_id, unique_id, file_size = size.file_id, size.file_unique_id, size.file_size
    elif message.document is not None and is_image(message):
        document = message.document
        file_id, unique_id = document.file_id, document.file_unique_id
        file_size = document.file_size
    elif message.document is not None:
        await message.reply_text(t(locale, "report.not_an_image"))
        return
    else:
        await message.reply_text(t(locale, "report.not_a_photo", max=MAX_PHOTOS))
        return
    if file_size is not None and file_size > DOWNLOAD_LIMIT:
        await message.reply_text(t(locale, "report.file_too_big", limit_mb=20))
        return
    if caller.state.draft_photos >= MAX_PHOTOS:
        await message.reply_text(t(locale, "report.too_many_photos", max=MAX_PHOTOS))
        return
    stored = await download_photo(context, message, locale, file_id)
    if stored is None:
        return
    try:
        async with context.session() as session:  # one unit of work, a new draft's too
            state = caller.state
            if state.draft is None:  # a photo with nothing else going on starts a report
                opened = await open_draft(
                    session, caller=state, limit=context.config.reports_per_hour, now=context.now()
                )
                state = state.with_draft(opened.view.draft, 0)
            added = await take_photo(
                session,
                caller=state,
                stored=stored,
                file_id=file_id,
                file_kind="photo" if message.photo else "document",  # see photo_source()
                file_unique_id=unique_id,
                media_group_id=message.media_group_id,
            )
    except DraftError as exc:
        delete_file(context.config.media_dir, stored.path)
        await refused(update, context, caller, exc)
        return
    for path in added.unused:  # the photos this edit replaced
        delete_file(context.config.media_dir, path)
    count = added.photos
    if message.media_group_id:
        _acknowledge_album_later(context, caller, message)
    else:
        await send_photo_count(message, locale, count)


async def download_photo(
    context: CustomContext, message: Message, locale: str, file_id: str
) -> StoredPhoto | None:
    """The photo, EXIF-free, in the media directory; None (with a reply) when it cannot be."""
    try:
        telegram_file = await context.bot.get_file(file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except BadRequest as exc:
        if "too big" not in exc.message.lower():
            raise
        await message.reply_text(t(locale, "report.file_too_big", limit_mb=20))
        return None
    try:
        return await asyncio.to_thread(store_photo, data, media_dir=context.config.media_dir)
    except NotAnImageError:
        await message.reply_text(t(locale, "report.photo_unreadable"))
        return None


def _acknowledge_album_later(context: CustomContext, caller: Caller, message: Message) -> None:
    """An album arrives as several messages: answer once, after the last one."""
    answer_album_once(
        context,
        message,
        feature="report",
        user_id=caller.person.telegram_id,
        locale=caller.locale,
        settled=_album_settled,
    )


async def _album_settled(context: CustomContext) -> None:
    job = album_job(context)
    locale = job.locale
    async with context.session() as session:
        state = await read_caller(
            session, telegram_id=job.user_id, first_name="", locale=locale, now=context.now()
        )
    if state.draft is None or state.draft.step != ReportStep.PHOTOS:
        return
    await context.bot.send_message(
        job.chat_id,
        photo_count_text(locale, state.draft_photos),
        reply_markup=photo_count_keyboard(locale),
    )


async def on_where_step(update: Update, context: CustomContext, caller: Caller) -> None:
    message = message_of(update)
    lat: float | None = None
    lon: float | None = None
    address = ""
    if message.venue is not None:
        lat, lon = message.venue.location.latitude, message.venue.location.longitude
        address = ", ".join(p for p in (message.venue.title, message.venue.address) if p)
    elif message.location is not None:
        lat, lon = message.location.latitude, message.location.longitude
    elif message.text and not message.text.startswith("/"):
        address = message.text
    try:
        async with context.session() as session:
            placed = await answer_place(
                session, caller=caller.state, lat=lat, lon=lon, address=address, now=context.now()
            )
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    locale, view = caller.locale, placed.view
    where = place_label(locale, view.draft, community=placed.community)
    saved = t(locale, "report.place_saved", place=where)
    if view.step is ReportStep.REVIEW:  # an edit of the place: the card shows where
        saved = ""
    outside = t(locale, "report.outside_area") if placed.outside_area else ""
    await ask(update, context, caller, view, lead="\n".join(p for p in (saved, outside) if p))


def in_community_step(caller: Caller) -> bool:
    """Whether the caller's report waits for its community (then the list is the report's)."""
    return caller.draft is not None and caller.draft.step == ReportStep.COMMUNITY


async def show_community_step(
    update: Update, context: CustomContext, caller: Caller, *, page: int
) -> None:
    """Another page of the report's community question (an edit of the list)."""
    async with context.session() as session:
        listed = await communities_page(session, page=page, size=PAGE_SIZE)
    await ask_community_step(update, caller, listed, edit=True)


async def on_community_step(
    update: Update, context: CustomContext, caller: Caller, community_id: int
) -> None:
    """A community tapped in the report's community question: the report's, then on."""
    try:
        async with context.session() as session:
            view = await answer_community(
                session, caller=caller.state, community_id=community_id, now=context.now()
            )
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    if view is None:  # no such community (any more)
        await answer_expired(update, caller.locale)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await ask(update, context, caller, view)


async def on_category_step(update: Update, context: CustomContext, caller: Caller) -> None:
    """A label of the category keyboard (in either language); anything else gets the
    keyboard again."""
    message, locale = message_of(update), caller.locale
    category = category_of(message.text or "")
    if category is None:
        await message.reply_text(
            t(locale, "report.choose_category"), reply_markup=category_keyboard(locale)
        )
        return
    assert caller.draft is not None
    try:
        async with context.session() as session:
            view = await answer_category(
                session,
                caller=caller.state,
                draft_id=caller.draft.id or 0,
                category=category,
                now=context.now(),
            )
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    await ask(update, context, caller, view)


async def on_description_step(update: Update, context: CustomContext, caller: Caller) -> None:
    message = message_of(update)
    if message.text and prompts.matches_button(message.text, "buttons.skip"):
        text = ""
    elif message.text and category_of(message.text) is not None:
        # a second tap on the category keyboard, sent before it was replaced: not words
        assert caller.draft is not None
        await ask(update, context, caller, DraftView(caller.draft, caller.state.draft_photos, None))
        return
    elif message.text is not None:
        text = message.text
    elif message.voice is not None:
        text = message.caption or ""
    else:
        await message.reply_text(t(caller.locale, "report.not_text"))
        return
    voice = message.voice.file_id if message.voice is not None else None
    try:
        async with context.session() as session:
            view = await answer_description(
                session, caller=caller.state, text=text, now=context.now(), voice_file_id=voice
            )
    except DraftError as exc:
        await refused(update, context, caller, exc, text=text)
        return
    await ask(update, context, caller, view)


async def next_step(update: Update, context: CustomContext, caller: Caller) -> None:
    """ "Done with photos": ask the next question."""
    try:
        async with context.session() as session:
            view = await photos_done(session, caller=caller.state, now=context.now())
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    await ask(update, context, caller, view)


async def previous_step(update: Update, context: CustomContext) -> None:
    """Undo one step: ask the previous question again (its answer is kept until replaced)."""
    caller = await load_caller(update, context)
    try:
        async with context.session() as session:
            view = await go_back(session, caller=caller.state, now=context.now())
    except DraftError as exc:
        await refused(update, context, caller, exc)
        return
    caller = remember(context, caller.state.with_draft(view.draft, view.photos))
    await ask(update, context, caller, view)
