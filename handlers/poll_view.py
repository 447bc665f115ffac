"""A poll as people receive it, and its words: the native poll (after its pictures, as one
album), the result's caption, and refusals. The outbox sender and the handlers use these."""

from __future__ import annotations

from typing import Any

from telegram import Bot, InputMediaPhoto, InputPollOption, Message

from handlers.common import shorten, t
from storage.polls import PollError

CAPTION_QUESTION = 200  # the result's caption shortens the question (the chart has it all)


async def deliver_poll(bot: Bot, chat_id: int, params: dict[str, Any]) -> Message:
    """The pictures (one photo, or an album), then the native poll; the poll's message.

    Question and options go as plain text (no parse mode): Telegram counts them as typed."""
    photos: list[str] = list(params.get("photos") or [])
    if len(photos) == 1:
        await bot.send_photo(chat_id, photos[0])
    elif photos:
        await bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in photos])
    return await bot.send_poll(
        chat_id,
        params["question"],
        [InputPollOption(option, text_parse_mode=None) for option in params["options"]],
        is_anonymous=bool(params["anonymous"]),
        allows_multiple_answers=bool(params["multiple"]),
        question_parse_mode=None,
    )


def refusal(locale: str, error: PollError, *, slug: str = "") -> str:
    """A refusal in words; a too-long part is named, with how much it is over."""
    if error.code == "too_long":
        return t(locale, "polls.too_long", part=error.part, index=error.index, over=error.over)
    if error.code == "unknown_community":
        return t(locale, "polls.unknown_community", slug=slug)
    if error.code == "usage":
        return t(locale, "polls.usage")
    return t(locale, f"polls.error_{error.code}")


def community_of(params: dict[str, Any], locale: str) -> str:
    return str(params["community_zh" if locale == "zh" else "community_en"])


def result_caption(locale: str, params: dict[str, Any]) -> str:
    """The result's caption: the question, the option with most votes, how many voted."""
    counts: list[int] = [int(c) for c in params["counts"]]
    best = max(range(len(counts)), key=lambda i: (counts[i], -i)) if counts else 0
    return t(
        locale,
        "polls.result",
        question=shorten(str(params["question"]), CAPTION_QUESTION),
        community=community_of(params, locale),
        voters=int(params["voters"]),
        top=params["options"][best] if counts else "",
        count=counts[best] if counts else 0,
    )
