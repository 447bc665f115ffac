"""The Bot API reference as data (``api.min.json``) and request validation against it.

Every request the bot makes is checked like the real server would: the method must exist,
every parameter must be documented, required ones present, values of the documented types
(nested objects are checked field by field against the ``types`` section), and the length
limits stated in the field descriptions (``1-4096 characters after entities parsing``,
``1-64 bytes``, ``2-10 items`` ...) are enforced, with Telegram-HTML parsed first.
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

from .errors import ApiError, bad_request
from .html import HtmlParseError, parse_text
from .models import UploadedFile

__all__ = [
    "SPEC_ENV_VAR",
    "ApiSpec",
    "FieldSpec",
    "Limit",
    "MethodSpec",
    "SpecNotFoundError",
    "TypeSpec",
    "default_spec_path",
    "load_spec",
]

SPEC_ENV_VAR = "TELEGRAM_BOT_API_SPEC"
PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})
PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})

_STRING_LIMIT_RE = re.compile(r"\b(\d+)-(\d+) (characters|bytes)\b", re.IGNORECASE)
_ARRAY_LIMIT_RE = re.compile(r"\b(\d+)-(\d+) (?!alpha\b|language\b)([a-z]+)")
_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_FIXED_VALUE_RE = re.compile(r"(?:must be|always) [\"“]?([a-z0-9_]+)[\"”]?\s*$")
_EXCLUSIVE_RE = re.compile(r"(Exactly|At most) one of the fields other than (.+?) must be used")
_TEXT_FIELDS = frozenset({"text", "caption", "message_text"})
#: python-telegram-bot's ``Defaults`` add these to every method it sends through its generic
#: ``_send_message`` (editMessageReplyMarkup, stopMessageLiveLocation ...), documented there or
#: not. Telegram ignores parameters a method doesn't have, so the sandbox drops exactly these
#: instead of rejecting them; any other undocumented parameter is still a rejection.
PTB_DEFAULT_PARAMS = frozenset({"parse_mode", "disable_notification", "protect_content"})
_BUTTON_TYPES = frozenset({"InlineKeyboardButton", "KeyboardButton"})


class SpecNotFoundError(FileNotFoundError):
    """The Bot API reference file could not be found."""


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

    def validate(self, method: MethodSpec, raw: Mapping[str, object]) -> dict[str, Any]:
        """Check and coerce the parameters of one request; raise :class:`ApiError` (400)."""
        return _Validator(self, method, raw).run()

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
                return [f"{path}: expected {type_name}, got {_describe(value)}"]
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
            return [] if ok else [f"{path}: expected {type_name}, got {_describe(value)}"]
        type_spec = self.types.get(type_name)
        if type_spec is None:
            return []
        if type_spec.subtypes:
            return self.check_result(type_spec.subtypes, value, path)
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name}, got {_describe(value)}"]
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
    """``$TELEGRAM_BOT_API_SPEC``, else ``<repo root>/../shared/telegram-bot-api/api.min.json``."""
    env = os.environ.get(SPEC_ENV_VAR)
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root.parent / "shared" / "telegram-bot-api" / "api.min.json"


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> ApiSpec:
    with open(path, encoding="utf-8") as fh:
        return ApiSpec(json.load(fh), Path(path))


def load_spec(path: str | os.PathLike[str] | None = None) -> ApiSpec:
    """Load ``api.min.json``; raise :class:`SpecNotFoundError` saying where it was looked for."""
    if path is not None:
        candidate, origin = Path(path), "the path passed in"
    elif os.environ.get(SPEC_ENV_VAR):
        candidate, origin = Path(os.environ[SPEC_ENV_VAR]), f"${SPEC_ENV_VAR}"
    else:
        candidate, origin = default_spec_path(), "the default location"
    if not candidate.is_file():
        raise SpecNotFoundError(
            f"Telegram Bot API reference not found: looked for {candidate} ({origin}). "
            f"Set the {SPEC_ENV_VAR} environment variable to the path of api.min.json "
            "(the Bot API reference as data), or pass the path to load_spec()/Sandbox(spec=...)."
        )
    resolved = candidate.resolve()
    return _load_cached(str(resolved), resolved.stat().st_mtime)


# --------------------------------------------------------------------------------------------
# validation


def _describe(value: object) -> str:
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


def _type_error(path: str, expected: str, value: object) -> ApiError:
    return bad_request(
        f'field "{path}" must be of type {expected}, got {_describe(value)} {_short(value)}'
    )


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, UploadedFile) else ""
    return text if len(text) <= 60 else text[:57] + "..."


class _Validator:
    def __init__(self, spec: ApiSpec, method: MethodSpec, raw: Mapping[str, object]) -> None:
        self.spec = spec
        self.method = method
        self.raw = raw
        self.files = {k: v for k, v in raw.items() if isinstance(v, UploadedFile)}
        self.used_files: set[str] = set()

    # -- top level ---------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        fields = self.method.fields
        self.raw = {k: v for k, v in self.raw.items() if k in fields or k not in PTB_DEFAULT_PARAMS}
        for name, value in self.raw.items():
            if name not in fields and not isinstance(value, UploadedFile):
                raise bad_request(
                    f'unknown parameter "{name}" for method {self.method.name} '
                    f"(not in {self.spec.version})"
                )
        for spec in fields.values():
            value = self.raw.get(spec.name)
            if spec.required and (value is None or value == ""):
                if spec.name == "text":
                    raise bad_request("message text is empty")
                raise bad_request(
                    f'required parameter "{spec.name}" of {self.method.name} is missing'
                )
        params: dict[str, Any] = {}
        for name, value in self.raw.items():
            if name in fields:
                if name in self.files:
                    self.used_files.add(name)
                params[name] = self._coerce_top(fields[name], value)
        self._check_limits(fields, params, "")
        unused = sorted(set(self.files) - self.used_files)
        if unused:
            raise bad_request(
                f'unknown parameter "{unused[0]}" for method {self.method.name}: an uploaded '
                "file that no parameter refers to"
            )
        return params

    def _coerce_top(self, spec: FieldSpec, value: object) -> Any:
        types = spec.types
        if isinstance(value, UploadedFile):
            if "InputFile" in types:
                return value
            raise bad_request(f'parameter "{spec.name}" can\'t be an uploaded file')
        if isinstance(value, str):
            if all(t in PRIMITIVES for t in types):
                return self._from_string(value, types, spec.name)
            if "String" in types:
                return self._check(value, types, spec.name)
            try:
                value = json.loads(value)
            except ValueError:
                raise bad_request(f'can\'t parse "{spec.name}" JSON object') from None
        return self._check(value, types, spec.name)

    def _from_string(self, value: str, types: Sequence[str], path: str) -> Any:
        """Top-level form values are strings; interpret them as the documented type."""
        text = value.strip()
        if "InputFile" in types and value.startswith("attach://"):
            return self._attached(value, path)
        for t in types:
            if t == "Integer" and _INT_RE.fullmatch(text):
                return int(text)
            if t == "Float" and _FLOAT_RE.fullmatch(text):
                return float(text)
            if t in ("Boolean", "True") and text.lower() in ("true", "1"):
                return True
            if t == "Boolean" and text.lower() in ("false", "0"):
                return False
        if "String" in types:
            return self._check(value, ["String"], path)
        raise bad_request(
            f'parameter "{path}" must be of type {" or ".join(types)}, got {_short(value)}'
        )

    # -- nested values -----------------------------------------------------------------------

    def _check(self, value: object, types: Sequence[str], path: str) -> Any:
        candidates = list(types)
        if len(candidates) == 1:
            return self._check_one(value, candidates[0], path)
        if isinstance(value, list) and all(t.startswith("Array of ") for t in candidates):
            # "Array of A | Array of B": each element may be any of A, B (e.g. photo+video albums)
            inner = [t[len("Array of ") :] for t in candidates]
            return [self._check(item, inner, f"{path}[{i}]") for i, item in enumerate(value)]
        errors: list[tuple[int, ApiError]] = []
        for t in sorted(candidates, key=lambda t: -self._affinity(value, t)):
            try:
                return self._check_one(value, t, path)
            except ApiError as exc:
                errors.append((self._affinity(value, t), exc))
        errors.sort(key=lambda item: -item[0])
        best_score, best = errors[0]
        if best_score == 0 and not isinstance(value, (dict, list)):
            raise _type_error(path, " or ".join(types), value)
        raise best

    def _affinity(self, value: object, type_name: str) -> int:
        """How much ``value`` looks like ``type_name`` (to report the most relevant error)."""
        base = type_name
        while base.startswith("Array of "):
            if not isinstance(value, list):
                return 0
            if not value:
                return 1
            value = value[0]
            base = base[len("Array of ") :]
        if base in PRIMITIVES:
            return 1 if _describe(value) == base else 0
        if not isinstance(value, dict):
            return 0
        type_spec = self.spec.types.get(base)
        if type_spec is None:
            return 0
        if type_spec.subtypes:
            return max((self._affinity(value, s) for s in type_spec.subtypes), default=0)
        score = sum(1 for key in value if key in type_spec.fields)
        for key, fixed in type_spec.fixed.items():
            if value.get(key) == fixed:
                score += 100
        return score

    def _check_one(self, value: object, type_name: str, path: str) -> Any:
        if type_name.startswith("Array of "):
            inner = type_name[len("Array of ") :]
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    raise _type_error(path, type_name, value) from None
            if not isinstance(value, list):
                raise _type_error(path, type_name, value)
            return [self._check(item, [inner], f"{path}[{i}]") for i, item in enumerate(value)]
        if type_name in PRIMITIVES:
            return self._check_primitive(value, type_name, path)
        type_spec = self.spec.types.get(type_name)
        if type_spec is None:
            return value  # not described in the reference: accept as is
        if type_spec.subtypes:
            return self._check(value, type_spec.subtypes, path)
        if type_name == "KeyboardButton" and isinstance(value, str):
            if not value:
                raise bad_request(f'field "{path}": keyboard button text must be non-empty')
            return value
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise _type_error(path, type_name, value) from None
        if not isinstance(value, dict):
            raise _type_error(path, type_name, value)
        return self._check_object(value, type_spec, path)

    def _check_object(self, value: dict[str, Any], type_spec: TypeSpec, path: str) -> Any:
        where = f"{path} ({type_spec.name})"
        for key in value:
            if key not in type_spec.fields:
                raise bad_request(f'unknown field "{key}" in {where}')
        for spec in type_spec.fields.values():
            if spec.required and spec.name not in value:
                raise bad_request(f'required field "{spec.name}" is missing in {where}')
        for key, fixed in type_spec.fixed.items():
            if key in value and value[key] != fixed:
                raise bad_request(f'field "{path}.{key}" must be "{fixed}" for {type_spec.name}')
        checked: dict[str, Any] = {}
        for key, item in value.items():
            if item is None:
                continue
            checked[key] = self._check(item, type_spec.fields[key].types, f"{path}.{key}")
        self._check_limits(type_spec.fields, checked, f"{path}.")
        if type_spec.exclusive is not None:
            kind, ignored = type_spec.exclusive
            used = [k for k in checked if k not in ignored]
            if kind == "exactly" and len(used) != 1:
                if not used and type_spec.name == "InlineKeyboardButton":
                    raise bad_request(
                        f"text buttons are unallowed in the inline keyboard ({path} has no "
                        "callback_data, url or other action)"
                    )
                raise bad_request(
                    f"exactly one of the optional fields must be used in {where}, got "
                    f"{', '.join(used) or 'none'}"
                )
            if kind == "at most" and len(used) > 1:
                raise bad_request(
                    f"at most one of the optional fields may be used in {where}, got "
                    f"{', '.join(used)}"
                )
        if type_spec.name in _BUTTON_TYPES and not checked.get("text"):
            raise bad_request(f'field "{path}.text": button text must be non-empty')
        return checked

    def _check_primitive(self, value: object, type_name: str, path: str) -> Any:
        if type_name == "Integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
                return int(value)
            raise _type_error(path, "Integer", value)
        if type_name == "Float":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str) and _FLOAT_RE.fullmatch(value.strip()):
                return float(value)
            raise _type_error(path, "Float", value)
        if type_name in ("Boolean", "True"):
            result: bool | None = None
            if isinstance(value, bool):
                result = value
            elif isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                result = value.lower() in ("true", "1")
            elif isinstance(value, int) and value in (0, 1):
                result = bool(value)
            if result is None or (type_name == "True" and not result):
                raise _type_error(path, type_name, value)
            return result
        if type_name == "String":
            if isinstance(value, str):
                if value.startswith("attach://"):
                    return self._attached(value, path, keep_uri=True)
                return value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            raise _type_error(path, "String", value)
        # InputFile
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            return self._attached(value, path)
        raise _type_error(path, "InputFile", value)

    def _attached(self, uri: str, path: str, *, keep_uri: bool = False) -> Any:
        name = uri[len("attach://") :]
        if name not in self.files:
            raise bad_request(f'{path}: no file was uploaded under the name "{name}" ({uri})')
        self.used_files.add(name)
        return uri if keep_uri else self.files[name]

    # -- documented limits -------------------------------------------------------------------

    def _check_limits(
        self, fields: Mapping[str, FieldSpec], values: Mapping[str, Any], prefix: str
    ) -> None:
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
                size = len(self._parsed(fields, values, name, value, prefix))
            if limit.low <= size <= limit.high:
                continue
            raise self._limit_error(prefix, spec, limit, size)

    def _parsed(
        self,
        fields: Mapping[str, FieldSpec],
        values: Mapping[str, Any],
        name: str,
        value: str,
        prefix: str,
    ) -> str:
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

    def _limit_error(self, prefix: str, spec: FieldSpec, limit: Limit, size: int) -> ApiError:
        name = spec.name
        full = f"{prefix}{name}"
        message_text = not prefix and name == "text" and spec.after_entities_parsing
        if message_text and size == 0:
            return bad_request("message text is empty")
        if message_text:
            return bad_request(f"message is too long ({size} characters, at most {limit.high})")
        if name == "caption":
            return bad_request(
                f"message caption is too long ({size} characters, at most {limit.high})"
            )
        if name == "callback_data":
            return bad_request(
                f"BUTTON_DATA_INVALID ({full} is {size} bytes, must be {limit.low}-{limit.high})"
            )
        what = "after entities parsing " if limit.unit == "characters" else ""
        return bad_request(
            f'"{full}" must be {limit.low}-{limit.high} {limit.unit} long {what}(got {size})'
        )
