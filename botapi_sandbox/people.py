"""Test drivers that act as people: send messages, press buttons, and wait for the bot."""

from __future__ import annotations

import copy
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .html import utf16_len
from .models import CallbackAnswer, CallbackQueryRecord, SentMessage, StoredMessage
from .state import ChatState, JsonDict, SandboxState

__all__ = ["ChatDriver", "Group", "MediaInput", "Person"]

MediaInput = bytes | bytearray | Path
ReplyTarget = SentMessage | JsonDict | None

_FAKE_BYTES = {
    "sticker": b"RIFF\x00\x00\x00\x00WEBPVP8 sandbox-sticker",
    "voice": b"OggS\x00\x02sandbox-voice",
    "video": b"\x00\x00\x00\x18ftypmp42sandbox-video",
}
_UNSUPPORTED_REPLY_BUTTONS = (
    "request_users",
    "request_chat",
    "request_poll",
    "request_managed_bot",
    "web_app",
)


def _read(data: MediaInput) -> bytes:
    return Path(data).read_bytes() if isinstance(data, Path) else bytes(data)


def _labels(markup: JsonDict | None, key: str) -> list[str]:
    if not markup or key not in markup:
        return []
    return [b if isinstance(b, str) else str(b.get("text", "")) for r in markup[key] for b in r]


