"""A resident's answer to a planner's question ("needs info"): the next message they send
after the question, words or a photo, even with a draft open (the draft's own buttons still
go to the draft). The planners read the answer itself (`storage.answers`)."""

from __future__ import annotations

from telegram import Message, Update

import prompts
from handlers.common import Caller, menu_keyboard, message_of, t
from handlers.context import CustomContext
from handlers.report_ask import category_of
from handlers.report_steps import DOWNLOAD_LIMIT, download_photo, is_image
from storage.answers import AnswerPhoto, add_album_photo, answer_question
from storage.inbox import AnswerTooLongError
from storage.media import delete_file
from storage.models import ReportStep, format_ref
from storage.rules import MAX_WORDS

#: What the report conversation's reply keyboards send: a tap on one goes to the draft.
DRAFT_LABELS = (
    "buttons.cancel",
    "buttons.back_step",
    "buttons.photos_done",
    "buttons.skip",
    "buttons.back_to_review",
)


#: chat_data key: (media_group_id, report id) of the album whose first photo was an answer
ANSWER_ALBUM = "answer_album"


def answer_album(context: CustomContext, message: Message) -> int | None:
    """The report a photo joins when it belongs to the album that answered its question (an
    album arrives as one message per photo; the first one took the question away)."""
    album = context.chat_data.get(ANSWER_ALBUM) if context.chat_data is not None else None
    if album is None or not message.media_group_id or not message.photo:
        return None
    media_group_id, report_id = album
    return int(report_id) if media_group_id == message.media_group_id else None


async def on_answer_album(
    update: Update, context: CustomContext, caller: Caller, report_id: int
) -> None:
    """The album's further photo joins the report; the album was answered once already."""
    message = message_of(update)
    photo = await _photo(context, message, caller.locale)
    if photo is None:
        return
    async with context.session() as session:
        added = await add_album_photo(
            session, person_id=caller.id, report_id=report_id, photo=photo
        )
    if not added:
        delete_file(context.config.media_dir, photo.stored.path)


def answers_question(caller: Caller, message: Message) -> bool:
    """Whether this message is the answer to the planner's open question, if there is one:
    words (not a label of the draft's keyboard), a photo or an image, or a voice message
    (which is told to send words or a photo instead, unless the draft asks for words)."""
    if caller.state.asked is None:
        return False
    if message.photo or is_image(message):
        return True
    if message.voice is not None:
        draft = caller.draft
        return draft is None or draft.step != ReportStep.DESCRIPTION
    text = message.text
    if not text or text.startswith("/"):
        return False
    if caller.draft is None:
        return True
    labels = any(prompts.matches_button(text, key) for key in DRAFT_LABELS)
    return not labels and category_of(text) is None


async def on_answer(update: Update, context: CustomContext, caller: Caller) -> bool:
    """Take the message as the answer; False when no question waits any more (a planner
    acted on the report meanwhile): then the message goes where it would have gone."""
    message, locale = message_of(update), caller.locale
    if message.voice is not None:
        await message.reply_text(t(locale, "report.answer_by_words"))
        return True
    photo = None
    if not message.text:
        photo = await _photo(context, message, locale)
        if photo is None:
            return True  # refused, with a reply
    text = message.text or message.caption or ""
    try:
        async with context.session() as session:
            report_id = await answer_question(
                session,
                caller=caller.state,
                text=text,
                now=context.now(),
                photo=photo,
            )
    except AnswerTooLongError:
        await message.reply_text(
            t(locale, "report.description_too_long", max=MAX_WORDS, length=len(text))
        )
        return True
    if report_id is None:
        if photo is not None:
            delete_file(context.config.media_dir, photo.stored.path)
        return False
    context.bot_data.services.wake_outbox()
    if photo is not None and message.media_group_id and context.chat_data is not None:
        context.chat_data[ANSWER_ALBUM] = (message.media_group_id, report_id)  # more follow
    # with a draft open, its keyboard stays (no new keyboard); otherwise the menu's
    markup = menu_keyboard(locale) if caller.draft is None else None
    await message.reply_text(
        t(locale, "report.answer_received", ref=format_ref(report_id)), reply_markup=markup
    )
    return True


async def _photo(context: CustomContext, message: Message, locale: str) -> AnswerPhoto | None:
    """The photo of the message, stored; None (with a reply) when it cannot be."""
    if message.photo:
        size = message.photo[-1]
        file_id, unique_id, file_size, kind = (
            size.file_id,
            size.file_unique_id,
            size.file_size,
            "photo",
        )
    else:
        assert message.document is not None
        document = message.document
        file_id, unique_id = document.file_id, document.file_unique_id
        file_size, kind = document.file_size, "document"
    if file_size is not None and file_size > DOWNLOAD_LIMIT:
        await message.reply_text(t(locale, "report.file_too_big", limit_mb=20))
        return None
    stored = await download_photo(context, message, locale, file_id)
    if stored is None:
        return None
    return AnswerPhoto(stored, file_id, kind, unique_id)
