"""People who act: a :class:`Person` in their private chat, or any person in a group.

There is one actor type. An :class:`Actor` is a user acting in one chat: it sends messages
and presses buttons there, and the sandbox queues the updates Telegram would deliver. A
:class:`Person` is the actor of their private chat and also its :class:`ChatView` (what the
bot sent them); a :class:`Group` is a chat view whose members act through
``group.member(person)``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from . import payloads
from .buttons import (
    UNSUPPORTED_REPLY_BUTTONS,
    callback_query,
    describe_buttons,
    find_on_message,
    find_on_screen,
)
from .expectations import DEFAULT_TIMEOUT, ChatView
from .models import SentMessage
from .payloads import Content, MediaInput
from .polls import cast_vote
from .state import JsonDict, SandboxState

__all__ = ["Actor", "Group", "Person", "ReplyTarget"]

ReplyTarget = SentMessage | JsonDict | None


class Actor:
    """``user`` acting in the chat of ``view``: every message and press becomes an update."""

    def __init__(self, view: ChatView, user: JsonDict) -> None:
        self._view = view
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

    # -- messages ---------------------------------------------------------------------------

    async def send(self, text: str, *, reply_to: ReplyTarget = None) -> JsonDict:
        """A text message (a leading ``/command`` gets its bot_command entity)."""
        return self._post_one(payloads.text(text), reply_to)

    async def send_photo(
        self,
        data: MediaInput,
        caption: str | None = None,
        *,
        file_size: int | None = None,
        reply_to: ReplyTarget = None,
    ) -> JsonDict:
        return self._post_one(payloads.photo(self._sandbox, data, caption, file_size), reply_to)

    async def send_album(
        self, items: Sequence[MediaInput], caption: str | None = None
    ) -> list[JsonDict]:
        contents, line = payloads.album(self._sandbox, items, caption)
        return self._post(contents, line)

    async def send_document(
        self,
        data: MediaInput,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
        *,
        caption: str | None = None,
    ) -> JsonDict:
        content = payloads.document(self._sandbox, data, file_name, mime_type, file_size, caption)
        return self._post_one(content)

    async def send_sticker(
        self, *, emoji: str = "👍", data: MediaInput | None = None, file_size: int | None = None
    ) -> JsonDict:
        return self._post_one(payloads.sticker(self._sandbox, emoji, data, file_size))

    async def send_voice(
        self,
        *,
        duration: int = 3,
        data: MediaInput | None = None,
        file_size: int | None = None,
        caption: str | None = None,
    ) -> JsonDict:
        return self._post_one(payloads.voice(self._sandbox, duration, data, file_size, caption))

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
        size = (width, height, duration)
        return self._post_one(payloads.video(self._sandbox, data, size, file_size, caption))

    async def send_location(self, latitude: float, longitude: float) -> JsonDict:
        line = f"[location {latitude}, {longitude}]"
        return self._post_one(Content(payloads.location(latitude, longitude), line))

    async def send_venue(
        self, latitude: float, longitude: float, title: str, address: str
    ) -> JsonDict:
        return self._post_one(payloads.venue(latitude, longitude, title, address))

    async def send_contact(self, phone_number: str) -> JsonDict:
        line = f"[contact {phone_number}]"
        return self._post_one(Content(payloads.contact(self._user, phone_number), line))

    async def vote(self, message: SentMessage, option_ids: Sequence[int]) -> list[JsonDict]:
        """Vote on the poll ``message`` (``[]`` retracts the vote): the updates Telegram
        sends the bot (``poll_answer`` for a non-anonymous poll, then ``poll``)."""
        chat = self._view.chat
        return cast_vote(self._sandbox, chat, self._user, message.message_id, option_ids)

    # -- buttons ----------------------------------------------------------------------------

    async def tap(
        self,
        label: str,
        *,
        message: SentMessage | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        phone_number: str | None = None,
        wait: float = DEFAULT_TIMEOUT,
    ) -> JsonDict:
        """Press the inline button (newest message first) or reply-keyboard button ``label``.

        Waits up to ``wait`` seconds for such a button to be on screen; ``message=`` presses a
        button of that (possibly outdated) message instead. Request-location / contact
        buttons need ``latitude``/``longitude`` / ``phone_number``.
        """
        chat = self._view.chat
        if message is not None:
            found = find_on_message(chat, message, label)
            if found is None:
                raise AssertionError(
                    f"{chat.name}: message #{message.message_id} has no button [{label}]; it "
                    f"has {message.buttons() or message.keyboard()}"
                )
        else:  # a person can only press what is on screen: give the bot time to show it
            found = await self._sandbox.wait_for(lambda: find_on_screen(chat, label), wait)
            if found is None:
                raise AssertionError(
                    f"{chat.name}: there is no button [{label}] (waited {wait}s). "
                    f"{describe_buttons(chat)}\n--- transcript ---\n{self._view.transcript()}"
                )
        message_id, button = found
        if message_id is not None and isinstance(button, dict):
            return self._press_inline(message_id, button, label)
        return self._press_reply(button, label, (latitude, longitude), phone_number)

    async def tap_data(
        self, data: str, message: SentMessage | None = None, *, wait: float = DEFAULT_TIMEOUT
    ) -> JsonDict:
        """A callback_query with arbitrary data, on the last bot message or ``message``."""
        chat = self._view.chat
        if message is not None:
            message_id = message.message_id
        else:

            def newest() -> int | None:
                live = [m for m in chat.bot_messages if not m.deleted]
                return live[-1].message_id if live else None

            found = await self._sandbox.wait_for(newest, wait)
            if found is None:
                raise AssertionError(f"{chat.name}: the bot has sent no message to press on")
            message_id = found
        line = f"taps a button with callback_data {data!r} on #{message_id}"
        return self._press_callback(message_id, data, line, None)

    def _press_inline(self, message_id: int, button: JsonDict, label: str) -> JsonDict:
        data = button.get("callback_data")
        if isinstance(data, str):
            return self._press_callback(message_id, data, f"taps [{label}]", label)
        kinds = sorted(k for k in button if k not in ("text", "style", "icon_custom_emoji_id"))
        raise AssertionError(
            f"button [{label}] is a {', '.join(kinds)} button: pressing it sends no update to "
            "the bot (only callback_data buttons do)"
        )

    def _press_callback(self, message_id: int, data: str, line: str, label: str | None) -> JsonDict:
        chat = self._view.chat
        query = callback_query(self._sandbox, chat, self._user, message_id, data, label)
        self._view.note_press(str(query["id"]))
        self._sandbox.log_line(chat.chat_id, f"{self._who()} {line}")
        self._sandbox.queue_updates([("callback_query", query)])
        return query

    def _press_reply(
        self,
        button: object,
        label: str,
        place: tuple[float | None, float | None],
        phone_number: str | None,
    ) -> JsonDict:
        spec = button if isinstance(button, dict) else {"text": button}
        if spec.get("request_location"):
            latitude, longitude = place
            if latitude is None or longitude is None:
                raise AssertionError(
                    f"[{label}] requests the location: call tap({label!r}, latitude=..., "
                    "longitude=...)"
                )
            line = f"taps [{label}] (location {latitude}, {longitude})"
            return self._post_one(Content(payloads.location(latitude, longitude), line), act=True)
        if spec.get("request_contact"):
            if phone_number is None:
                raise AssertionError(
                    f"[{label}] requests the phone number: call tap({label!r}, phone_number=...)"
                )
            line = f"taps [{label}] (shares {phone_number})"
            shared = payloads.contact(self._user, phone_number)
            return self._post_one(Content(shared, line), act=True)
        for key in UNSUPPORTED_REPLY_BUTTONS:
            if key in spec:
                raise AssertionError(f"[{label}] is a {key} button; the sandbox can't press it")
        return self._post_one(Content({"text": label}, f"taps [{label}]"), act=True)

    # -- posting ----------------------------------------------------------------------------

    @property
    def _sandbox(self) -> SandboxState:
        return self._view.sandbox

    def _who(self) -> str:
        chat = self._view.chat
        name = str(self._user["first_name"])
        return name if chat.is_private else f"{name} @ {chat.name}"

    def _delivered(self, content: JsonDict) -> bool:
        """Group privacy mode: only commands and replies to the bot reach it."""
        if self._view.chat.is_private or not self._sandbox.group_privacy:
            return True
        text = str(content.get("text") or content.get("caption") or "")
        reply = content.get("reply_to_message")
        replied_to_bot = isinstance(reply, dict) and reply.get("from", {}).get("is_bot")
        return text.startswith("/") or bool(replied_to_bot)

    def _post_one(
        self, content: Content, reply_to: ReplyTarget = None, *, act: bool = False
    ) -> JsonDict:
        return self._post([content.fields], content.line, reply_to, act=act)[0]

    def _post(
        self,
        contents: list[JsonDict],
        line: str,
        reply_to: ReplyTarget = None,
        *,
        act: bool = False,
    ) -> list[JsonDict]:
        """Store the messages in the chat, log them, and queue the updates the bot gets."""
        chat = self._view.chat
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
                snapshot = self._sandbox.reply_snapshot(chat, reply_id)
                if snapshot is not None:
                    content["reply_to_message"] = snapshot
            stored = self._sandbox.new_message(chat, self._user, content, from_bot=False)
            posted.append(copy.deepcopy(stored.data))
        if chat.is_private:
            self._sandbox.not_started.discard(self.user_id)
        delivered = [m for m in posted if self._delivered(m)]
        suffix = "" if delivered else "  (not delivered: group privacy mode)"
        separator = " " if act else ": "
        self._sandbox.log_line(chat.chat_id, f"{self._who()}{separator}{line}{suffix}")
        self._sandbox.queue_updates([("message", m) for m in delivered])
        return posted


class Person(ChatView, Actor):
    """A Telegram user talking to the bot in their private chat (chat id == user id)."""

    def __init__(self, sandbox: SandboxState, user: JsonDict) -> None:
        ChatView.__init__(self, sandbox, int(user["id"]))
        Actor.__init__(self, self, user)


class Group(ChatView):
    """A group chat: what the bot sent there; its members act through :meth:`member`."""

    def member(self, person: Person) -> Actor:
        """``person`` acting in this group: ``await group.member(alice).send("/start")``."""
        return Actor(self, person.user)
