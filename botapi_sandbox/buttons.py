"""Which buttons a person sees in a chat, and what pressing one sends to the bot."""

from __future__ import annotations

import copy

from .expectations import markup_labels
from .models import CallbackQueryRecord, SentMessage
from .state import ChatState, JsonDict, SandboxState

__all__ = [
    "UNSUPPORTED_REPLY_BUTTONS",
    "callback_query",
    "describe_buttons",
    "find_on_message",
    "find_on_screen",
]

UNSUPPORTED_REPLY_BUTTONS = (
    "request_users",
    "request_chat",
    "request_poll",
    "request_managed_bot",
    "web_app",
)


def _label(button: object) -> object:
    """A reply-keyboard button is a plain label or a KeyboardButton object."""
    return button.get("text") if isinstance(button, dict) else button


def find_on_screen(chat: ChatState, label: str) -> tuple[int | None, object] | None:
    """(message id, inline button), newest message first, or (None, reply-keyboard button)."""
    for stored in reversed(chat.bot_messages):
        if stored.deleted:
            continue
        for row in (stored.markup or {}).get("inline_keyboard", []):
            for candidate in row:
                if isinstance(candidate, dict) and candidate.get("text") == label:
                    return stored.message_id, candidate
    for row in (chat.reply_keyboard or {}).get("keyboard", []):
        for key in row:
            if _label(key) == label:
                return None, key
    return None


def find_on_message(
    chat: ChatState, message: SentMessage, label: str
) -> tuple[int | None, object] | None:
    """The button ``label`` of this (possibly outdated) message, inline or reply keyboard."""
    button: JsonDict | None = message.inline_button(label)
    if button is None:
        stored = chat.messages.get(message.message_id)
        if stored is not None and not stored.deleted:
            button = stored.snapshot().inline_button(label)
    if button is not None:
        return message.message_id, button
    for row in (message.reply_markup or {}).get("keyboard", []):
        for key in row:
            if _label(key) == label:
                return None, key
    return None


def describe_buttons(chat: ChatState) -> str:
    """Every button on screen, for an assertion message."""
    inline: list[str] = []
    for stored in reversed(chat.bot_messages):
        if not stored.deleted:
            labels = markup_labels(stored.markup, "inline_keyboard")
            if labels:
                inline.append(f"#{stored.message_id}: " + " | ".join(labels))
    keyboard = " | ".join(markup_labels(chat.reply_keyboard, "keyboard")) or "(none)"
    return (
        f"inline buttons (newest first): {'; '.join(inline) or '(none)'}; "
        f"reply keyboard: {keyboard}"
    )


def callback_query(
    sb: SandboxState,
    chat: ChatState,
    sender: JsonDict,
    message_id: int,
    data: str,
    label: str | None,
) -> JsonDict:
    """The CallbackQuery a press makes (recorded, so the sandbox knows if it is answered)."""
    stored = chat.messages.get(message_id)
    if stored is not None and not stored.deleted:
        message = copy.deepcopy(stored.data)
    else:  # InaccessibleMessage
        message = {"chat": dict(chat.chat), "message_id": message_id, "date": 0}
    query_id = sb.new_callback_query_id()
    sb.callback_queries[query_id] = CallbackQueryRecord(
        query_id=query_id,
        user_id=int(sender["id"]),
        chat_id=chat.chat_id,
        message_id=message_id,
        data=data,
        label=label,
    )
    return {
        "id": query_id,
        "from": dict(sender),
        "message": message,
        "chat_instance": chat.chat_instance,
        "data": data,
    }
