"""Errors the sandbox answers with, shaped like the Bot API's."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

__all__ = ["ApiError", "bad_request"]


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``.

    ``injected`` marks errors produced on purpose by fault injection (``fail_next``, ``block``,
    ``rate_limit``); those are not recorded as rejections.
    """

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        injected: bool = False,
        record: bool = True,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.injected = injected
        self.record = record and not injected

    @property
    def http_status(self) -> int:
        try:
            return HTTPStatus(self.error_code).value
        except ValueError:
            return HTTPStatus.BAD_REQUEST.value

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """``400 Bad Request: <detail>``."""
    return ApiError(400, f"Bad Request: {detail}")
