"""Request parameters as the method implementations read them, and the method registry."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..errors import bad_request
from ..models import UploadedFile
from ..state import SandboxState

__all__ = ["METHODS", "Handler", "Params", "method"]


class Params:
    """Request parameters with lenient typed accessors (validated or raw form strings)."""

    def __init__(
        self, data: Mapping[str, Any], files: Mapping[str, UploadedFile] | None = None
    ) -> None:
        self.data = dict(data)
        self.files = {k: v for k, v in data.items() if isinstance(v, UploadedFile)}
        if files:
            self.files.update(files)

    def has(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def get(self, name: str) -> Any:
        return self.data.get(name)

    def get_str(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or isinstance(value, UploadedFile):
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f'parameter "{name}" must be an Integer') from None

    def get_float(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'parameter "{name}" must be a Float') from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1")

    def get_json(self, name: str) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f'can\'t parse "{name}" JSON object') from None
        return value

    def require(self, name: str) -> Any:
        value = self.data.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        return value


Handler = Callable[[SandboxState, Params], Awaitable[Any]]
#: lower-case method name -> (canonical name, implementation)
METHODS: dict[str, tuple[str, Handler]] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the implementation of Bot API method ``name``."""

    def register(func: Handler) -> Handler:
        METHODS[name.lower()] = (name, func)
        return func

    return register
