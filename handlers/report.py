"""The report conversation: photos, where, category, words, review, confirm.

The step lives in the resident's draft row (`ReportStep`), not in memory, so a restart or
another bot process continues the same conversation.
"""

from __future__ import annotations

import asyncio

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import KeyboardButton, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

import prompts
from handlers.buttons import (
    EDITABLE,
    DraftAction,
    DraftButton,
    DraftCategory,
    DraftEdit,
    DraftMeToo,
    on,
    pressed,
)
from handlers.common import (
    Caller,
    answer_expired,
    fit,
    inline,
    load_caller,
    menu_keyboard,
    message_of,
    photo_source,
    place_label,
    reply_keyboard,
    shorten,
    t,
)
from handlers.context import CustomContext
from handlers.start import ask_community, community_by_location, menu_filter
from storage.communities import community_name, get_community, nearest_community
from storage.drafts import (
    MAX_ADDRESS,
    MAX_DESCRIPTION,
    MAX_PHOTOS,
    DraftError,
    add_photo,
    advance,
    clear_photos,
    count_draft_photos,
    discard_draft,
    draft_photos,
    filed_from,
    get_draft,
    go_back,
    go_to,
    over_hourly_limit,
    set_category,
    set_description,
    set_place,
    start_draft,
    submit_draft,
)
from storage.duplicates import open_reports_near
from storage.inbox import attach_answer, awaiting_answer, clear_pending
from storage.lifecycle import follow
from storage.media import NotAnImageError, delete_file, store_photo
from storage.models import Category, FollowReason, Report, ReportDraft, ReportStep, format_ref

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API's getFile limit
CAPTION_LIMIT = 1024  # Telegram's caption limit, after entity parsing
REVIEW_DESCRIPTION_CHARS = 600  # the words shown on the review card, at most


def _cancel_label(locale: str) -> str:
    return t(locale, "buttons.cancel")


# --- prompts for each step -------------------------------------------------------------


async def prompt_step(
    update: Update, context: CustomContext, caller: Caller, draft: ReportDraft
) -> None:
    """Ask the question of the draft's current step (one question at a time)."""
    locale, message = caller.locale, message_of(update)
    step = ReportStep(draft.step)
    cancel, back = _cancel_label(locale), t(locale, "buttons.back_step")
    if step is ReportStep.PHOTOS:
        assert draft.id is not None
        async with context.session() as session:
            count = await count_draft_photos(session, draft_id=draft.id)
        if count:
            await send_photo_count(message, locale, count)
        else:
            await message.reply_text(
                t(locale, "report.ask_photos", max=MAX_PHOTOS),
                reply_markup=reply_keyboard([[cancel]]),
            )
    elif step is ReportStep.WHERE:
        share = KeyboardButton(t(locale, "buttons.share_location"), request_location=True)
        await message.reply_text(
            t(locale, "report.ask_place"), reply_markup=reply_keyboard([[share], [back, cancel]])
        )
    elif step is ReportStep.CATEGORY:
        draft_id = draft.id or 0
        rows = [
            [(t(locale, f"category.{c.value}"), DraftCategory(draft_id, c).encode())]
            for c in Category
        ]
        rows.append(
            [
                (back, DraftButton(draft_id, DraftAction.PREVIOUS).encode()),
                (cancel, DraftButton(draft_id, DraftAction.CANCEL).encode()),
            ]
        )
        await message.reply_text(t(locale, "report.ask_category"), reply_markup=inline(rows))
    elif step is ReportStep.DESCRIPTION:
        await message.reply_text(
            t(locale, "report.ask_description", max=MAX_DESCRIPTION),
            reply_markup=reply_keyboard([[t(locale, "buttons.skip")], [back, cancel]]),
        )
    else:
        await send_review(update, context, caller, draft)


async def send_photo_count(message: Message, locale: str, count: int) -> None:
    keyboard = reply_keyboard([[t(locale, "buttons.photos_done")], [_cancel_label(locale)]])
    await message.reply_text(
        t(locale, "report.photos_received", count=count, max=MAX_PHOTOS), reply_markup=keyboard
    )


