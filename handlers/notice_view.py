"""A notice as people receive it: its words in a locale, and its album. The planner's preview
and every resident's copy (the outbox sender, bot/outbox.py) go through `deliver_notice`, so
the preview is exactly what residents get.

Photos go as one album (sendMediaGroup) with the notice as the first photo's caption when it
fits Telegram's 1,024 characters; a longer notice goes as the album, then the text. Telegram
counts characters after entity parsing, in UTF-16 code units: `visible_length` measures that.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from telegram import Bot, InputFile, InputMediaPhoto, Message
from telegram.constants import ParseMode

import prompts
from storage.models import format_ref
from storage.notice_delivery import Counts
from storage.notices import NoticeError

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
_TAG = re.compile(r"<[^>]*>")


def visible_length(text_html: str) -> int:
    """What Telegram counts of an HTML message: tags gone, entities decoded, UTF-16 units.
    User text is escaped in the HTML, so a `<` typed by the planner is not taken for a tag."""
    plain = html.unescape(_TAG.sub("", text_html)).strip()
    return len(plain.encode("utf-16-le")) // 2


def notice_text(params: Mapping[str, Any], locale: str) -> str:
    """The notice in `locale` (HTML), from its outbox parameters (`notice_content`)."""
    locale = prompts.normalise_locale(locale)
    report_id = params.get("report_id")
    return prompts.render(
        "notices.notice",
        locale,
        title=params["title"],
        body=params["body"],
        community=params["community_zh" if locale == "zh" else "community_en"],
        ref=format_ref(int(report_id)) if report_id else "",
    )


def check_fits(params: dict[str, Any]) -> None:
    """Refuse a notice that would not fit one message in some locale (`storage.notices.Check`);
    the title is limited on its own (MAX_TITLE), so what overflows is the text."""
    longest = max(visible_length(notice_text(params, loc)) for loc in prompts.LOCALES)
    if longest > MESSAGE_LIMIT:
        raise NoticeError("too_long", part="body", over=longest - MESSAGE_LIMIT)


def _media(item: Mapping[str, str], media_dir: Path | None) -> str | InputFile:
    if "file_id" in item:
        return item["file_id"]
    assert media_dir is not None, "a stored photo needs the media directory"
    path = media_dir / item["path"]
    return InputFile(path.read_bytes(), filename=path.name)


async def deliver_notice(
    bot: Bot,
    chat_id: int,
    params: Mapping[str, Any],
    locale: str,
    *,
    media_dir: Path | None = None,
    reply_markup: Any = None,
) -> Sequence[Message]:
    """Send the notice to one chat; every message sent, the first one first. Errors are
    Telegram's, raised as they come (the outbox sender turns them into outcomes)."""
    text = notice_text(params, locale)
    media = list(params.get("media") or [])
    if not media:
        return [await bot.send_message(chat_id, text, reply_markup=reply_markup)]
    caption = visible_length(text) <= CAPTION_LIMIT
    if len(media) == 1:
        photo = await bot.send_photo(
            chat_id,
            _media(media[0], media_dir),
            caption=text if caption else None,
            reply_markup=reply_markup if caption else None,
        )
        sent: list[Message] = [photo]
    else:
        album = [
            InputMediaPhoto(
                _media(item, media_dir),
                caption=text if caption and index == 0 else None,
                parse_mode=ParseMode.HTML,
            )
            for index, item in enumerate(media)
        ]
        sent = list(await bot.send_media_group(chat_id, album))
    if not caption:
        sent.append(await bot.send_message(chat_id, text, reply_markup=reply_markup))
    return sent


def progress_text(locale: str, counts: Counts) -> str:
    """The status message: sent / total, unreachable and failed; final when none is left."""
    key = "notices.done" if counts.left == 0 else "notices.progress"
    return prompts.render(
        key,
        locale,
        sent=counts.sent,
        total=counts.total,
        unreachable=counts.unreachable,
        failed=counts.failed,
    )
