"""Votes on a poll the bot sent: what Telegram tells the bot when a person votes.

A person votes with ``await person.vote(message, [0, 2])`` (or ``[]`` to retract). The
poll's options count the person's latest choice; the bot receives, as Telegram sends them,
a ``poll_answer`` update (non-anonymous polls only: who voted, and for what) and a ``poll``
update with the poll's new totals (Telegram sends those for every poll the bot sent).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from .state import ChatState, JsonDict, SandboxState

__all__ = ["cast_vote"]


def cast_vote(
    sandbox: SandboxState,
    chat: ChatState,
    user: JsonDict,
    message_id: int,
    option_ids: Sequence[int],
) -> list[JsonDict]:
    """Record ``user``'s vote on the poll of ``message_id`` and queue the updates it causes.

    A vote Telegram's client would not let a person cast is an AssertionError in the test:
    a closed poll, an option that does not exist, several options on a single-answer poll,
    a second vote on a poll that does not allow revoting."""
    stored = chat.messages.get(message_id)
    if stored is None or stored.deleted or "poll" not in stored.data:
        raise AssertionError(f"{chat.name}: message #{message_id} is not a poll")
    poll: JsonDict = stored.data["poll"]
    chosen = sorted(set(option_ids))
    if poll["is_closed"]:
        raise AssertionError(f"{chat.name}: the poll #{message_id} is closed")
    if any(not 0 <= i < len(poll["options"]) for i in chosen):
        raise AssertionError(f"{chat.name}: the poll has no option {chosen}")
    if len(chosen) > 1 and not poll["allows_multiple_answers"]:
        raise AssertionError(f"{chat.name}: the poll allows one answer only")
    votes = sandbox.poll_votes.setdefault(str(poll["id"]), {})
    user_id = int(user["id"])
    if user_id in votes and not poll.get("allows_revoting", True):
        raise AssertionError(f"{chat.name}: the poll does not allow changing a vote")
    if chosen:
        votes[user_id] = chosen
    else:
        votes.pop(user_id, None)
    for index, option in enumerate(poll["options"]):
        option["voter_count"] = sum(index in picked for picked in votes.values())
    poll["total_voter_count"] = len(votes)
    items: list[tuple[str, JsonDict]] = []
    if not poll["is_anonymous"]:
        answer: JsonDict = {
            "poll_id": poll["id"],
            "user": dict(user),
            "option_ids": chosen,
            "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in chosen],
        }
        items.append(("poll_answer", answer))
    items.append(("poll", copy.deepcopy(poll)))
    picked = ", ".join(poll["options"][i]["text"] for i in chosen) or "nothing (retracted)"
    name = str(user["first_name"])
    who = name if chat.is_private else f"{name} @ {chat.name}"
    sandbox.log_line(chat.chat_id, f"{who} votes {picked} on poll #{message_id}")
    return sandbox.queue_updates(items)
