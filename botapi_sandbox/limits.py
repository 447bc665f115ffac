"""The size limits the reference states in words (``1-4096 characters after entities
parsing``, ``1-64 bytes``, ``2-10 items``), checked on validated parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import ApiError, bad_request
from .html import HtmlParseError, parse_text
from .spec import FieldSpec, Limit

__all__ = ["PARSE_MODES", "check_limits"]

PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})
_TEXT_FIELDS = frozenset({"text", "caption", "message_text"})


def check_limits(fields: Mapping[str, FieldSpec], values: Mapping[str, Any], prefix: str) -> None:
    """Raise :class:`ApiError` (400) for the first value outside its documented limit."""
    for name, value in values.items():
        spec = fields.get(name)
        if spec is None:
            continue
        if name.endswith("parse_mode") and isinstance(value, str) and value:
            if value.lower() not in PARSE_MODES:
                raise bad_request(f'unsupported parse_mode "{value}" in {prefix}{name}')
        limit = spec.limit
        if limit is None:
            continue
        if limit.unit == "items":
            if isinstance(value, list) and not limit.low <= len(value) <= limit.high:
                raise bad_request(
                    f'"{prefix}{name}" must include {limit.low}-{limit.high} items, '
                    f"got {len(value)}"
                )
            continue
        if not isinstance(value, str):
            continue
        if limit.unit == "bytes":
            size = len(value.encode("utf-8"))
        else:
            size = len(_parsed(fields, values, name, value))
        if limit.low <= size <= limit.high:
            continue
        raise _limit_error(prefix, spec, limit, size)


def _parsed(
    fields: Mapping[str, FieldSpec], values: Mapping[str, Any], name: str, value: str
) -> str:
    """The text the user would see: entities parsed with the field's parse mode, if any."""
    mode_field = f"{name}_parse_mode"
    if mode_field not in fields:
        mode_field = "parse_mode"
        if name not in _TEXT_FIELDS and not fields[name].after_entities_parsing:
            return value
    mode = values.get(mode_field)
    if not isinstance(mode, str) or not mode:
        return parse_text(value, None).text
    try:
        return parse_text(value, mode).text
    except HtmlParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None


def _limit_error(prefix: str, spec: FieldSpec, limit: Limit, size: int) -> ApiError:
    """The error Telegram gives for this field (its own wording where it has one)."""
    name = spec.name
    full = f"{prefix}{name}"
    message_text = not prefix and name == "text" and spec.after_entities_parsing
    if message_text and size == 0:
        return bad_request("message text is empty")
    if message_text:
        return bad_request(f"message is too long ({size} characters, at most {limit.high})")
    if name == "caption":
        return bad_request(f"message caption is too long ({size} characters, at most {limit.high})")
    if name == "callback_data":
        return bad_request(
            f"BUTTON_DATA_INVALID ({full} is {size} bytes, must be {limit.low}-{limit.high})"
        )
    what = "after entities parsing " if limit.unit == "characters" else ""
    return bad_request(
        f'"{full}" must be {limit.low}-{limit.high} {limit.unit} long {what}(got {size})'
    )
