"""Everything the sandbox remembers: chats, messages, files, queued updates, the transcript."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from .errors import bad_request
from .faults import Faults
from .files import FileStore
from .html import plain_text
from .models import (
    ApiCall,
    CallbackAnswer,
    CallbackQueryRecord,
    EditRecord,
    Rejection,
    StoredMessage,
    TranscriptLine,
)

__all__ = ["ChatState", "JsonDict", "SandboxState", "SettleHook", "describe_markup"]

log = logging.getLogger("botapi_sandbox")

JsonDict = dict[str, Any]
T = TypeVar("T")

#: update types delivered when allowed_updates is empty / never set
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
#: what :meth:`SandboxState.settle` awaits after the sandbox's own half
SettleHook = Callable[[], Awaitable[None]]


@dataclass
class ChatState:
    """One chat the sandbox knows: a person's private chat or a group."""

    chat: JsonDict
    name: str
    user_id: int | None  # the person, for private chats
    chat_instance: str
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_messages: list[StoredMessage] = field(default_factory=list)
    reply_keyboard: JsonDict | None = None
    force_reply_to: int | None = None

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def is_private(self) -> bool:
        return bool(self.chat["type"] == "private")


def describe_markup(markup: JsonDict | None) -> str:
    """``  [buttons: A | B]`` / ``  [keyboard: X | Y]`` for transcripts."""
    if not markup:
        return ""
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        labels = [b.get("text", "") if isinstance(b, dict) else str(b) for r in rows for b in r]
        return f"  [buttons: {' | '.join(labels)}]"
    if "keyboard" in markup:
        rows = markup["keyboard"]
        labels = [b.get("text", "") if isinstance(b, dict) else str(b) for r in rows for b in r]
        return f"  [keyboard: {' | '.join(labels)}]"
    if markup.get("remove_keyboard"):
        return "  [keyboard removed]"
    if markup.get("force_reply"):
        return "  [force reply]"
    return ""


