"""What a person's message holds, as the Bot API shows it: text, photos, files, places.

Each builder returns the content of one message (the fields after ``message_id``, ``from``,
``chat`` and ``date``) and the line the transcript shows for it; files are stored in the
sandbox as they would be on Telegram's servers, so the bot can download them.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .html import utf16_len
from .state import JsonDict, SandboxState

__all__ = [
    "Content",
    "MediaInput",
    "album",
    "contact",
    "document",
    "location",
    "photo",
    "sticker",
    "text",
    "venue",
    "video",
    "voice",
]

MediaInput = bytes | bytearray | Path

_FAKE_BYTES = {
    "sticker": b"RIFF\x00\x00\x00\x00WEBPVP8 sandbox-sticker",
    "voice": b"OggS\x00\x02sandbox-voice",
    "video": b"\x00\x00\x00\x18ftypmp42sandbox-video",
}


class Content(NamedTuple):
    """One message's content and its transcript line."""

    fields: JsonDict
    line: str


def _read(data: MediaInput) -> bytes:
    return Path(data).read_bytes() if isinstance(data, Path) else bytes(data)


def text(value: str) -> Content:
    """A text message; a leading ``/command`` gets its bot_command entity."""
    fields: JsonDict = {"text": value}
    if value.startswith("/"):
        command = value.split(maxsplit=1)[0]
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
    return Content(fields, value)


def _photo_fields(
    sb: SandboxState, data: MediaInput, caption: str | None, file_size: int | None
) -> JsonDict:
    fields: JsonDict = {"photo": sb.files.store_photo(_read(data), file_size=file_size)}
    if caption:
        fields["caption"] = caption
    return fields


def photo(
    sb: SandboxState, data: MediaInput, caption: str | None, file_size: int | None
) -> Content:
    line = f"[photo] {caption}" if caption else "[photo]"
    return Content(_photo_fields(sb, data, caption, file_size), line)


def album(
    sb: SandboxState, items: Sequence[MediaInput], caption: str | None
) -> tuple[list[JsonDict], str]:
    """Two or more photos sharing one media_group_id (the caption goes on the first)."""
    if len(items) < 2:
        raise ValueError("an album needs at least two photos")
    group_id = sb.new_media_group_id()
    contents: list[JsonDict] = []
    for index, item in enumerate(items):
        fields = _photo_fields(sb, item, caption if index == 0 else None, None)
        fields["media_group_id"] = group_id
        contents.append(fields)
    line = f"[album of {len(items)} photos]" + (f" {caption}" if caption else "")
    return contents, line


def _file(
    sb: SandboxState,
    kind: str,
    data: bytes,
    extra: JsonDict,
    *,
    file_size: int | None,
    mime_type: str | None,
    file_name: str | None = None,
    caption: str | None = None,
) -> Content:
    stored = sb.files.store(
        kind,
        data,
        file_size=file_size,
        mime_type=mime_type,
        file_name=file_name,
        width=extra.get("width"),
        height=extra.get("height"),
    )
    obj: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    obj.update(extra)
    if file_name:
        obj["file_name"] = file_name
    if mime_type and kind != "sticker":
        obj["mime_type"] = mime_type
    obj["file_size"] = stored.file_size
    fields: JsonDict = {kind: obj}
    if caption:
        fields["caption"] = caption
    label = f"[{kind}{' ' + file_name if file_name else ''}, {stored.file_size} bytes]"
    return Content(fields, label + (f" {caption}" if caption else ""))


def document(
    sb: SandboxState,
    data: MediaInput,
    file_name: str | None,
    mime_type: str | None,
    file_size: int | None,
    caption: str | None,
) -> Content:
    if file_name is None:
        file_name = data.name if isinstance(data, Path) else "document.bin"
    if mime_type is None:
        mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    return _file(
        sb,
        "document",
        _read(data),
        {},
        file_size=file_size,
        mime_type=mime_type,
        file_name=file_name,
        caption=caption,
    )


def sticker(
    sb: SandboxState, emoji: str, data: MediaInput | None, file_size: int | None
) -> Content:
    extra: dict[str, Any] = {
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "set_name": "SandboxStickers",
    }
    raw = _read(data) if data is not None else _FAKE_BYTES["sticker"]
    return _file(sb, "sticker", raw, extra, file_size=file_size, mime_type="image/webp")


def voice(
    sb: SandboxState,
    duration: int,
    data: MediaInput | None,
    file_size: int | None,
    caption: str | None,
) -> Content:
    raw = _read(data) if data is not None else _FAKE_BYTES["voice"]
    return _file(
        sb,
        "voice",
        raw,
        {"duration": duration},
        file_size=file_size,
        mime_type="audio/ogg",
        caption=caption,
    )


def video(
    sb: SandboxState,
    data: MediaInput | None,
    size: tuple[int, int, int],
    file_size: int | None,
    caption: str | None,
) -> Content:
    """A video; ``size`` is (width, height, duration in seconds)."""
    width, height, duration = size
    raw = _read(data) if data is not None else _FAKE_BYTES["video"]
    return _file(
        sb,
        "video",
        raw,
        {"width": width, "height": height, "duration": duration},
        file_size=file_size,
        mime_type="video/mp4",
        caption=caption,
    )


def location(latitude: float, longitude: float) -> JsonDict:
    return {"location": {"latitude": latitude, "longitude": longitude}}


def venue(latitude: float, longitude: float, title: str, address: str) -> Content:
    place = {"latitude": latitude, "longitude": longitude}
    fields: JsonDict = {
        "venue": {"location": place, "title": title, "address": address},
        "location": dict(place),
    }
    return Content(fields, f"[venue {title}, {address}]")


def contact(sender: JsonDict, phone_number: str) -> JsonDict:
    """The sender's own phone number, as a request-contact button shares it."""
    shared: JsonDict = {
        "phone_number": phone_number,
        "first_name": sender["first_name"],
        "user_id": sender["id"],
    }
    return {"contact": shared}
