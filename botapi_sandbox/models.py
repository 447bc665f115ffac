"""Plain data records kept by the sandbox and handed to tests."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "ApiCall",
    "CallbackAnswer",
    "CallbackQueryRecord",
    "EditRecord",
    "Rejection",
    "SentMessage",
    "StoredFile",
    "StoredMessage",
    "TranscriptLine",
    "UploadedFile",
]

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a ``multipart/form-data`` request."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"<UploadedFile {self.field_name}={self.filename!r} {len(self.data)} bytes>"


class ApiCall(NamedTuple):
    """One request the bot made: method, parsed parameters, whether it succeeded; when it was
    answered (time.monotonic()), and a refusal's error code and retry_after."""

    method: str
    params: JsonDict
    ok: bool
    at: float = 0.0
    error_code: int | None = None
    retry_after: int | None = None


@dataclass(frozen=True)
class Rejection:
    """A request the real Bot API would have refused."""

    method: str
    params: JsonDict
    error_code: int
    description: str

    def __str__(self) -> str:
        shown = {k: _abbreviate(v) for k, v in self.params.items()}
        return f"{self.method} -> {self.error_code} {self.description} (params: {shown!r})"


def _abbreviate(value: object, limit: int = 120) -> object:
    if isinstance(value, str) and len(value) > limit:
        return f"{value[: limit - 20]}...<{len(value)} chars>"
    return value


@dataclass
class StoredFile:
    """A file known to the sandbox (sent by a person or uploaded by the bot)."""

    file_id: str
    file_unique_id: str
    kind: str  # photo, document, sticker, voice, video
    data: bytes | None = field(repr=False)
    file_size: int
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    file_path: str | None = None

    def as_file(self) -> JsonDict:
        """The ``File`` object returned by getFile."""
        result: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_path is not None:
            result["file_path"] = self.file_path
        return result


def _markup_labels(markup: JsonDict | None, key: str) -> list[list[str]]:
    if not markup or key not in markup:
        return []
    rows: list[list[str]] = []
    for row in markup[key]:
        rows.append([b if isinstance(b, str) else str(b.get("text", "")) for b in row])
    return rows


@dataclass(frozen=True)
class SentMessage:
    """A snapshot of a message the bot sent (edits applied up to the moment it was taken).

    ``text`` is the plain text the user sees (text, or caption for media; HTML tags stripped),
    ``html`` the raw text/caption as the bot sent it, ``caption`` the plain caption (media
    only), ``reply_markup`` whatever markup the bot attached (inline or reply keyboard).
    """

    message_id: int
    chat_id: int
    method: str
    text: str
    html: str
    caption: str | None
    photo: tuple[str, ...]
    document: str | None
    reply_markup: JsonDict | None
    edits: int
    deleted: bool
    media_group_id: str | None
    #: ``text`` as the message was first sent, before any edit
    original_text: str = field(default="", compare=False)
    data: JsonDict = field(default_factory=dict, repr=False, compare=False)

    def button_rows(self) -> list[list[str]]:
        """Inline keyboard labels, row by row."""
        return _markup_labels(self.reply_markup, "inline_keyboard")

    def buttons(self) -> list[str]:
        """Inline keyboard button labels, in reading order."""
        return [label for row in self.button_rows() for label in row]

    def keyboard(self) -> list[str]:
        """Reply keyboard button labels, in reading order."""
        return [label for row in _markup_labels(self.reply_markup, "keyboard") for label in row]

    def inline_button(self, label: str) -> JsonDict | None:
        """The inline button with exactly this text, if any."""
        if not self.reply_markup:
            return None
        for row in self.reply_markup.get("inline_keyboard", []):
            for button in row:
                if isinstance(button, dict) and button.get("text") == label:
                    return dict(button)
        return None

    def callback_data(self, label: str) -> str | None:
        """The callback_data of the inline button labelled ``label``."""
        button = self.inline_button(label)
        data = button.get("callback_data") if button else None
        return data if isinstance(data, str) else None


@dataclass
class StoredMessage:
    """A message in a chat (from the bot or from a person), its current state."""

    chat_id: int
    message_id: int
    data: JsonDict
    from_bot: bool
    seq: int
    method: str = ""
    source: str = ""  # text or caption as the bot sent it (raw, before entity parsing)
    plain: str = ""  # text or caption as the user sees it
    original_plain: str = ""  # ``plain`` as first sent
    caption: str | None = None
    markup: JsonDict | None = None
    edits: int = 0
    deleted: bool = False

    def snapshot(self) -> SentMessage:
        photo = self.data.get("photo") or []
        document = self.data.get("document")
        return SentMessage(
            message_id=self.message_id,
            chat_id=self.chat_id,
            method=self.method,
            text=self.plain,
            html=self.source,
            caption=self.caption,
            photo=tuple(str(p["file_id"]) for p in photo),
            document=str(document["file_id"]) if isinstance(document, dict) else None,
            reply_markup=copy.deepcopy(self.markup),
            edits=self.edits,
            deleted=self.deleted,
            media_group_id=self.data.get("media_group_id"),
            original_text=self.original_plain,
            data=copy.deepcopy(self.data),
        )


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery for a button a person pressed."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    callback_data: str | None
    chat_id: int | None
    user_id: int


@dataclass
class CallbackQueryRecord:
    query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    label: str | None
    answered: bool = False


@dataclass(frozen=True)
class EditRecord:
    seq: int
    chat_id: int
    message_id: int
    method: str
    message: SentMessage


@dataclass(frozen=True)
class TranscriptLine:
    chat_id: int | None
    text: str