class SandboxState:
    """State shared by the HTTP side (the bot) and the people side (the test)."""

    def __init__(
        self,
        token: str,
        *,
        clock: Callable[[], datetime] | None = None,
        bot_username: str = "microspace_sandbox_bot",
        bot_first_name: str = "Microspace Sandbox",
    ) -> None:
        self.token = token
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        bot_id = token.split(":", 1)[0]
        self.bot_user: JsonDict = {
            "id": int(bot_id) if bot_id.isdigit() else 123456,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, JsonDict] = {}
        self.files = FileStore(token)
        self.calls: list[ApiCall] = []
        self.rejections: list[Rejection] = []
        self.edits: list[EditRecord] = []
        self.answers: list[CallbackAnswer] = []
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.lines: list[TranscriptLine] = []
        self.pending_updates: list[JsonDict] = []
        self.allowed_updates: list[str] | None = None
        self.webhook: JsonDict | None = None
        self.commands: dict[str, list[JsonDict]] = {}
        self.faults = Faults()
        #: people who never opened the bot (private sends get 403 until they write)
        self.not_started: set[int] = set()
        #: Telegram's group privacy mode: plain group chatter is not delivered to the bot
        self.group_privacy = False
        self._next_update_id = 1
        self._seq = 0
        self._query_counter = 0
        self._group_counter = 0
        self._changed = asyncio.Event()
        self._stopping = False
        self._settle_hooks: list[SettleHook] = []
        self.poll_generation = 0
        #: each poll's votes: poll id -> user id -> the options they chose (botapi_sandbox/polls.py)
        self.poll_votes: dict[str, dict[int, list[int]]] = {}

    # -- time, ids, notification -------------------------------------------------------------

    def now(self) -> int:
        """Unix time according to :attr:`clock`."""
        return int(self.clock().timestamp())

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def new_callback_query_id(self) -> str:
        self._query_counter += 1
        return str(4_300_000_000_000_000_000 + self._query_counter * 7919)

    def new_media_group_id(self) -> str:
        self._group_counter += 1
        return str(13_900_000_000_000_000 + self._group_counter)

    def unanswered_taps(self) -> list[CallbackQueryRecord]:
        """Button presses the bot never answered (a real client shows a spinner for those)."""
        return [q for q in self.callback_queries.values() if not q.answered]

    def notify(self) -> None:
        """Wake everything waiting in :meth:`wait_for`."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def wait_for(self, probe: Callable[[], T | None], within: float) -> T | None:
        """Re-run ``probe`` on every change until it returns non-None or ``within`` s passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = self._changed
            result = probe()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0 or self._stopping:
                return None
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                pass

    # -- chats and people -------------------------------------------------------------------

    def add_chat(self, chat: JsonDict, name: str, user_id: int | None) -> ChatState:
        chat_id = int(chat["id"])
        if chat_id in self.chats:
            raise ValueError(f"chat {chat_id} already exists in the sandbox")
        state = ChatState(
            chat=chat,
            name=name,
            user_id=user_id,
            chat_instance=f"-{abs(chat_id) * 7_919 + 3_141_592_653_589_793}",
        )
        self.chats[chat_id] = state
        return state

    def find_chat(self, chat_id: object) -> ChatState:
        """The chat for a ``chat_id`` parameter (id or ``@username``); 400 if unknown."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if str(chat.chat.get("username", "")).lower() == chat_id[1:].lower():
                    return chat
            raise bad_request("chat not found")
        try:
            key = int(str(chat_id))
        except ValueError:
            raise bad_request("chat not found") from None
        found = self.chats.get(key)
        if found is None:
            raise bad_request("chat not found")
        return found

    def user_name(self, user_id: int) -> str:
        user = self.users.get(user_id)
        return str(user["first_name"]) if user else str(user_id)

    # -- messages --------------------------------------------------------------------------

    def new_message(
        self, chat: ChatState, sender: JsonDict, content: JsonDict, *, from_bot: bool
    ) -> StoredMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: JsonDict = {
            "message_id": message_id,
            "from": dict(sender),
            "chat": dict(chat.chat),
            "date": self.now(),
        }
        data.update(content)
        stored = StoredMessage(
            chat_id=chat.chat_id,
            message_id=message_id,
            data=data,
            from_bot=from_bot,
            seq=self.next_seq(),
        )
        chat.messages[message_id] = stored
        return stored

    @staticmethod
    def reply_snapshot(chat: ChatState, message_id: int) -> JsonDict | None:
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            return None
        data = dict(stored.data)
        data.pop("reply_to_message", None)
        return data

    # -- updates ----------------------------------------------------------------------------

    def queue_updates(self, items: list[tuple[str, JsonDict]]) -> list[JsonDict]:
        """Queue updates (``[(type, payload), ...]``) atomically and wake getUpdates."""
        updates: list[JsonDict] = []
        for kind, payload in items:
            updates.append({"update_id": self._next_update_id, kind: payload})
            self._next_update_id += 1
        self.pending_updates.extend(updates)
        self.notify()
        return updates

    def confirm_updates(self, offset: int) -> None:
        if offset > 0:
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        elif offset < 0:
            self.pending_updates = self.pending_updates[offset:]

    def _wanted(self, update: JsonDict) -> bool:
        """Whether the bot receives this update (its type, against ``allowed_updates``)."""
        allowed = set(self.allowed_updates or ())
        kind = next(k for k in update if k != "update_id")
        return kind in allowed if allowed else kind not in _NOT_DELIVERED_BY_DEFAULT

    def deliverable_updates(self, limit: int) -> list[JsonDict]:
        # updates of types the bot did not ask for are never delivered
        self.pending_updates = [u for u in self.pending_updates if self._wanted(u)]
        return [json.loads(json.dumps(u)) for u in self.pending_updates[:limit]]

    def unconfirmed_updates(self) -> list[JsonDict]:
        """Queued updates the bot will receive but has not confirmed with a later offset."""
        return [u for u in self.pending_updates if self._wanted(u)]

    # -- the settle barrier -------------------------------------------------------------------

    def on_settle(self, hook: SettleHook) -> Callable[[], None]:
        """Add a step to :meth:`settle`; returns the function that removes it again."""
        self._settle_hooks.append(hook)

        def remove() -> None:
            if hook in self._settle_hooks:
                self._settle_hooks.remove(hook)

        return remove

    async def settle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has dealt with everything it was given so far.

        The sandbox's half: every queued update the bot will receive is *confirmed*, i.e. a
        getUpdates came whose offset is past it. A poller confirms an update only after it
        took it in (python-telegram-bot's Updater puts a whole batch on the Application's
        update queue before it asks again), so from then on the update is the bot's. That is
        not "handled": PTB fetches the next batch while it still processes the last one. The
        other half belongs to whoever runs the bot: each hook added with :meth:`on_settle` is
        awaited in turn (the conversation tests join PTB's update queue, which returns once
        every update was processed, error handlers included, and wait for the outbox to have
        no row left to send). Without hooks, "settled" means only "fetched".

        Raises :class:`AssertionError` when that does not happen within ``timeout`` seconds.
        """
        confirmed = await self.wait_for(
            lambda: True if not self.unconfirmed_updates() else None, timeout
        )
        if confirmed is None:
            left = self.unconfirmed_updates()
            raise AssertionError(
                f"the bot did not fetch {len(left)} queued update(s) within {timeout}s "
                f"(ids {[u['update_id'] for u in left]}): is it polling?"
            )
        try:
            async with asyncio.timeout(timeout):
                for hook in list(self._settle_hooks):
                    await hook()
        except TimeoutError:
            raise AssertionError(
                f"the bot fetched every update but did not settle within {timeout}s"
            ) from None

    # -- transcript -------------------------------------------------------------------------

    def log_line(self, chat_id: int | None, text: str) -> None:
        self.lines.append(TranscriptLine(chat_id, text))

    def describe_bot_message(self, stored: StoredMessage, markup: JsonDict | None) -> str:
        data = stored.data
        parts: list[str] = []
        if "photo" in data:
            parts.append("[photo]")
        if "document" in data:
            parts.append(f"[document {data['document'].get('file_name') or ''}]".replace(" ]", "]"))
        if "venue" in data:
            venue = data["venue"]
            parts.append(f"[venue {venue['title']}, {venue['address']}]")
        elif "location" in data:
            loc = data["location"]
            parts.append(f"[location {loc['latitude']}, {loc['longitude']}]")
        if "poll" in data:
            poll = data["poll"]
            options = " / ".join(o["text"] for o in poll["options"])
            parts.append(f"[poll] {poll['question']} ({options})")
        if stored.plain and "poll" not in data:
            parts.append(stored.plain)
        return " ".join(parts) + describe_markup(markup)

    def transcript(self, chat_id: int | None = None) -> str:
        """The conversation so far, one line per event (optionally for one chat only)."""
        return "\n".join(
            line.text for line in self.lines if chat_id is None or line.chat_id in (chat_id, None)
        )

    def record_rejection(self, rejection: Rejection, chat_id: int | None) -> None:
        self.rejections.append(rejection)
        log.warning("Bot API sandbox rejected %s", rejection)
        self.log_line(
            chat_id,
            f"!! {rejection.method} rejected: {rejection.error_code} {rejection.description}",
        )
        self.notify()

    @staticmethod
    def plain(text: str, parse_mode: str | None) -> str:
        return plain_text(text, parse_mode)