async def send_review(
    update: Update, context: CustomContext, caller: Caller, draft: ReportDraft
) -> None:
    assert draft.id is not None
    locale = caller.locale
    async with context.session() as session:
        photos = await draft_photos(session, draft_id=draft.id)
        community = (
            await get_community(session, community_id=draft.community_id)
            if draft.community_id is not None
            else None
        )
        nearby = await _nearby(session, draft)

    def caption_with(description_chars: int) -> str:
        text = t(
            locale,
            "report.review",
            photos=len(photos),
            place=place_label(locale, draft),
            category=t(locale, f"category.{draft.category}"),
            description=shorten(draft.description, description_chars),
            community=community_name(community, locale)
            if community
            else t(locale, "report.no_community"),
            outside_area=draft.outside_area,
        )
        if nearby:
            refs = [format_ref(r.id or 0) for r in nearby]
            text += "\n\n" + t(locale, "report.nearby", refs=refs)
        return text

    caption = fit(caption_with, CAPTION_LIMIT, start=REVIEW_DESCRIPTION_CHARS)
    await message_of(update).reply_photo(
        photo_source(context, photos[0]),
        caption=caption,
        reply_markup=inline(_review_buttons(caller, draft, nearby)),
    )


async def _nearby(session: AsyncSession, draft: ReportDraft) -> list[Report]:
    return await open_reports_near(
        session,
        community_id=draft.community_id,
        lat=draft.lat,
        lon=draft.lon,
        category=draft.category,
    )


# --- entering and leaving ----------------------------------------------------------------


async def begin(update: Update, context: CustomContext) -> None:
    """/report or the menu button: start a draft, or continue the unfinished one."""
    caller = await load_caller(update, context)
    draft = await _open_draft(update, context, caller)
    if draft is None:
        return
    await prompt_step(update, context, caller, draft)


async def _open_draft(update: Update, context: CustomContext, caller: Caller) -> ReportDraft | None:
    """The resident's draft, new or resumed; None (with a reply) when they may not start one."""
    locale = caller.locale
    if caller.person.community_id is None:
        await message_of(update).reply_text(t(locale, "report.need_community"))
        await ask_community(update, context, caller)
        return None
    now = context.now()
    async with context.session() as session:
        draft = await get_draft(session, person_id=caller.id)
        if draft is not None:
            resumed = True
        elif await over_hourly_limit(
            session, reporter_id=caller.id, limit=context.config.reports_per_hour, now=now
        ):
            resumed, draft = False, None
        else:
            resumed, draft = False, await start_draft(session, person=caller.person, now=now)
    if draft is None:
        await message_of(update).reply_text(
            t(locale, "report.too_many_per_hour", limit=context.config.reports_per_hour),
            reply_markup=menu_keyboard(locale),
        )
        return None
    if resumed:
        await message_of(update).reply_text(t(locale, "report.resume"))
    return draft


async def cancel(update: Update, context: CustomContext) -> None:
    """/cancel or a Cancel button: drop the draft and its photos."""
    caller = await load_caller(update, context)
    async with context.session() as session:
        had_question = await clear_pending(session, person_id=caller.id)
        draft = await get_draft(session, person_id=caller.id)
        paths = await discard_draft(session, draft=draft) if draft is not None else None
    if had_question and paths is None:
        await message_of(update).reply_text(t(caller.locale, "common.cancelled"))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
        await _clear_buttons(update)
    if paths is None:
        await message_of(update).reply_text(
            t(caller.locale, "common.nothing_to_cancel"), reply_markup=menu_keyboard(caller.locale)
        )
        return
    for path in paths:
        delete_file(context.config.media_dir, path)
    await message_of(update).reply_text(
        t(caller.locale, "report.cancelled"), reply_markup=menu_keyboard(caller.locale)
    )


async def _clear_buttons(update: Update) -> None:
    message = message_of(update)
    if message.reply_markup is not None:
        await message.edit_reply_markup(reply_markup=None)


# --- the messages of each step ----------------------------------------------------------


async def on_message(update: Update, context: CustomContext) -> None:
    """Any private message that no command or menu button took: route it by the draft's step."""
    caller = await load_caller(update, context)
    message = message_of(update)
    async with context.session() as session:
        draft = await get_draft(session, person_id=caller.id)
    if draft is None:
        await _without_draft(update, context, caller)
        return
    if message.text and prompts.matches_button(message.text, "buttons.cancel"):
        await cancel(update, context)
        return
    if message.text and prompts.matches_button(message.text, "buttons.back_step"):
        await _previous_step(update, context, caller)
        return
    step = ReportStep(draft.step)
    if step is ReportStep.PHOTOS:
        await _on_photos_step(update, context, caller, draft)
    elif step is ReportStep.WHERE:
        await _on_where_step(update, context, caller, draft)
    elif step is ReportStep.DESCRIPTION:
        await _on_description_step(update, context, caller, draft)
    else:  # CATEGORY and REVIEW are answered with the inline buttons
        await message.reply_text(t(caller.locale, "report.use_buttons"))


