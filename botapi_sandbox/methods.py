"""The Bot API methods the sandbox implements, with the semantic checks of the real server."""

from __future__ import annotations

import copy
import io
import json
import mimetypes
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .errors import ApiError, bad_request
from .html import HtmlParseError, ParsedText, parse_text
from .models import CallbackAnswer, EditRecord, StoredFile, StoredMessage, UploadedFile
from .state import ChatState, JsonDict, SandboxState

__all__ = ["METHODS", "Handler", "Params"]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


class Params:
    """Request parameters with lenient typed accessors (validated or raw form strings)."""

    def __init__(
        self, data: Mapping[str, Any], files: Mapping[str, UploadedFile] | None = None
    ) -> None:
        self.data = dict(data)
        self.files = {k: v for k, v in data.items() if isinstance(v, UploadedFile)}
        if files:
            self.files.update(files)

    def has(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def get(self, name: str) -> Any:
        return self.data.get(name)

    def get_str(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or isinstance(value, UploadedFile):
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f'parameter "{name}" must be an Integer') from None

    def get_float(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'parameter "{name}" must be a Float') from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1")

    def get_json(self, name: str) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f'can\'t parse "{name}" JSON object') from None
        return value

    def require(self, name: str) -> Any:
        value = self.data.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        return value


Handler = Callable[[SandboxState, Params], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}


