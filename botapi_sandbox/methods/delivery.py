"""What the sending and editing methods share: entities, markup, replies, files, delivery."""

from __future__ import annotations

import copy
import io
import mimetypes
from collections.abc import Mapping
from typing import Any

from ..errors import ApiError, bad_request
from ..html import HtmlParseError, ParsedText, parse_text
from ..models import StoredFile, StoredMessage, UploadedFile
from ..state import ChatState, JsonDict, SandboxState
from .params import Params

__all__ = [
    "apply_markup",
    "as_result",
    "caption_content",
    "deliver",
    "document_param",
    "edit_markup",
    "inline_only",
    "markup_param",
    "parse_entities",
    "photo_sizes",
    "reply_target",
]


def parse_entities(text: str, parse_mode: str | None, entities: Any) -> ParsedText:
    """The text as the user sees it, with its entities; ``can't parse entities`` on bad HTML."""
    try:
        parsed = parse_text(text, parse_mode)
    except HtmlParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    if not parse_mode and isinstance(entities, list) and entities:
        parsed.entities = [dict(e) for e in entities if isinstance(e, dict)]
    return parsed


def markup_param(p: Params) -> JsonDict | None:
    """The ``reply_markup`` parameter as an object (``None`` if absent)."""
    markup = p.get_json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def inline_only(markup: JsonDict | None) -> JsonDict | None:
    """The part of a markup that stays on the message: an inline keyboard, if any."""
    if markup and "inline_keyboard" in markup:
        return {"inline_keyboard": copy.deepcopy(markup["inline_keyboard"])}
    return None


def apply_markup(chat: ChatState, stored: StoredMessage, markup: JsonDict | None) -> None:
    """Attach an inline keyboard to the message, or change the chat's reply keyboard."""
    stored.markup = copy.deepcopy(markup)
    inline = inline_only(markup)
    if inline is not None:
        stored.data["reply_markup"] = inline
    elif markup and "keyboard" in markup:
        chat.reply_keyboard = copy.deepcopy(markup)
    elif markup and markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    elif markup and markup.get("force_reply"):
        chat.force_reply_to = stored.message_id


def reply_target(s: SandboxState, chat: ChatState, p: Params) -> JsonDict | None:
    """The message ``reply_parameters`` points at (400 if it is gone and that matters)."""
    params = p.get_json("reply_parameters")
    if not isinstance(params, dict) or "message_id" not in params:
        return None
    target = chat
    if params.get("chat_id") not in (None, ""):
        target = s.find_chat(params["chat_id"])
    snapshot = s.reply_snapshot(target, int(params["message_id"]))
    if snapshot is None and not params.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    return snapshot


def deliver(
    s: SandboxState,
    chat: ChatState,
    method: str,
    content: JsonDict,
    *,
    source: str = "",
    plain: str = "",
    caption: str | None = None,
    markup: JsonDict | None = None,
    reply: JsonDict | None = None,
) -> StoredMessage:
    """Store a bot message in ``chat``, log it in the transcript and wake the waiting people."""
    if reply is not None:
        content["reply_to_message"] = reply
    stored = s.new_message(chat, s.bot_user, content, from_bot=True)
    stored.method = method
    stored.source = source
    stored.plain = stored.original_plain = plain
    stored.caption = caption
    apply_markup(chat, stored, markup)
    chat.bot_messages.append(stored)
    s.log_line(chat.chat_id, f"bot -> {chat.name}: {s.describe_bot_message(stored, markup)}")
    s.notify()
    return stored


def as_result(stored: StoredMessage) -> JsonDict:
    """The ``Message`` object a method returns (a copy: later edits do not change it)."""
    return copy.deepcopy(stored.data)


def caption_content(p: Params, content: JsonDict) -> tuple[str, str | None]:
    """Parse the caption parameters into ``content``; return (source, plain caption)."""
    caption = p.get_str("caption")
    if caption is None:
        return "", None
    parsed = parse_entities(caption, p.get_str("parse_mode"), p.get_json("caption_entities"))
    if parsed.text:
        content["caption"] = parsed.text
        if parsed.entities:
            content["caption_entities"] = parsed.entities
    if p.get_bool("show_caption_above_media"):
        content["show_caption_above_media"] = True
    return caption, parsed.text or None


def _resolve_upload(value: object, files: Mapping[str, UploadedFile]) -> object:
    if isinstance(value, str) and value.startswith("attach://"):
        name = value[len("attach://") :]
        if name not in files:
            raise bad_request(f'no file was uploaded under the name "{name}"')
        return files[name]
    return value


def _type_mismatch(stored: StoredFile, expected: str) -> ApiError:
    """Telegram's answer to e.g. a document's file_id passed to sendPhoto."""
    return bad_request(f"can't use file of type {stored.kind.capitalize()} as {expected}")


def photo_sizes(
    s: SandboxState, value: object, files: Mapping[str, UploadedFile]
) -> list[JsonDict]:
    value = _resolve_upload(value, files)
    if isinstance(value, UploadedFile):
        try:
            from PIL import Image

            with Image.open(io.BytesIO(value.data)) as image:
                image.verify()
        except Exception:  # noqa: BLE001 - Pillow raises many kinds of errors for junk
            raise bad_request("IMAGE_PROCESS_FAILED") from None
        return s.files.store_photo(value.data)
    if isinstance(value, str):
        sizes = s.files.photo_set(value)
        if sizes is not None:
            return copy.deepcopy(sizes)
        known = s.files.get(value)
        if known is not None:
            raise _type_mismatch(known, "Photo")
        if value.startswith(("http://", "https://")):
            return s.files.store_photo(None)
    raise bad_request("wrong file identifier/HTTP URL specified")


def _document_object(stored: StoredFile) -> JsonDict:
    doc: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.file_name:
        doc["file_name"] = stored.file_name
    if stored.mime_type:
        doc["mime_type"] = stored.mime_type
    doc["file_size"] = stored.file_size
    return doc


def document_param(s: SandboxState, value: object, files: Mapping[str, UploadedFile]) -> JsonDict:
    value = _resolve_upload(value, files)
    if isinstance(value, UploadedFile):
        name = value.filename or "document"
        mime = mimetypes.guess_type(name)[0] or value.content_type or "application/octet-stream"
        return _document_object(
            s.files.store("document", value.data, mime_type=mime, file_name=name)
        )
    if isinstance(value, str):
        known = s.files.get(value)
        if known is not None:
            if known.kind != "document":
                raise _type_mismatch(known, "Document")
            return _document_object(known)
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "document"
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return _document_object(s.files.store("document", None, mime_type=mime, file_name=name))
    raise bad_request("wrong file identifier/HTTP URL specified")


def edit_markup(stored: StoredMessage, markup: JsonDict | None) -> None:
    """An edit's new markup: inline keyboards replace the old one; anything else removes it."""
    inline = inline_only(markup)
    if inline is not None:
        stored.data["reply_markup"] = inline
        stored.markup = copy.deepcopy(markup)
    else:
        stored.data.pop("reply_markup", None)
        if stored.markup and "inline_keyboard" in stored.markup:
            stored.markup = None
