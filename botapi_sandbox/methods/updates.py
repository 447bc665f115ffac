"""getMe, getUpdates (long polling), webhooks and the command menu."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from ..errors import ApiError, bad_request
from ..models import UploadedFile
from ..state import JsonDict, SandboxState
from .params import Params, method

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


@method("getMe")
async def get_me(s: SandboxState, p: Params) -> Any:
    return dict(s.bot_user)


@method("getUpdates")
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


@method("deleteWebhook")
async def delete_webhook(s: SandboxState, p: Params) -> Any:
    s.webhook = None
    if p.get_bool("drop_pending_updates"):
        s.pending_updates.clear()
    return True


@method("setWebhook")
async def set_webhook(s: SandboxState, p: Params) -> Any:
    url = p.get_str("url") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    settings = {k: v for k, v in p.data.items() if not isinstance(v, UploadedFile)}
    s.webhook = settings if url else None
    if p.get_bool("drop_pending_updates"):
        s.pending_updates.clear()
    return True


@method("getWebhookInfo")
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


@method("setMyCommands")
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


@method("getMyCommands")
async def get_my_commands(s: SandboxState, p: Params) -> Any:
    return copy.deepcopy(s.commands.get(_commands_key(p), []))


@method("deleteMyCommands")
async def delete_my_commands(s: SandboxState, p: Params) -> Any:
    s.commands.pop(_commands_key(p), None)
    return True