async def _without_draft(update: Update, context: CustomContext, caller: Caller) -> None:
    message = message_of(update)
    if message.location is not None:
        await community_by_location(update, context, caller)
    elif caller.person.community_id is None:
        await message.reply_text(t(caller.locale, "report.need_community"))
        await ask_community(update, context, caller)
    elif message.photo or (message.document and _is_image(message)):
        draft = await _open_draft(update, context, caller)  # a photo starts a report
        if draft is not None:
            await _on_photos_step(update, context, caller, draft)
    elif message.text and await _answer_question(update, context, caller, message.text):
        return
    else:
        await message.reply_text(
            t(caller.locale, "common.not_understood"), reply_markup=menu_keyboard(caller.locale)
        )


async def _answer_question(
    update: Update, context: CustomContext, caller: Caller, text: str
) -> bool:
    """A planner asked this resident for more information: their text is the answer."""
    async with context.session() as session:
        report = await awaiting_answer(session, person_id=caller.id)
        if report is not None and len(text) <= MAX_DESCRIPTION:
            await attach_answer(
                session, report=report, person=caller.person, text=text, now=context.now()
            )
    if report is None:
        return False
    if len(text) > MAX_DESCRIPTION:
        await message_of(update).reply_text(
            t(caller.locale, "report.description_too_long", max=MAX_DESCRIPTION, length=len(text))
        )
        return True
    context.bot_data.services.wake_outbox()
    await message_of(update).reply_text(
        t(caller.locale, "report.answer_received", ref=format_ref(report.id or 0)),
        reply_markup=menu_keyboard(caller.locale),
    )
    return True


def _is_image(message: Message) -> bool:
    document = message.document
    return document is not None and (document.mime_type or "").startswith("image/")


