"""The methods that post a new message: text, photo, document, voice, album, place, poll."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import bad_request
from ..state import ChatState, JsonDict, SandboxState
from .delivery import (
    as_result,
    caption_content,
    deliver,
    document_param,
    edit_markup,
    markup_param,
    parse_entities,
    photo_sizes,
    reply_target,
)
from .params import Params, method

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


@method("sendMessage")
async def send_message(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    text = p.get_str("text") or ""
    parsed = parse_entities(text, p.get_str("parse_mode"), p.get_json("entities"))
    if not parsed.text:
        raise bad_request("message text is empty")
    content: JsonDict = {"text": parsed.text}
    if parsed.entities:
        content["entities"] = parsed.entities
    reply = reply_target(s, chat, p)
    stored = deliver(
        s,
        chat,
        "sendMessage",
        content,
        source=text,
        plain=parsed.text,
        markup=markup_param(p),
        reply=reply,
    )
    return as_result(stored)


@method("sendPhoto")
async def send_photo(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    content: JsonDict = {"photo": photo_sizes(s, p.require("photo"), p.files)}
    if p.get_bool("has_spoiler"):
        content["has_media_spoiler"] = True
    return _deliver_with_caption(s, chat, p, "sendPhoto", content)


@method("sendDocument")
async def senddocument_param(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    content: JsonDict = {"document": document_param(s, p.require("document"), p.files)}
    return _deliver_with_caption(s, chat, p, "sendDocument", content)


@method("sendVoice")
async def send_voice(s: SandboxState, p: Params) -> Any:
    """A voice note by the file id of one Telegram knows (a person's, forwarded by the bot)."""
    chat = s.find_chat(p.require("chat_id"))
    value = p.require("voice")
    known = s.files.get(value) if isinstance(value, str) else None
    if known is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if known.kind != "voice":
        raise bad_request(f"can't use file of type {known.kind.capitalize()} as Voice")
    voice: JsonDict = {
        "file_id": known.file_id,
        "file_unique_id": known.file_unique_id,
        "duration": int(p.get("duration") or 1),
        "mime_type": known.mime_type or "audio/ogg",
        "file_size": known.file_size,
    }
    return _deliver_with_caption(s, chat, p, "sendVoice", {"voice": voice})


def _deliver_with_caption(
    s: SandboxState, chat: ChatState, p: Params, method: str, content: JsonDict
) -> Any:
    """Store a captioned file message (photo or document) and return it as Telegram would."""
    source, caption = caption_content(p, content)
    reply = reply_target(s, chat, p)
    stored = deliver(
        s,
        chat,
        method,
        content,
        source=source,
        plain=caption or "",
        caption=caption,
        markup=markup_param(p),
        reply=reply,
    )
    return as_result(stored)


@method("sendMediaGroup")
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
    reply = reply_target(s, chat, p)
    group_id = s.new_media_group_id()
    contents: list[tuple[JsonDict, str, str | None]] = []
    for item in media:
        content: JsonDict = {}
        if item["type"] == "photo":
            content["photo"] = photo_sizes(s, item.get("media"), p.files)
        else:
            content["document"] = document_param(s, item.get("media"), p.files)
        source, caption = caption_content(Params(item), content)
        content["media_group_id"] = group_id
        contents.append((content, source, caption))
    results: list[JsonDict] = []
    for content, source, caption in contents:
        stored = deliver(
            s,
            chat,
            "sendMediaGroup",
            content,
            source=source,
            plain=caption or "",
            caption=caption,
            reply=reply,
        )
        results.append(as_result(stored))
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


@method("sendLocation")
async def send_location(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    content: JsonDict = {"location": _location(p)}
    reply = reply_target(s, chat, p)
    stored = deliver(s, chat, "sendLocation", content, markup=markup_param(p), reply=reply)
    return as_result(stored)


@method("sendVenue")
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
    reply = reply_target(s, chat, p)
    stored = deliver(s, chat, "sendVenue", content, markup=markup_param(p), reply=reply)
    return as_result(stored)


@method("sendChatAction")
async def send_chat_action(s: SandboxState, p: Params) -> Any:
    s.find_chat(p.require("chat_id"))
    if p.get_str("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


@method("sendPoll")
async def send_poll(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    question = parse_entities(p.get_str("question") or "", p.get_str("question_parse_mode"), None)
    options = p.get_json("options")
    if not isinstance(options, list):
        raise bad_request("can't parse options JSON object")
    poll_options: list[JsonDict] = []
    for index, option in enumerate(options):
        text = option.get("text", "") if isinstance(option, dict) else str(option)
        mode = option.get("text_parse_mode") if isinstance(option, dict) else None
        poll_options.append(
            {
                "persistent_id": str(index),
                "text": parse_entities(text, mode, None).text,
                "voter_count": 0,
            }
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
    reply = reply_target(s, chat, p)
    stored = deliver(
        s,
        chat,
        "sendPoll",
        {"poll": poll},
        source=p.get_str("question") or "",
        plain=question.text,
        markup=markup_param(p),
        reply=reply,
    )
    return as_result(stored)


@method("stopPoll")
async def stop_poll(s: SandboxState, p: Params) -> Any:
    chat = s.find_chat(p.require("chat_id"))
    stored = chat.messages.get(p.get_int("message_id") or 0)
    if stored is None or stored.deleted or "poll" not in stored.data:
        raise bad_request("message with poll to stop not found")
    poll = stored.data["poll"]
    if poll["is_closed"]:
        raise bad_request("poll has already been closed")
    poll["is_closed"] = True
    markup = markup_param(p)
    if markup is not None:
        edit_markup(stored, markup)
    s.log_line(chat.chat_id, f"bot stops poll #{stored.message_id} in {chat.name}")
    s.notify()
    return copy.deepcopy(poll)