def _method(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        METHODS[name.lower()] = (name, func)
        return func

    return register


# -- shared helpers ----------------------------------------------------------------------------


def _parse(text: str, parse_mode: str | None, entities: Any) -> ParsedText:
    try:
        parsed = parse_text(text, parse_mode)
    except HtmlParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    if not parse_mode and isinstance(entities, list) and entities:
        parsed.entities = [dict(e) for e in entities if isinstance(e, dict)]
    return parsed


def _markup(p: Params) -> JsonDict | None:
    markup = p.get_json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _inline_only(markup: JsonDict | None) -> JsonDict | None:
    if markup and "inline_keyboard" in markup:
        return {"inline_keyboard": copy.deepcopy(markup["inline_keyboard"])}
    return None


def _apply_markup(chat: ChatState, stored: StoredMessage, markup: JsonDict | None) -> None:
    stored.markup = copy.deepcopy(markup)
    inline = _inline_only(markup)
    if inline is not None:
        stored.data["reply_markup"] = inline
    elif markup and "keyboard" in markup:
        chat.reply_keyboard = copy.deepcopy(markup)
    elif markup and markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    elif markup and markup.get("force_reply"):
        chat.force_reply_to = stored.message_id


def _reply_to(s: SandboxState, chat: ChatState, p: Params) -> JsonDict | None:
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


def _deliver(
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
    if reply is not None:
        content["reply_to_message"] = reply
    stored = s.new_message(chat, s.bot_user, content, from_bot=True)
    stored.method = method
    stored.source = source
    stored.plain = stored.original_plain = plain
    stored.caption = caption
    _apply_markup(chat, stored, markup)
    chat.bot_messages.append(stored)
    s.log_line(chat.chat_id, f"bot -> {chat.name}: {s.describe_bot_message(stored, markup)}")
    s.notify()
    return stored


def _out(stored: StoredMessage) -> JsonDict:
    return copy.deepcopy(stored.data)


def _caption_content(p: Params, content: JsonDict) -> tuple[str, str | None]:
    """Parse the caption parameters into ``content``; return (source, plain caption)."""
    caption = p.get_str("caption")
    if caption is None:
        return "", None
    parsed = _parse(caption, p.get_str("parse_mode"), p.get_json("caption_entities"))
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


def _photo_sizes(
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
        return s.store_photo(value.data)
    if isinstance(value, str):
        if value in s.photo_sets:
            return copy.deepcopy(s.photo_sets[value])
        if value in s.files:
            raise _type_mismatch(s.files[value], "Photo")
        if value.startswith(("http://", "https://")):
            return s.store_photo(None)
    raise bad_request("wrong file identifier/HTTP URL specified")


def _document_object(stored: StoredFile) -> JsonDict:
    doc: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.file_name:
        doc["file_name"] = stored.file_name
    if stored.mime_type:
        doc["mime_type"] = stored.mime_type
    doc["file_size"] = stored.file_size
    return doc


def _document(s: SandboxState, value: object, files: Mapping[str, UploadedFile]) -> JsonDict:
    value = _resolve_upload(value, files)
    if isinstance(value, UploadedFile):
        name = value.filename or "document"
        mime = mimetypes.guess_type(name)[0] or value.content_type or "application/octet-stream"
        return _document_object(
            s.store_file("document", value.data, mime_type=mime, file_name=name)
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
            return _document_object(s.store_file("document", None, mime_type=mime, file_name=name))
    raise bad_request("wrong file identifier/HTTP URL specified")


def _edit_target(s: SandboxState, p: Params, verb: str) -> tuple[ChatState, StoredMessage]:
    if p.has("inline_message_id"):
        raise bad_request("inline messages are not implemented by the sandbox")
    if not p.has("chat_id"):
        raise bad_request("chat_id is empty")
    message_id = p.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    chat = s.find_chat(p.get("chat_id"))
    stored = chat.messages.get(message_id)
    if stored is None or stored.deleted:
        raise bad_request(f"message to {verb} not found")
    return chat, stored


def _edit_markup(stored: StoredMessage, markup: JsonDict | None) -> None:
    inline = _inline_only(markup)
    if inline is not None:
        stored.data["reply_markup"] = inline
        stored.markup = copy.deepcopy(markup)
    else:
        stored.data.pop("reply_markup", None)
        if stored.markup and "inline_keyboard" in stored.markup:
            stored.markup = None


def _commit_edit(s: SandboxState, chat: ChatState, stored: StoredMessage, method: str) -> JsonDict:
    stored.edits += 1
    stored.data["edit_date"] = s.now()
    s.edits.append(
        EditRecord(s.next_seq(), chat.chat_id, stored.message_id, method, stored.snapshot())
    )
    description = s.describe_bot_message(stored, stored.markup)
    s.log_line(chat.chat_id, f"bot edits #{stored.message_id} -> {chat.name}: {description}")
    s.notify()
    return _out(stored)


# -- bot, updates, webhook, commands -----------------------------------------------------------


@_method("getMe")
async def get_me(s: SandboxState, p: Params) -> Any:
    return dict(s.bot_user)


@_method("getUpdates")
async def get_updates(s: SandboxState, p: Params) -> Any:
    if s.webhook and s.webhook.get("url"):
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = p.get_int("offset") or 0
    limit = min(max(p.get_int("limit") or 100, 1), 100)
    timeout = max(p.get_float("timeout") or 0.0, 0.0)
    allowed = p.get_json("allowed_updates")
    if isinstance(allowed, list):
        s.allowed_updates = [str(a) for a in allowed]
    s.confirm_updates(offset)
    s.poll_generation += 1
    generation = s.poll_generation
    s.notify()  # an older getUpdates still waiting is terminated, like on the real server

    def probe() -> tuple[bool, list[JsonDict]] | None:
        if s.poll_generation != generation:
            return False, []
        updates = s.deliverable_updates(limit)
        return (True, updates) if updates else None

    outcome = await s.wait_for(probe, timeout)
    if outcome is None:
        return []
    current, updates = outcome
    if not current:
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
            record=False,
        )
    return updates


@_method("deleteWebhook")
async def delete_webhook(s: SandboxState, p: Params) -> Any:
    s.webhook = None
    if p.get_bool("drop_pending_updates"):
        s.pending_updates.clear()
    return True


@_method("setWebhook")
async def set_webhook(s: SandboxState, p: Params) -> Any:
    url = p.get_str("url") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    settings = {k: v for k, v in p.data.items() if not isinstance(v, UploadedFile)}
    s.webhook = settings if url else None
    if p.get_bool("drop_pending_updates"):
        s.pending_updates.clear()
    return True


@_method("getWebhookInfo")
async def get_webhook_info(s: SandboxState, p: Params) -> Any:
    info: JsonDict = {
        "url": str((s.webhook or {}).get("url", "")),
        "has_custom_certificate": False,
        "pending_update_count": len(s.pending_updates),
    }
    if s.allowed_updates:
        info["allowed_updates"] = list(s.allowed_updates)
    return info


def _commands_key(p: Params) -> str:
    scope = p.get_json("scope") or {"type": "default"}
    return json.dumps([scope, p.get_str("language_code") or ""], sort_keys=True)


@_method("setMyCommands")
async def set_my_commands(s: SandboxState, p: Params) -> Any:
    commands = p.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(
            str(command.get("command", ""))
        ):
            raise bad_request(f"BOT_COMMAND_INVALID ({command!r})")
        if not str(command.get("description", "")).strip():
            raise bad_request(f"BOT_COMMAND_DESCRIPTION_INVALID ({command!r})")
    s.commands[_commands_key(p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@_method("getMyCommands")
async def get_my_commands(s: SandboxState, p: Params) -> Any:
    return copy.deepcopy(s.commands.get(_commands_key(p), []))


@_method("deleteMyCommands")
async def delete_my_commands(s: SandboxState, p: Params) -> Any:
    s.commands.pop(_commands_key(p), None)
    return True


# -- sending ----------------------------------------------------------------------------------


@_method("sendMessage")
async def send_message(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    text = p.get_str("text") or ""
    parsed = _parse(text, p.get_str("parse_mode"), p.get_json("entities"))
    if not parsed.text:
        raise bad_request("message text is empty")
    content: JsonDict = {"text": parsed.text}
    if parsed.entities:
        content["entities"] = parsed.entities
    reply = _reply_to(s, chat, p)
    stored = _deliver(
        s,
        chat,
        "sendMessage",
        content,
        source=text,
        plain=parsed.text,
        markup=_markup(p),
        reply=reply,
    )
    return _out(stored)


@_method("sendPhoto")
async def send_photo(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    content: JsonDict = {"photo": _photo_sizes(s, p.require("photo"), p.files)}
    if p.get_bool("has_spoiler"):
        content["has_media_spoiler"] = True
    return _deliver_with_caption(s, chat, p, "sendPhoto", content)


@_method("sendDocument")
async def send_document(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    content: JsonDict = {"document": _document(s, p.require("document"), p.files)}
    return _deliver_with_caption(s, chat, p, "sendDocument", content)


def _deliver_with_caption(
    s: SandboxState, chat: ChatState, p: Params, method: str, content: JsonDict
) -> Any:
    """Store a captioned file message (photo or document) and return it as Telegram would."""
    source, caption = _caption_content(p, content)
    reply = _reply_to(s, chat, p)
    stored = _deliver(
        s,
        chat,
        method,
        content,
        source=source,
        plain=caption or "",
        caption=caption,
        markup=_markup(p),
        reply=reply,
    )
    return _out(stored)


@_method("sendMediaGroup")
async def send_media_group(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    media = p.get_json("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("media group must include 2-10 items")
    kinds = {str(item.get("type")) for item in media if isinstance(item, dict)}
    unsupported = kinds - {"photo", "document"}
    if unsupported:
        raise bad_request(f"media of type {sorted(unsupported)} is not implemented by the sandbox")
    if "document" in kinds and len(kinds) > 1:
        raise bad_request("documents can't be mixed with other media types in a media group")
    reply = _reply_to(s, chat, p)
    group_id = s.new_media_group_id()
    contents: list[tuple[JsonDict, str, str | None]] = []
    for item in media:
        content: JsonDict = {}
        if item["type"] == "photo":
            content["photo"] = _photo_sizes(s, item.get("media"), p.files)
        else:
            content["document"] = _document(s, item.get("media"), p.files)
        source, caption = _caption_content(Params(item), content)
        content["media_group_id"] = group_id
        contents.append((content, source, caption))
    results: list[JsonDict] = []
    for content, source, caption in contents:
        stored = _deliver(
            s,
            chat,
            "sendMediaGroup",
            content,
            source=source,
            plain=caption or "",
            caption=caption,
            reply=reply,
        )
        results.append(_out(stored))
    return results


def _location(p: Params) -> JsonDict:
    latitude, longitude = p.get_float("latitude"), p.get_float("longitude")
    if latitude is None or longitude is None:
        raise bad_request("latitude and longitude are required")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong latitude or longitude specified")
    location: JsonDict = {"latitude": latitude, "longitude": longitude}
    accuracy = p.get_float("horizontal_accuracy")
    if accuracy is not None:
        location["horizontal_accuracy"] = accuracy
    return location


@_method("sendLocation")
async def send_location(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    content: JsonDict = {"location": _location(p)}
    reply = _reply_to(s, chat, p)
    stored = _deliver(s, chat, "sendLocation", content, markup=_markup(p), reply=reply)
    return _out(stored)


@_method("sendVenue")
async def send_venue(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    location = _location(p)
    venue: JsonDict = {
        "location": location,
        "title": p.get_str("title") or "",
        "address": p.get_str("address") or "",
    }
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if p.has(key):
            venue[key] = p.get_str(key)
    content: JsonDict = {"venue": venue, "location": dict(location)}
    reply = _reply_to(s, chat, p)
    stored = _deliver(s, chat, "sendVenue", content, markup=_markup(p), reply=reply)
    return _out(stored)


@_method("sendChatAction")
async def send_chat_action(s: SandboxState, p: Params) -> Any:
    s.find_chat(p.require("chat_id"))
    if p.get_str("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


@_method("sendPoll")
async def send_poll(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    question = _parse(p.get_str("question") or "", p.get_str("question_parse_mode"), None)
    options = p.get_json("options")
    if not isinstance(options, list):
        raise bad_request("can't parse options JSON object")
    poll_options: list[JsonDict] = []
    for index, option in enumerate(options):
        text = option.get("text", "") if isinstance(option, dict) else str(option)
        mode = option.get("text_parse_mode") if isinstance(option, dict) else None
        poll_options.append(
            {"persistent_id": str(index), "text": _parse(text, mode, None).text, "voter_count": 0}
        )
    poll_type = p.get_str("type") or "regular"
    poll: JsonDict = {
        "id": str(5_000_000_000_000_000_000 + s.next_seq()),
        "question": question.text,
        "options": poll_options,
        "total_voter_count": 0,
        "is_closed": p.get_bool("is_closed"),
        "is_anonymous": p.get_bool("is_anonymous", default=True),
        "type": poll_type,
        "allows_multiple_answers": p.get_bool("allows_multiple_answers"),
        "allows_revoting": p.get_bool("allows_revoting", default=poll_type != "quiz"),
        "members_only": p.get_bool("members_only"),
    }
    if p.has("correct_option_id"):
        poll["correct_option_id"] = p.get_int("correct_option_id")
    reply = _reply_to(s, chat, p)
    stored = _deliver(
        s,
        chat,
        "sendPoll",
        {"poll": poll},
        source=p.get_str("question") or "",
        plain=question.text,
        markup=_markup(p),
        reply=reply,
    )
    return _out(stored)


@_method("stopPoll")
async def stop_poll(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    stored = chat.messages.get(p.get_int("message_id") or 0)
    if stored is None or stored.deleted or "poll" not in stored.data:
        raise bad_request("message with poll to stop not found")
    poll = stored.data["poll"]
    if poll["is_closed"]:
        raise bad_request("poll has already been closed")
    poll["is_closed"] = True
    markup = _markup(p)
    if markup is not None:
        _edit_markup(stored, markup)
    s.log_line(chat.chat_id, f"bot stops poll #{stored.message_id} in {chat.name}")
    s.notify()
    return copy.deepcopy(poll)


# -- editing and deleting ---------------------------------------------------------------------


@_method("editMessageText")
async def edit_message_text(s: SandboxState, p: Params) -> Any:
    chat, stored = _edit_target(s, p, "edit")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    text = p.get_str("text") or ""
    parsed = _parse(text, p.get_str("parse_mode"), p.get_json("entities"))
    if not parsed.text:
        raise bad_request("message text is empty")
    markup = _markup(p)
    before = (stored.data.get("text"), stored.data.get("entities"), stored.data.get("reply_markup"))
    if before == (parsed.text, parsed.entities or None, _inline_only(markup)):
        raise bad_request(NOT_MODIFIED)
    stored.data["text"] = parsed.text
    if parsed.entities:
        stored.data["entities"] = parsed.entities
    else:
        stored.data.pop("entities", None)
    stored.source, stored.plain = text, parsed.text
    _edit_markup(stored, markup)
    return _commit_edit(s, chat, stored, "editMessageText")


@_method("editMessageCaption")
async def edit_message_caption(s: SandboxState, p: Params) -> Any:
    chat, stored = _edit_target(s, p, "edit")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    if not any(k in stored.data for k in ("photo", "document", "video", "audio", "animation")):
        raise bad_request("there is no caption in the message to edit")
    content: JsonDict = {}
    source, caption = _caption_content(p, content)
    markup = _markup(p)
    before = (
        stored.data.get("caption"),
        stored.data.get("caption_entities"),
        stored.data.get("reply_markup"),
    )
    after = (content.get("caption"), content.get("caption_entities"), _inline_only(markup))
    if before == after:
        raise bad_request(NOT_MODIFIED)
    for key in ("caption", "caption_entities"):
        stored.data.pop(key, None)
    stored.data.update(content)
    stored.source, stored.plain, stored.caption = source, caption or "", caption
    _edit_markup(stored, markup)
    return _commit_edit(s, chat, stored, "editMessageCaption")


@_method("editMessageReplyMarkup")
async def edit_message_reply_markup(s: SandboxState, p: Params) -> Any:
    chat, stored = _edit_target(s, p, "edit")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    markup = _markup(p)
    if stored.data.get("reply_markup") == _inline_only(markup):
        raise bad_request(NOT_MODIFIED)
    _edit_markup(stored, markup)
    return _commit_edit(s, chat, stored, "editMessageReplyMarkup")


@_method("deleteMessage")
async def delete_message(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    stored = chat.messages.get(p.get_int("message_id") or 0)
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    stored.deleted = True
    s.log_line(chat.chat_id, f"bot deletes #{stored.message_id} in {chat.name}")
    s.notify()
    return True


# -- callback queries and files ---------------------------------------------------------------


@_method("answerCallbackQuery")
async def answer_callback_query(s: SandboxState, p: Params) -> Any:
    query_id = p.get_str("callback_query_id") or ""
    query = s.callback_queries.get(query_id)
    if query is None or query.answered:
        raise bad_request(QUERY_TOO_OLD)
    query.answered = True
    answer = CallbackAnswer(
        query_id=query_id,
        text=p.get_str("text"),
        show_alert=p.get_bool("show_alert"),
        url=p.get_str("url"),
        callback_data=query.data,
        chat_id=query.chat_id,
        user_id=query.user_id,
    )
    s.answers.append(answer)
    kind = "alert" if answer.show_alert else "notice"
    shown = f" ({kind}: {answer.text})" if answer.text else ""
    s.log_line(query.chat_id, f"bot answers {s.user_name(query.user_id)}'s tap{shown}")
    s.notify()
    return True


@_method("getFile")
async def get_file(s: SandboxState, p: Params) -> Any:
    stored = s.files.get(p.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.file_size > 20 * 1024 * 1024:
        raise bad_request("file is too big")
    s.file_path_for(stored)
    return stored.as_file()