async def _on_photos_step(
    update: Update, context: CustomContext, caller: Caller, draft: ReportDraft
) -> None:
    message, locale = message_of(update), caller.locale
    if message.text and prompts.matches_button(message.text, "buttons.photos_done"):
        await _next_step(update, context, caller)
        return
    if message.photo:
        size = message.photo[-1]
        file_id, unique_id, file_size = size.file_id, size.file_unique_id, size.file_size
    elif message.document is not None:
        if not _is_image(message):
            await message.reply_text(t(locale, "report.not_an_image"))
            return
        document = message.document
        file_id, unique_id, file_size = (
            document.file_id,
            document.file_unique_id,
            document.file_size,
        )
    else:
        await message.reply_text(t(locale, "report.not_a_photo", max=MAX_PHOTOS))
        return
    if file_size is not None and file_size > DOWNLOAD_LIMIT:
        await message.reply_text(t(locale, "report.file_too_big", limit_mb=20))
        return
    assert draft.id is not None
    async with context.session() as session:
        if await count_draft_photos(session, draft_id=draft.id) >= MAX_PHOTOS:
            await message.reply_text(t(locale, "report.too_many_photos", max=MAX_PHOTOS))
            return
    try:
        telegram_file = await context.bot.get_file(file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except BadRequest as exc:
        if "too big" not in exc.message.lower():
            raise
        await message.reply_text(t(locale, "report.file_too_big", limit_mb=20))
        return
    try:
        stored = await asyncio.to_thread(store_photo, data, media_dir=context.config.media_dir)
    except NotAnImageError:
        await message.reply_text(t(locale, "report.photo_unreadable"))
        return
    try:
        async with context.session() as session:
            current = await get_draft(session, person_id=caller.id)
            if current is None or current.id != draft.id:
                raise DraftError("gone")
            count = await add_photo(
                session,
                draft=current,
                stored=stored,
                file_id=file_id,
                file_kind="photo" if message.photo else "document",  # see photo_source()
                file_unique_id=unique_id,
                media_group_id=message.media_group_id,
                now=context.now(),
            )
    except DraftError as exc:
        delete_file(context.config.media_dir, stored.path)
        if exc.code == "too_many":
            await message.reply_text(t(locale, "report.too_many_photos", max=MAX_PHOTOS))
            return
        raise
    if message.media_group_id:
        _acknowledge_album_later(context, caller, message)
    else:
        await send_photo_count(message, locale, count)


def _acknowledge_album_later(context: CustomContext, caller: Caller, message: Message) -> None:
    """An album arrives as several messages: answer once, after the last one."""
    job_queue = context.job_queue
    assert job_queue is not None
    name = f"album:{message.chat_id}:{message.media_group_id}"
    for job in job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    job_queue.run_once(
        _album_settled,  # type: ignore[arg-type]  # PTB types job callbacks loosely
        when=context.config.album_settle_seconds,
        name=name,
        chat_id=message.chat_id,
        user_id=caller.person.telegram_id,
        data=caller,
    )


async def _album_settled(context: CustomContext) -> None:
    job = context.job
    assert job is not None
    caller = job.data
    assert isinstance(caller, Caller)
    async with context.session() as session:
        draft = await get_draft(session, person_id=caller.id)
        if draft is None or draft.step != ReportStep.PHOTOS:
            return
        assert draft.id is not None
        count = await count_draft_photos(session, draft_id=draft.id)
    keyboard = reply_keyboard(
        [[t(caller.locale, "buttons.photos_done")], [_cancel_label(caller.locale)]]
    )
    assert job.chat_id is not None
    await context.bot.send_message(
        job.chat_id,
        t(caller.locale, "report.photos_received", count=count, max=MAX_PHOTOS),
        reply_markup=keyboard,
    )


async def _on_where_step(
    update: Update, context: CustomContext, caller: Caller, draft: ReportDraft
) -> None:
    message, locale = message_of(update), caller.locale
    lat: float | None = None
    lon: float | None = None
    address = ""
    if message.venue is not None:
        lat, lon = message.venue.location.latitude, message.venue.location.longitude
        address = ", ".join(p for p in (message.venue.title, message.venue.address) if p)
    elif message.location is not None:
        lat, lon = message.location.latitude, message.location.longitude
    elif message.text and not message.text.startswith("/"):
        address = message.text.strip()
        if len(address) > MAX_ADDRESS:
            await message.reply_text(t(locale, "report.address_too_long", max=MAX_ADDRESS))
            return
    if lat is None and not address:
        await message.reply_text(t(locale, "report.not_a_place"))
        return
    async with context.session() as session:
        community_id, outside = None, False
        if lat is not None and lon is not None:
            found = await nearest_community(session, lat=lat, lon=lon)
            if found is not None and found[2]:
                community_id = found[0].id
            elif found is not None:
                outside = True
        current = await get_draft(session, person_id=caller.id)
        assert current is not None
        await set_place(
            session,
            draft=current,
            lat=lat,
            lon=lon,
            address=address[:MAX_ADDRESS],
            community_id=community_id,
            outside_area=outside,
            now=context.now(),
        )
    text = t(locale, "report.place_saved", place=place_label(locale, current))
    if outside:
        text += "\n" + t(locale, "report.outside_area")
    await message.reply_text(text, reply_markup=reply_keyboard([[_cancel_label(locale)]]))
    await _next_step(update, context, caller)


async def _on_description_step(
    update: Update, context: CustomContext, caller: Caller, draft: ReportDraft
) -> None:
    message, locale = message_of(update), caller.locale
    if message.text and prompts.matches_button(message.text, "buttons.skip"):
        text = ""
    elif message.text is not None:
        text = message.text
    else:
        await message.reply_text(t(locale, "report.not_text"))
        return
    try:
        async with context.session() as session:
            current = await get_draft(session, person_id=caller.id)
            assert current is not None
            await set_description(session, draft=current, text=text, now=context.now())
    except DraftError:
        await message.reply_text(
            t(locale, "report.description_too_long", max=MAX_DESCRIPTION, length=len(text.strip()))
        )
        return
    await _next_step(update, context, caller)


async def _previous_step(update: Update, context: CustomContext, caller: Caller) -> None:
    """Undo one step: ask the previous question again (its answer is kept until replaced)."""
    async with context.session() as session:
        draft = await get_draft(session, person_id=caller.id)
        assert draft is not None
        await go_back(session, draft=draft, now=context.now())
    await prompt_step(update, context, caller, draft)


async def _next_step(update: Update, context: CustomContext, caller: Caller) -> None:
    """Advance the draft and ask the next question."""
    try:
        async with context.session() as session:
            draft = await get_draft(session, person_id=caller.id)
            assert draft is not None
            await advance(session, draft=draft, now=context.now())
    except DraftError as exc:
        key = "report.need_photo_first" if exc.code == "no_photos" else "report.incomplete"
        await message_of(update).reply_text(t(caller.locale, key))
        return
    await prompt_step(update, context, caller, draft)


# --- the inline buttons of a draft -----------------------------------------------------


async def _live_draft(
    update: Update, context: CustomContext, caller: Caller, draft_id: int
) -> ReportDraft | None:
    """The caller's draft if the tapped button belongs to it; else None, answered as expired."""
    async with context.session() as session:
        draft = await get_draft(session, person_id=caller.id)
    if draft is None or draft.id != draft_id:
        await answer_expired(update, caller.locale)
        return None
    return draft


async def on_draft_button(update: Update, context: CustomContext) -> None:
    """`d:<draft id>:<action>`. A button that does not fit the live draft has expired."""
    query = update.callback_query
    assert query is not None
    caller = await load_caller(update, context)
    button = DraftButton.parse(pressed(update))
    if button.action is DraftAction.CONFIRM:
        await _confirm(update, context, caller, button.draft_id)
        return
    draft = await _live_draft(update, context, caller, button.draft_id)
    if draft is None:
        return
    step, action = ReportStep(draft.step), button.action
    if action is DraftAction.CANCEL:
        await cancel(update, context)
    elif action is DraftAction.PREVIOUS and step is ReportStep.CATEGORY:
        await query.answer()
        await _clear_buttons(update)
        await _previous_step(update, context, caller)
    elif step is not ReportStep.REVIEW:
        await answer_expired(update, caller.locale)
    elif action is DraftAction.EDIT:
        await query.answer()
        await _show_edit_choices(update, caller, draft)
    elif action is DraftAction.BACK_TO_REVIEW:
        await query.answer()
        await _restore_review_buttons(update, context, caller, draft)
    else:
        await answer_expired(update, caller.locale)


async def on_draft_category(update: Update, context: CustomContext) -> None:
    """`d:<draft id>:cat:<category>`, on the category question."""
    caller = await load_caller(update, context)
    button = DraftCategory.parse(pressed(update))
    draft = await _live_draft(update, context, caller, button.draft_id)
    if draft is None:
        return
    if draft.step != ReportStep.CATEGORY:
        await answer_expired(update, caller.locale)
        return
    await _choose_category(update, context, caller, button.category)


async def on_draft_edit(update: Update, context: CustomContext) -> None:
    """`d:<draft id>:edit:<part>`, on the review card."""
    caller = await load_caller(update, context)
    button = DraftEdit.parse(pressed(update))
    draft = await _live_draft(update, context, caller, button.draft_id)
    if draft is None:
        return
    if draft.step != ReportStep.REVIEW:
        await answer_expired(update, caller.locale)
        return
    await _edit_step(update, context, caller, button.step)


async def on_me_too(update: Update, context: CustomContext) -> None:
    """`d:<draft id>:me:<report id>`, on the review card."""
    caller = await load_caller(update, context)
    button = DraftMeToo.parse(pressed(update))
    draft = await _live_draft(update, context, caller, button.draft_id)
    if draft is None:
        return
    if draft.step != ReportStep.REVIEW:
        await answer_expired(update, caller.locale)
        return
    await _me_too(update, context, caller, button.report_id)


async def _choose_category(
    update: Update, context: CustomContext, caller: Caller, category: Category
) -> None:
    assert update.callback_query is not None
    async with context.session() as session:
        draft = await get_draft(session, person_id=caller.id)
        assert draft is not None
        await set_category(session, draft=draft, category=category, now=context.now())
    await update.callback_query.answer()
    label = t(caller.locale, f"category.{category.value}")
    await message_of(update).edit_text(t(caller.locale, "report.category_chosen", category=label))
    await _next_step(update, context, caller)


def _review_buttons(
    caller: Caller, draft: ReportDraft, nearby: list[Report] | None = None
) -> list[list[tuple[str, str]]]:
    locale, draft_id = caller.locale, draft.id or 0
    me_too = [
        [
            (
                t(locale, "buttons.me_too", ref=format_ref(r.id or 0)),
                DraftMeToo(draft_id, r.id or 0).encode(),
            )
        ]
        for r in nearby or []
    ]
    return [
        [(t(locale, "buttons.confirm"), DraftButton(draft_id, DraftAction.CONFIRM).encode())],
        *me_too,
        [
            (t(locale, "buttons.edit"), DraftButton(draft_id, DraftAction.EDIT).encode()),
            (_cancel_label(locale), DraftButton(draft_id, DraftAction.CANCEL).encode()),
        ],
    ]


async def _show_edit_choices(update: Update, caller: Caller, draft: ReportDraft) -> None:
    locale, draft_id = caller.locale, draft.id or 0
    rows = [
        [(t(locale, f"buttons.edit_{part}"), DraftEdit(draft_id, part).encode())]
        for part in EDITABLE
    ]
    back = DraftButton(draft_id, DraftAction.BACK_TO_REVIEW)
    rows.append([(t(locale, "buttons.back_to_review"), back.encode())])
    await message_of(update).edit_reply_markup(reply_markup=inline(rows))


async def _restore_review_buttons(
    update: Update, context: CustomContext, caller: Caller, draft: ReportDraft
) -> None:
    async with context.session() as session:
        nearby = await _nearby(session, draft)
    rows = _review_buttons(caller, draft, nearby)
    await message_of(update).edit_reply_markup(reply_markup=inline(rows))


async def _me_too(update: Update, context: CustomContext, caller: Caller, report_id: int) -> None:
    """Follow a nearby open report instead of filing a new one; the draft is dropped."""
    assert update.callback_query is not None
    async with context.session() as session:
        draft = await get_draft(session, person_id=caller.id)
        assert draft is not None
        offered = [r.id for r in await _nearby(session, draft)]
        paths = None
        if report_id in offered:
            await follow(
                session,
                report_id=report_id,
                person_id=caller.id,
                reason=FollowReason.ME_TOO,
                now=context.now(),
            )
            paths = await discard_draft(session, draft=draft)
    if paths is None:
        await answer_expired(update, caller.locale)
        return
    for path in paths:
        delete_file(context.config.media_dir, path)
    await update.callback_query.answer()
    await _clear_buttons(update)
    await message_of(update).reply_text(
        t(caller.locale, "report.following", ref=format_ref(report_id)),
        reply_markup=menu_keyboard(caller.locale),
    )


async def _edit_step(
    update: Update, context: CustomContext, caller: Caller, step: ReportStep
) -> None:
    assert update.callback_query is not None
    paths: list[str] = []
    async with context.session() as session:
        draft = await get_draft(session, person_id=caller.id)
        assert draft is not None
        if step is ReportStep.PHOTOS:
            paths = await clear_photos(session, draft=draft)
        await go_to(session, draft=draft, step=step, now=context.now(), editing=True)
    for path in paths:
        delete_file(context.config.media_dir, path)
    await update.callback_query.answer()
    await _clear_buttons(update)
    await prompt_step(update, context, caller, draft)


async def _confirm(update: Update, context: CustomContext, caller: Caller, draft_id: int) -> None:
    """Submit the draft; the reference is shown only after the transaction committed. A
    Confirm of a draft filed already (its answer lost in a crash) gets that reference again."""
    query = update.callback_query
    assert query is not None
    locale, now = caller.locale, context.now()
    limit = context.config.reports_per_hour
    try:
        async with context.session() as session:
            draft = await get_draft(session, person_id=caller.id)
            if draft is None or draft.id != draft_id:
                report = await filed_from(session, draft_id=draft_id, reporter_id=caller.id)
                draft = None
            elif draft.step != ReportStep.REVIEW:
                report = None
            elif await over_hourly_limit(session, reporter_id=caller.id, limit=limit, now=now):
                await query.answer()
                await message_of(update).reply_text(
                    t(locale, "report.too_many_per_hour", limit=limit)
                )
                return
            else:
                report = await submit_draft(session, draft=draft, now=now)
    except DraftError:
        await query.answer()
        await message_of(update).reply_text(t(locale, "report.incomplete"))
        return
    if report is None:
        await answer_expired(update, locale)
        return
    await query.answer()
    await _clear_buttons(update)
    assert report.id is not None
    await message_of(update).reply_text(
        t(locale, "report.submitted", ref=format_ref(report.id))
        + "\n\n"
        + t(locale, "report.next_steps", hours=context.config.first_response_hours),
        reply_markup=menu_keyboard(locale),
    )


async def cancel_command(update: Update, context: CustomContext) -> None:
    await cancel(update, context)


def build_handlers() -> list[BaseHandler[Update, CustomContext, None]]:
    """The report conversation's handlers; `catch_all()` goes in a later group."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("report", begin, filters=private),
        CommandHandler("cancel", cancel_command, filters=private),
        MessageHandler(private & menu_filter("buttons.menu_report"), begin),
        on(DraftButton, on_draft_button),
        on(DraftCategory, on_draft_category),
        on(DraftEdit, on_draft_edit),
        on(DraftMeToo, on_me_too),
    ]


def catch_all() -> BaseHandler[Update, CustomContext, None]:
    """Every other private message: routed by the resident's draft."""
    return MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, on_message)