class ChatDriver:
    """One chat seen from the people's side: what the bot sent, and expectations on it."""

    def __init__(self, sandbox: SandboxState, chat_id: int) -> None:
        self._sb = sandbox
        self._chat_id = chat_id
        self._msg_cursor = 0
        self._edit_cursor = 0
        self._answer_cursor = 0  # index into _queries
        self._queries: list[str] = []  # callback queries created by presses in this chat

    # -- what the bot sent ------------------------------------------------------------------

    @property
    def chat(self) -> ChatState:
        return self._sb.chats[self._chat_id]

    @property
    def chat_id(self) -> int:
        return self._chat_id

    @property
    def name(self) -> str:
        return self.chat.name

    @property
    def messages(self) -> list[SentMessage]:
        """Every message the bot sent to this chat, in order, as it is now (deleted left out)."""
        return [m.snapshot() for m in self.chat.bot_messages if not m.deleted]

    @property
    def last_message(self) -> SentMessage | None:
        messages = self.messages
        return messages[-1] if messages else None

    @property
    def reply_keyboard(self) -> list[str]:
        """Labels of the reply keyboard currently shown in this chat."""
        return _labels(self.chat.reply_keyboard, "keyboard")

    def transcript(self) -> str:
        return self._sb.transcript(self._chat_id)

    def _explain(self, headline: str) -> str:
        text = f"{headline}\n--- transcript of {self.name} ---\n{self.transcript() or '(empty)'}"
        if self._sb.rejections:
            listing = "\n".join(f"  - {r}" for r in self._sb.rejections)
            text += f"\n--- rejected requests ---\n{listing}"
        return text

    async def expect_message(
        self,
        containing: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test-facing API is deliberately simple
    ) -> SentMessage:
        """Wait for a new bot message (after the read cursor) whose plain text contains
        ``containing``; move the cursor past it and return it."""
        chat = self.chat

        def probe() -> int | None:
            for index in range(self._msg_cursor, len(chat.bot_messages)):
                if containing is None or containing in chat.bot_messages[index].plain:
                    return index
            return None

        index = await self._sb.wait_for(probe, timeout)
        if index is None:
            what = f" containing {containing!r}" if containing is not None else ""
            skipped = [m.plain for m in chat.bot_messages[self._msg_cursor :]]
            note = f"\nnew messages that did not match: {skipped!r}" if skipped else ""
            raise AssertionError(
                self._explain(f"{self.name}: no new bot message{what} within {timeout}s{note}")
            )
        self._msg_cursor = index + 1
        return chat.bot_messages[index].snapshot()

    async def expect_edit(
        self,
        containing: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> SentMessage:
        """Wait for an edit (text, caption or markup) of a message in this chat."""
        edits = self._sb.edits

        def probe() -> int | None:
            for index in range(self._edit_cursor, len(edits)):
                record = edits[index]
                if record.chat_id == self._chat_id and (
                    containing is None or containing in record.message.text
                ):
                    return index
            return None

        index = await self._sb.wait_for(probe, timeout)
        if index is None:
            what = f" containing {containing!r}" if containing is not None else ""
            raise AssertionError(self._explain(f"{self.name}: no edit{what} within {timeout}s"))
        self._edit_cursor = index + 1
        return edits[index].message

    async def expect_no_message(self, within: float = 0.5) -> None:
        """Assert that the bot sends nothing new to this chat for ``within`` seconds."""
        chat = self.chat

        def probe() -> StoredMessage | None:
            if len(chat.bot_messages) > self._msg_cursor:
                return chat.bot_messages[self._msg_cursor]
            return None

        unexpected = await self._sb.wait_for(probe, within)
        if unexpected is not None:
            raise AssertionError(
                self._explain(f"{self.name}: expected no new bot message, got {unexpected.plain!r}")
            )

    async def expect_callback_answer(
        self,
        containing: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """Wait for the bot's answerCallbackQuery to the latest button press in this chat.

        Presses are checked newest first: the answer to the most recent press not checked yet
        (with ``containing``: the most recent one whose answer contains it). Older presses
        nobody asked about are skipped, so onboarding taps don't get in the way.
        """
        queries = self._queries

        def probe() -> int | None:
            answered = {a.query_id: a for a in self._sb.answers}
            for index in range(len(queries) - 1, self._answer_cursor - 1, -1):
                answer = answered.get(queries[index])
                if containing is None:
                    return index if answer is not None else None  # only the latest press
                if answer is not None and containing in (answer.text or ""):
                    return index
            return None

        index = await self._sb.wait_for(probe, timeout)
        if index is None:
            what = f" containing {containing!r}" if containing is not None else ""
            pending = len(queries) - self._answer_cursor
            raise AssertionError(
                self._explain(
                    f"{self.name}: no callback answer{what} within {timeout}s "
                    f"({pending} button press(es) not checked yet)"
                )
            )
        self._answer_cursor = index + 1
        answer = next(a for a in self._sb.answers if a.query_id == queries[index])
        return answer

    # -- acting as a member of this chat --------------------------------------------------------

    def _who(self, sender: JsonDict) -> str:
        if self.chat.is_private:
            return str(sender["first_name"])
        return f"{sender['first_name']} @ {self.name}"

    def _delivered(self, content: JsonDict) -> bool:
        """Group privacy mode: only commands and replies to the bot reach it."""
        if self.chat.is_private or not self._sb.group_privacy:
            return True
        text = str(content.get("text") or content.get("caption") or "")
        reply = content.get("reply_to_message")
        replied_to_bot = isinstance(reply, dict) and reply.get("from", {}).get("is_bot")
        return text.startswith("/") or bool(replied_to_bot)

    def _post(
        self,
        sender: JsonDict,
        contents: list[JsonDict],
        line: str,
        reply_to: ReplyTarget = None,
        *,
        action: bool = False,
    ) -> list[JsonDict]:
        chat = self.chat
        reply_id: int | None = None
        if reply_to is not None:
            reply_id = int(
                reply_to.message_id if isinstance(reply_to, SentMessage) else reply_to["message_id"]
            )
        elif chat.force_reply_to is not None:
            reply_id, chat.force_reply_to = chat.force_reply_to, None
        posted: list[JsonDict] = []
        for index, content in enumerate(contents):
            if reply_id is not None and index == 0:
                snapshot = self._sb.reply_snapshot(chat, reply_id)
                if snapshot is not None:
                    content["reply_to_message"] = snapshot
            stored = self._sb.new_message(chat, sender, content, from_bot=False)
            posted.append(copy.deepcopy(stored.data))
        if chat.is_private:
            self._sb.not_started.discard(int(sender["id"]))
        delivered = [m for m in posted if self._delivered(m)]
        suffix = "" if delivered else "  (not delivered: group privacy mode)"
        separator = " " if action else ": "
        self._sb.log_line(self._chat_id, f"{self._who(sender)}{separator}{line}{suffix}")
        self._sb.queue_updates([("message", m) for m in delivered])
        return posted

    def _text(self, sender: JsonDict, text: str, reply_to: ReplyTarget) -> JsonDict:
        content: JsonDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._post(sender, [content], text, reply_to)[0]

    def _photo_content(
        self, data: MediaInput, caption: str | None, file_size: int | None
    ) -> JsonDict:
        content: JsonDict = {"photo": self._sb.store_photo(_read(data), file_size=file_size)}
        if caption:
            content["caption"] = caption
        return content

    def _photo(
        self, sender: JsonDict, data: MediaInput, caption: str | None, file_size: int | None
    ) -> JsonDict:
        content = self._photo_content(data, caption, file_size)
        line = f"[photo] {caption}" if caption else "[photo]"
        return self._post(sender, [content], line)[0]

    def _album(
        self, sender: JsonDict, items: Sequence[MediaInput], caption: str | None
    ) -> list[JsonDict]:
        if len(items) < 2:
            raise ValueError("an album needs at least two photos")
        group_id = self._sb.new_media_group_id()
        contents: list[JsonDict] = []
        for index, item in enumerate(items):
            content = self._photo_content(item, caption if index == 0 else None, None)
            content["media_group_id"] = group_id
            contents.append(content)
        line = f"[album of {len(items)} photos]" + (f" {caption}" if caption else "")
        return self._post(sender, contents, line)

    def _file_message(
        self,
        sender: JsonDict,
        kind: str,
        data: bytes,
        fields: JsonDict,
        *,
        file_size: int | None,
        mime_type: str | None,
        file_name: str | None = None,
        caption: str | None = None,
    ) -> JsonDict:
        stored = self._sb.store_file(
            kind,
            data,
            file_size=file_size,
            mime_type=mime_type,
            file_name=file_name,
            width=fields.get("width"),
            height=fields.get("height"),
        )
        obj: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        obj.update(fields)
        if file_name:
            obj["file_name"] = file_name
        if mime_type and kind != "sticker":
            obj["mime_type"] = mime_type
        obj["file_size"] = stored.file_size
        content: JsonDict = {kind: obj}
        if caption:
            content["caption"] = caption
        label = f"[{kind}{' ' + file_name if file_name else ''}, {stored.file_size} bytes]"
        return self._post(sender, [content], label + (f" {caption}" if caption else ""))[0]

    def _document(
        self,
        sender: JsonDict,
        data: MediaInput,
        file_name: str | None,
        mime_type: str | None,
        file_size: int | None,
        caption: str | None,
    ) -> JsonDict:
        if file_name is None:
            file_name = data.name if isinstance(data, Path) else "document.bin"
        if mime_type is None:
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        return self._file_message(
            sender,
            "document",
            _read(data),
            {},
            file_size=file_size,
            mime_type=mime_type,
            file_name=file_name,
            caption=caption,
        )

    def _location(self, sender: JsonDict, latitude: float, longitude: float) -> JsonDict:
        content: JsonDict = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._post(sender, [content], f"[location {latitude}, {longitude}]")[0]

    def _venue(
        self, sender: JsonDict, latitude: float, longitude: float, title: str, address: str
    ) -> JsonDict:
        location = {"latitude": latitude, "longitude": longitude}
        content: JsonDict = {
            "venue": {"location": location, "title": title, "address": address},
            "location": dict(location),
        }
        return self._post(sender, [content], f"[venue {title}, {address}]")[0]

    def _contact(self, sender: JsonDict, phone_number: str, tapped: str | None = None) -> JsonDict:
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": sender["first_name"],
            "user_id": sender["id"],
        }
        if tapped is not None:
            line = f"taps [{tapped}] (shares {phone_number})"
            return self._post(sender, [{"contact": contact}], line, action=True)[0]
        return self._post(sender, [{"contact": contact}], f"[contact {phone_number}]")[0]

    # -- pressing buttons -------------------------------------------------------------------

    def _press_callback(
        self, sender: JsonDict, message_id: int, data: str, line: str, label: str | None
    ) -> JsonDict:
        chat = self.chat
        stored = chat.messages.get(message_id)
        if stored is not None and not stored.deleted:
            message = copy.deepcopy(stored.data)
        else:  # InaccessibleMessage
            message = {"chat": dict(chat.chat), "message_id": message_id, "date": 0}
        query_id = self._sb.new_callback_query_id()
        query: JsonDict = {
            "id": query_id,
            "from": dict(sender),
            "message": message,
            "chat_instance": chat.chat_instance,
            "data": data,
        }
        self._sb.callback_queries[query_id] = CallbackQueryRecord(
            query_id=query_id,
            user_id=int(sender["id"]),
            chat_id=self._chat_id,
            message_id=message_id,
            data=data,
            label=label,
        )
        self._queries.append(query_id)
        self._sb.log_line(self._chat_id, f"{self._who(sender)} {line}")
        self._sb.queue_updates([("callback_query", query)])
        return query

    def _press_inline(
        self, sender: JsonDict, message_id: int, button: JsonDict, label: str
    ) -> JsonDict:
        data = button.get("callback_data")
        if isinstance(data, str):
            return self._press_callback(sender, message_id, data, f"taps [{label}]", label)
        kinds = sorted(k for k in button if k not in ("text", "style", "icon_custom_emoji_id"))
        raise AssertionError(
            f"button [{label}] is a {', '.join(kinds)} button: pressing it sends no update to "
            "the bot (only callback_data buttons do)"
        )

    def _press_reply(
        self,
        sender: JsonDict,
        button: object,
        label: str,
        latitude: float | None,
        longitude: float | None,
        phone_number: str | None,
    ) -> JsonDict:
        spec = button if isinstance(button, dict) else {"text": button}
        if spec.get("request_location"):
            if latitude is None or longitude is None:
                raise AssertionError(
                    f"[{label}] requests the location: call tap({label!r}, latitude=..., "
                    "longitude=...)"
                )
            content: JsonDict = {"location": {"latitude": latitude, "longitude": longitude}}
            line = f"taps [{label}] (location {latitude}, {longitude})"
            return self._post(sender, [content], line, action=True)[0]
        if spec.get("request_contact"):
            if phone_number is None:
                raise AssertionError(
                    f"[{label}] requests the phone number: call tap({label!r}, phone_number=...)"
                )
            return self._contact(sender, phone_number, tapped=label)
        for key in _UNSUPPORTED_REPLY_BUTTONS:
            if key in spec:
                raise AssertionError(f"[{label}] is a {key} button; the sandbox can't press it")
        return self._post_tap_text(sender, label)

    def _post_tap_text(self, sender: JsonDict, label: str) -> JsonDict:
        content: JsonDict = {"text": label}
        return self._post(sender, [content], f"taps [{label}]", action=True)[0]

    def _available_buttons(self) -> str:
        inline: list[str] = []
        for stored in reversed(self.chat.bot_messages):
            if not stored.deleted:
                labels = _labels(stored.markup, "inline_keyboard")
                if labels:
                    inline.append(f"#{stored.message_id}: " + " | ".join(labels))
        keyboard = " | ".join(_labels(self.chat.reply_keyboard, "keyboard")) or "(none)"
        return (
            f"inline buttons (newest first): {'; '.join(inline) or '(none)'}; "
            f"reply keyboard: {keyboard}"
        )

    def _find_button(self, label: str) -> tuple[int | None, object] | None:
        """(message id, inline button) or (None, reply-keyboard button) labelled ``label``."""
        for stored in reversed(self.chat.bot_messages):
            if stored.deleted:
                continue
            for row in (stored.markup or {}).get("inline_keyboard", []):
                for candidate in row:
                    if isinstance(candidate, dict) and candidate.get("text") == label:
                        return stored.message_id, candidate
        for row in (self.chat.reply_keyboard or {}).get("keyboard", []):
            for key in row:
                if (key if isinstance(key, str) else key.get("text")) == label:
                    return None, key
        return None

    async def _tap(
        self,
        sender: JsonDict,
        label: str,
        message: SentMessage | None,
        latitude: float | None,
        longitude: float | None,
        phone_number: str | None,
        wait: float,
    ) -> JsonDict:
        if message is not None:
            button: JsonDict | None = message.inline_button(label)
            if button is None:
                stored = self.chat.messages.get(message.message_id)
                if stored is not None and not stored.deleted:
                    button = stored.snapshot().inline_button(label)
            if button is not None:
                return self._press_inline(sender, message.message_id, button, label)
            for row in (message.reply_markup or {}).get("keyboard", []):
                for key in row:
                    if (key if isinstance(key, str) else key.get("text")) == label:
                        return self._press_reply(
                            sender, key, label, latitude, longitude, phone_number
                        )
            raise AssertionError(
                f"{self.name}: message #{message.message_id} has no button [{label}]; it has "
                f"{message.buttons() or message.keyboard()}"
            )
        # a person can only press what is on screen: give the bot ``wait`` seconds to show it
        found = await self._sb.wait_for(lambda: self._find_button(label), wait)
        if found is None:
            raise AssertionError(
                self._explain(
                    f"{self.name}: there is no button [{label}] (waited {wait}s). "
                    f"{self._available_buttons()}"
                )
            )
        message_id, button_spec = found
        if message_id is not None and isinstance(button_spec, dict):
            return self._press_inline(sender, message_id, button_spec, label)
        return self._press_reply(sender, button_spec, label, latitude, longitude, phone_number)

    async def _tap_data(
        self, sender: JsonDict, data: str, message: SentMessage | None, wait: float
    ) -> JsonDict:
        if message is not None:
            message_id = message.message_id
        else:

            def newest() -> int | None:
                live = [m for m in self.chat.bot_messages if not m.deleted]
                return live[-1].message_id if live else None

            found = await self._sb.wait_for(newest, wait)
            if found is None:
                raise AssertionError(f"{self.name}: the bot has sent no message to press on")
            message_id = found
        line = f"taps a button with callback_data {data!r} on #{message_id}"
        return self._press_callback(sender, message_id, data, line, None)


class Person(ChatDriver):
    """A Telegram user talking to the bot in their private chat (chat id == user id)."""

    def __init__(self, sandbox: SandboxState, user: JsonDict) -> None:
        super().__init__(sandbox, int(user["id"]))
        self._user = dict(user)

    @property
    def user(self) -> JsonDict:
        return dict(self._user)

    @property
    def user_id(self) -> int:
        return int(self._user["id"])

    @property
    def first_name(self) -> str:
        return str(self._user["first_name"])

    async def send(self, text: str, *, reply_to: ReplyTarget = None) -> JsonDict:
        """A text message (a leading ``/command`` gets its bot_command entity)."""
        return self._text(self._user, text, reply_to)

    async def tap(
        self,
        label: str,
        *,
        message: SentMessage | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        phone_number: str | None = None,
        wait: float = 5.0,
    ) -> JsonDict:
        """Press the inline button (newest message first) or reply-keyboard button ``label``.

        Waits up to ``wait`` seconds for such a button to be on screen; ``message=`` presses a
        button of that (possibly outdated) message instead. Request-location / contact
        buttons need ``latitude``/``longitude`` / ``phone_number``.
        """
        return await self._tap(self._user, label, message, latitude, longitude, phone_number, wait)

    async def tap_data(
        self, data: str, message: SentMessage | None = None, *, wait: float = 5.0
    ) -> JsonDict:
        """A callback_query with arbitrary data, on the last bot message or ``message``."""
        return await self._tap_data(self._user, data, message, wait)

    async def send_photo(
        self, data: MediaInput, caption: str | None = None, *, file_size: int | None = None
    ) -> JsonDict:
        return self._photo(self._user, data, caption, file_size)

    async def send_album(
        self, items: Sequence[MediaInput], caption: str | None = None
    ) -> list[JsonDict]:
        return self._album(self._user, items, caption)

    async def send_document(
        self,
        data: MediaInput,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
        *,
        caption: str | None = None,
    ) -> JsonDict:
        return self._document(self._user, data, file_name, mime_type, file_size, caption)

    async def send_sticker(
        self, *, emoji: str = "👍", data: MediaInput | None = None, file_size: int | None = None
    ) -> JsonDict:
        return _sticker(self, self._user, emoji, data, file_size)

    async def send_voice(
        self,
        *,
        duration: int = 3,
        data: MediaInput | None = None,
        file_size: int | None = None,
        caption: str | None = None,
    ) -> JsonDict:
        return _voice(self, self._user, duration, data, file_size, caption)

    async def send_video(
        self,
        data: MediaInput | None = None,
        *,
        duration: int = 5,
        width: int = 1280,
        height: int = 720,
        file_size: int | None = None,
        caption: str | None = None,
    ) -> JsonDict:
        return _video(self, self._user, data, duration, width, height, file_size, caption)

    async def send_location(self, latitude: float, longitude: float) -> JsonDict:
        return self._location(self._user, latitude, longitude)

    async def send_venue(
        self, latitude: float, longitude: float, title: str, address: str
    ) -> JsonDict:
        return self._venue(self._user, latitude, longitude, title, address)

    async def send_contact(self, phone_number: str) -> JsonDict:
        return self._contact(self._user, phone_number)


class Group(ChatDriver):
    """A supergroup; every action names the member who performs it."""

    async def send(self, person: Person, text: str, *, reply_to: ReplyTarget = None) -> JsonDict:
        return self._text(person.user, text, reply_to)

    async def tap(
        self,
        person: Person,
        label: str,
        *,
        message: SentMessage | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        phone_number: str | None = None,
        wait: float = 5.0,
    ) -> JsonDict:
        return await self._tap(person.user, label, message, latitude, longitude, phone_number, wait)

    async def tap_data(
        self,
        person: Person,
        data: str,
        message: SentMessage | None = None,
        *,
        wait: float = 5.0,
    ) -> JsonDict:
        return await self._tap_data(person.user, data, message, wait)

    async def send_photo(
        self,
        person: Person,
        data: MediaInput,
        caption: str | None = None,
        *,
        file_size: int | None = None,
    ) -> JsonDict:
        return self._photo(person.user, data, caption, file_size)

    async def send_album(
        self, person: Person, items: Sequence[MediaInput], caption: str | None = None
    ) -> list[JsonDict]:
        return self._album(person.user, items, caption)

    async def send_document(
        self,
        person: Person,
        data: MediaInput,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
        *,
        caption: str | None = None,
    ) -> JsonDict:
        return self._document(person.user, data, file_name, mime_type, file_size, caption)

    async def send_sticker(
        self,
        person: Person,
        *,
        emoji: str = "👍",
        data: MediaInput | None = None,
        file_size: int | None = None,
    ) -> JsonDict:
        return _sticker(self, person.user, emoji, data, file_size)

    async def send_voice(
        self,
        person: Person,
        *,
        duration: int = 3,
        data: MediaInput | None = None,
        file_size: int | None = None,
        caption: str | None = None,
    ) -> JsonDict:
        return _voice(self, person.user, duration, data, file_size, caption)

    async def send_video(
        self,
        person: Person,
        data: MediaInput | None = None,
        *,
        duration: int = 5,
        width: int = 1280,
        height: int = 720,
        file_size: int | None = None,
        caption: str | None = None,
    ) -> JsonDict:
        return _video(self, person.user, data, duration, width, height, file_size, caption)

    async def send_location(self, person: Person, latitude: float, longitude: float) -> JsonDict:
        return self._location(person.user, latitude, longitude)

    async def send_venue(
        self, person: Person, latitude: float, longitude: float, title: str, address: str
    ) -> JsonDict:
        return self._venue(person.user, latitude, longitude, title, address)


def _sticker(
    driver: ChatDriver,
    sender: JsonDict,
    emoji: str,
    data: MediaInput | None,
    file_size: int | None,
) -> JsonDict:
    fields: dict[str, Any] = {
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "set_name": "SandboxStickers",
    }
    raw = _read(data) if data is not None else _FAKE_BYTES["sticker"]
    return driver._file_message(
        sender, "sticker", raw, fields, file_size=file_size, mime_type="image/webp"
    )


def _voice(
    driver: ChatDriver,
    sender: JsonDict,
    duration: int,
    data: MediaInput | None,
    file_size: int | None,
    caption: str | None,
) -> JsonDict:
    raw = _read(data) if data is not None else _FAKE_BYTES["voice"]
    return driver._file_message(
        sender,
        "voice",
        raw,
        {"duration": duration},
        file_size=file_size,
        mime_type="audio/ogg",
        caption=caption,
    )


def _video(
    driver: ChatDriver,
    sender: JsonDict,
    data: MediaInput | None,
    duration: int,
    width: int,
    height: int,
    file_size: int | None,
    caption: str | None,
) -> JsonDict:
    raw = _read(data) if data is not None else _FAKE_BYTES["video"]
    return driver._file_message(
        sender,
        "video",
        raw,
        {"width": width, "height": height, "duration": duration},
        file_size=file_size,
        mime_type="video/mp4",
        caption=caption,
    )
