"""The Bot API reference as data (``api.min.json``): methods, types, documented limits.

The sandbox ships its own copy in ``botapi_sandbox/data/`` (with the licence of the project it
comes from); :func:`load_spec` reads it unless ``$TELEGRAM_BOT_API_SPEC`` names another file.
A reference that cannot be found is an error: there is no mode in which requests go unchecked
(``tests/sandbox/test_reference.py`` proves it). Requests are checked against it by
:mod:`.validation`; ``python -m botapi_sandbox.refresh_spec`` updates the copy.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .models import UploadedFile

__all__ = [
    "PACKAGED_SPEC",
    "PRIMITIVES",
    "SPEC_ENV_VAR",
    "ApiSpec",
    "FieldSpec",
    "Limit",
    "MethodSpec",
    "SpecNotFoundError",
    "TypeSpec",
    "default_spec_path",
    "describe_value",
    "load_spec",
]

SPEC_ENV_VAR = "TELEGRAM_BOT_API_SPEC"
#: the copy of the reference shipped with the package (see data/README.md)
PACKAGED_SPEC = Path(__file__).resolve().parent / "data" / "api.min.json"
PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})

_STRING_LIMIT_RE = re.compile(r"\b(\d+)-(\d+) (characters|bytes)\b", re.IGNORECASE)
_ARRAY_LIMIT_RE = re.compile(r"\b(\d+)-(\d+) (?!alpha\b|language\b)([a-z]+)")
_FIXED_VALUE_RE = re.compile(r"(?:must be|always) [\"“]?([a-z0-9_]+)[\"”]?\s*$")
_EXCLUSIVE_RE = re.compile(r"(Exactly|At most) one of the fields other than (.+?) must be used")


class SpecNotFoundError(FileNotFoundError):
    """The Bot API reference could not be found, or the file found is not one."""


@dataclass(frozen=True)
class Limit:
    """A documented size limit: ``low-high unit`` (unit: characters, bytes or items)."""

    low: int
    high: int
    unit: str


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str
    limit: Limit | None = None
    after_entities_parsing: bool = False


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...] = ()
    #: field name -> the only value it may take (``"type": "must be photo"``)
    fixed: dict[str, str] = field(default_factory=dict)
    #: ("exactly" | "at most", fields not counted) from "Exactly one of the fields other than"
    exclusive: tuple[str, frozenset[str]] | None = None


def _field_from_json(data: Mapping[str, Any]) -> FieldSpec:
    types = tuple(str(t) for t in data.get("types", []))
    description = str(data.get("description", ""))
    limit: Limit | None = None
    if any(t.startswith("Array of") for t in types):
        match = _ARRAY_LIMIT_RE.search(description)
        if match:
            limit = Limit(int(match.group(1)), int(match.group(2)), "items")
    elif "String" in types:
        match = _STRING_LIMIT_RE.search(description)
        if match:
            limit = Limit(int(match.group(1)), int(match.group(2)), match.group(3).lower())
    return FieldSpec(
        name=str(data["name"]),
        types=types,
        required=bool(data.get("required", False)),
        description=description,
        limit=limit,
        after_entities_parsing="after entit" in description,
    )


def _type_from_json(data: Mapping[str, Any]) -> TypeSpec:
    fields = {f.name: f for f in (_field_from_json(f) for f in data.get("fields", []))}
    fixed: dict[str, str] = {}
    for name in ("type", "source", "status"):
        spec = fields.get(name)
        if spec is not None and spec.types == ("String",):
            match = _FIXED_VALUE_RE.search(spec.description)
            if match:
                fixed[name] = match.group(1)
    exclusive: tuple[str, frozenset[str]] | None = None
    description = " ".join(str(d) for d in data.get("description", []))
    match = _EXCLUSIVE_RE.search(description)
    if match:
        kind = match.group(1).lower()
        exclusive = (kind, frozenset(re.findall(r"[a-z_]+", match.group(2))) - {"and"})
    return TypeSpec(
        name=str(data["name"]),
        fields=fields,
        subtypes=tuple(str(s) for s in data.get("subtypes", [])),
        fixed=fixed,
        exclusive=exclusive,
    )


class ApiSpec:
    """The parsed reference: methods and types, plus request validation."""

    def __init__(self, data: Mapping[str, Any], path: Path | None = None) -> None:
        self.path = path
        self.version = str(data.get("version", "unknown"))
        self.methods: dict[str, MethodSpec] = {}
        for name, method in data.get("methods", {}).items():
            fields = {f.name: f for f in (_field_from_json(f) for f in method.get("fields", []))}
            self.methods[name] = MethodSpec(
                name=name, fields=fields, returns=tuple(method.get("returns", []))
            )
        self.types: dict[str, TypeSpec] = {
            name: _type_from_json(t) for name, t in data.get("types", {}).items()
        }
        self._by_lower = {name.lower(): name for name in self.methods}

    def find_method(self, name: str) -> MethodSpec | None:
        """Look a method up the way Telegram does: case-insensitively."""
        canonical = self._by_lower.get(name.lower())
        return self.methods[canonical] if canonical else None

    def check_result(self, types: Sequence[str], value: object, path: str = "result") -> list[str]:
        """Problems with a value the sandbox answers with, against the documented type(s).

        Used to keep the sandbox's own answers realistic (required fields present, no
        undocumented fields, right primitive types); an empty list means it conforms.
        """
        best: list[str] | None = None
        for type_name in types:
            problems = self._result_problems(type_name, value, path)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _result_problems(self, type_name: str, value: object, path: str) -> list[str]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {type_name}, got {describe_value(value)}"]
            inner = type_name[len("Array of ") :]
            return [
                p
                for i, v in enumerate(value)
                for p in self.check_result([inner], v, f"{path}[{i}]")
            ]
        if type_name in PRIMITIVES:
            ok = {
                "Integer": isinstance(value, int) and not isinstance(value, bool),
                "Float": isinstance(value, (int, float)) and not isinstance(value, bool),
                "String": isinstance(value, str),
                "Boolean": isinstance(value, bool),
                "True": value is True,
                "InputFile": False,
            }[type_name]
            return [] if ok else [f"{path}: expected {type_name}, got {describe_value(value)}"]
        type_spec = self.types.get(type_name)
        if type_spec is None:
            return []
        if type_spec.subtypes:
            return self.check_result(type_spec.subtypes, value, path)
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name}, got {describe_value(value)}"]
        problems: list[str] = []
        for spec in type_spec.fields.values():
            if spec.required and spec.name not in value:
                problems.append(f"{path}: required field {spec.name!r} of {type_name} missing")
        for key, item in value.items():
            field_spec = type_spec.fields.get(key)
            if field_spec is None:
                problems.append(f"{path}: field {key!r} is not documented for {type_name}")
                continue
            problems.extend(self.check_result(field_spec.types, item, f"{path}.{key}"))
        return problems


def default_spec_path() -> Path:
    """``$TELEGRAM_BOT_API_SPEC`` if it is set, else the copy shipped in the package."""
    env = os.environ.get(SPEC_ENV_VAR)
    return Path(env) if env else PACKAGED_SPEC


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> ApiSpec:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except ValueError as exc:
        raise SpecNotFoundError(f"{path} is not the Bot API reference: {exc}") from None
    if not isinstance(data, dict) or not data.get("methods"):
        raise SpecNotFoundError(f"{path} is not the Bot API reference: it lists no methods")
    return ApiSpec(data, Path(path))


def load_spec(path: str | os.PathLike[str] | None = None) -> ApiSpec:
    """Load ``api.min.json``: ``path``, else ``$TELEGRAM_BOT_API_SPEC``, else the packaged copy.

    Raise :class:`SpecNotFoundError` saying where it looked when the file is missing, or is
    not a reference (unreadable JSON, no methods); there is no fallback to "unchecked".
    """
    if path is not None:
        candidate, origin = Path(path), "the path passed in"
    elif os.environ.get(SPEC_ENV_VAR):
        candidate, origin = Path(os.environ[SPEC_ENV_VAR]), f"${SPEC_ENV_VAR}"
    else:
        candidate, origin = PACKAGED_SPEC, "the copy shipped in botapi_sandbox/data"
    if not candidate.is_file():
        raise SpecNotFoundError(
            f"Telegram Bot API reference not found: looked for {candidate} ({origin}). "
            f"Unset {SPEC_ENV_VAR} to use the copy shipped with the sandbox, point it at an "
            "api.min.json, or restore the packaged copy with "
            "`python -m botapi_sandbox.refresh_spec`."
        )
    resolved = candidate.resolve()
    return _load_cached(str(resolved), resolved.stat().st_mtime)


def describe_value(value: object) -> str:
    """The reference's name for the JSON type of ``value`` (for error messages)."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, UploadedFile):
        return "InputFile"
    return type(value).__name__
