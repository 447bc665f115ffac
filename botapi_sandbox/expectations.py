"""One chat seen from the people's side: what the bot sent there, read in order.

A :class:`ChatView` keeps a read cursor per chat. :meth:`ChatView.expect_message` reads the
*next unread* bot message and fails if it is not the one expected, so an apology or any
other message the test did not foresee cannot slip by; :meth:`ChatView.skip_message` steps
over one message on purpose. :meth:`ChatView.expect_no_message` waits on the sandbox's settle
barrier (:meth:`SandboxState.settle`) instead of sleeping.
"""

from __future__ import annotations

from .models import CallbackAnswer, SentMessage, StoredMessage
from .state import ChatState, JsonDict, SandboxState

__all__ = ["DEFAULT_TIMEOUT", "ChatView", "markup_labels"]

#: seconds a person waits for the bot before an expectation fails
DEFAULT_TIMEOUT = 5.0


def markup_labels(markup: JsonDict | None, key: str) -> list[str]:
    """The labels of a markup's ``inline_keyboard`` or ``keyboard``, in reading order."""
    if not markup or key not in markup:
        return []
    return [b if isinstance(b, str) else str(b.get("text", "")) for r in markup[key] for b in r]


class ChatView:
    """What the bot sent to one chat, with expectations that read it in order."""

    def __init__(self, sandbox: SandboxState, chat_id: int) -> None:
        self._sb = sandbox
        self._chat_id = chat_id
        self._msg_cursor = 0
        self._edit_cursor = 0
        self._answer_cursor = 0  # index into _queries
        self._queries: list[str] = []  # callback queries created by presses in this chat

    @property
    def sandbox(self) -> SandboxState:
        return self._sb

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
        return markup_labels(self.chat.reply_keyboard, "keyboard")

    def transcript(self) -> str:
        return self._sb.transcript(self._chat_id)

    def note_press(self, query_id: str) -> None:
        """A button was pressed in this chat (for :meth:`expect_callback_answer`)."""
        self._queries.append(query_id)

    def _explain(self, headline: str) -> str:
        text = f"{headline}\n--- transcript of {self.name} ---\n{self.transcript() or '(empty)'}"
        if self._sb.rejections:
            listing = "\n".join(f"  - {r}" for r in self._sb.rejections)
            text += f"\n--- rejected requests ---\n{listing}"
        return text

    # -- new messages -----------------------------------------------------------------------

    async def _next_unread(self, timeout: float, wanted: str) -> StoredMessage:  # noqa: ASYNC109
        """Wait for the message at the read cursor and move the cursor past it."""
        chat = self.chat

        def probe() -> StoredMessage | None:
            if len(chat.bot_messages) > self._msg_cursor:
                return chat.bot_messages[self._msg_cursor]
            return None

        found = await self._sb.wait_for(probe, timeout)
        if found is None:
            raise AssertionError(
                self._explain(f"{self.name}: no new bot message{wanted} within {timeout}s")
            )
        self._msg_cursor += 1
        return found

    async def expect_message(
        self,
        containing: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - the test-facing API is simple
    ) -> SentMessage:
        """Read the next unread bot message of this chat; it must contain ``containing``.

        Waits up to ``timeout`` seconds for it to arrive. A next message that does not match
        fails at once: messages are never stepped over silently (use :meth:`skip_message`).
        Proved by ``tests/sandbox/test_expectations.py``.
        """
        wanted = f" containing {containing!r}" if containing is not None else ""
        stored = await self._next_unread(timeout, wanted)
        if containing is not None and containing not in stored.plain:
            raise AssertionError(
                self._explain(
                    f"{self.name}: expected the next bot message{wanted}, "
                    f"got {stored.plain!r} (#{stored.message_id})"
                )
            )
        return stored.snapshot()

    async def skip_message(
        self,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> SentMessage:
        """Read the next unread bot message whatever it says (for a test that means it)."""
        return (await self._next_unread(timeout, "")).snapshot()

    async def expect_no_message(
        self,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> None:
        """Assert that no unread bot message is here once the sandbox has settled.

        The barrier (:meth:`SandboxState.settle`) waits until the bot has fetched every queued
        update and, through the hooks a harness registers, handled them and sent what it had
        to; nothing here waits for a fixed time.
        """
        await self._sb.settle(timeout)
        unread = self.chat.bot_messages[self._msg_cursor :]
        if unread:
            raise AssertionError(
                self._explain(
                    f"{self.name}: expected no new bot message, got {unread[0].plain!r}"
                    f"{f' and {len(unread) - 1} more' if len(unread) > 1 else ''}"
                )
            )

    # -- edits and button answers -----------------------------------------------------------

    async def expect_edit(
        self,
        containing: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
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

    async def expect_callback_answer(
        self,
        containing: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
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
        return next(a for a in self._sb.answers if a.query_id == queries[index])
