"""Editing and deleting messages, answering button presses, and getFile."""

from __future__ import annotations

from typing import Any

from ..errors import bad_request
from ..files import MAX_DOWNLOAD_SIZE
from ..models import CallbackAnswer, EditRecord, StoredMessage
from ..state import ChatState, JsonDict, SandboxState
from .delivery import (
    as_result,
    caption_content,
    edit_markup,
    inline_only,
    markup_param,
    parse_entities,
)
from .params import Params, method

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


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


def _commit_edit(s: SandboxState, chat: ChatState, stored: StoredMessage, method: str) -> JsonDict:
    stored.edits += 1
    stored.data["edit_date"] = s.now()
    s.edits.append(
        EditRecord(s.next_seq(), chat.chat_id, stored.message_id, method, stored.snapshot())
    )
    description = s.describe_bot_message(stored, stored.markup)
    s.log_line(chat.chat_id, f"bot edits #{stored.message_id} -> {chat.name}: {description}")
    s.notify()
    return as_result(stored)


@method("editMessageText")
async def edit_message_text(s: SandboxState, p: Params) -> Any:
    chat, stored = _edit_target(s, p, "edit")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    text = p.get_str("text") or ""
    parsed = parse_entities(text, p.get_str("parse_mode"), p.get_json("entities"))
    if not parsed.text:
        raise bad_request("message text is empty")
    markup = markup_param(p)
    before = (stored.data.get("text"), stored.data.get("entities"), stored.data.get("reply_markup"))
    if before == (parsed.text, parsed.entities or None, inline_only(markup)):
        raise bad_request(NOT_MODIFIED)
    stored.data["text"] = parsed.text
    if parsed.entities:
        stored.data["entities"] = parsed.entities
    else:
        stored.data.pop("entities", None)
    stored.source, stored.plain = text, parsed.text
    edit_markup(stored, markup)
    return _commit_edit(s, chat, stored, "editMessageText")


@method("editMessageCaption")
async def edit_message_caption(s: SandboxState, p: Params) -> Any:
    chat, stored = _edit_target(s, p, "edit")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    if not any(k in stored.data for k in ("photo", "document", "video", "audio", "animation")):
        raise bad_request("there is no caption in the message to edit")
    content: JsonDict = {}
    source, caption = caption_content(p, content)
    markup = markup_param(p)
    before = (
        stored.data.get("caption"),
        stored.data.get("caption_entities"),
        stored.data.get("reply_markup"),
    )
    after = (content.get("caption"), content.get("caption_entities"), inline_only(markup))
    if before == after:
        raise bad_request(NOT_MODIFIED)
    for key in ("caption", "caption_entities"):
        stored.data.pop(key, None)
    stored.data.update(content)
    stored.source, stored.plain, stored.caption = source, caption or "", caption
    edit_markup(stored, markup)
    return _commit_edit(s, chat, stored, "editMessageCaption")


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(s: SandboxState, p: Params) -> Any:
    chat, stored = _edit_target(s, p, "edit")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    markup = markup_param(p)
    if stored.data.get("reply_markup") == inline_only(markup):
        raise bad_request(NOT_MODIFIED)
    edit_markup(stored, markup)
    return _commit_edit(s, chat, stored, "editMessageReplyMarkup")


@method("deleteMessage")
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


@method("answerCallbackQuery")
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


@method("getFile")
async def get_file(s: SandboxState, p: Params) -> Any:
    stored = s.files.get(p.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.file_size > MAX_DOWNLOAD_SIZE:
        raise bad_request("file is too big")
    s.files.path_for(stored)
    return stored.as_file()
