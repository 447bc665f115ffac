"""Request validation against the reference, the way the real server checks a request.

The method's parameters must be documented, required ones present, values of the documented
types (nested objects field by field against the ``types`` section, uploaded files only where
an ``InputFile`` is allowed), and within the documented limits (:mod:`.limits`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ApiError, bad_request
from .limits import check_limits
from .models import UploadedFile
from .spec import PRIMITIVES, ApiSpec, FieldSpec, MethodSpec, TypeSpec, describe_value

__all__ = ["PTB_DEFAULT_PARAMS", "validate_request"]

_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
#: python-telegram-bot's ``Defaults`` add these to every method it sends through its generic
#: ``_send_message`` (editMessageReplyMarkup, stopMessageLiveLocation ...), documented there or
#: not. Telegram ignores parameters a method doesn't have, so the sandbox drops exactly these
#: instead of rejecting them; any other undocumented parameter is still a rejection.
PTB_DEFAULT_PARAMS = frozenset({"parse_mode", "disable_notification", "protect_content"})
_BUTTON_TYPES = frozenset({"InlineKeyboardButton", "KeyboardButton"})


def validate_request(
    spec: ApiSpec, method: MethodSpec, raw: Mapping[str, object]
) -> dict[str, Any]:
    """Check and coerce the parameters of one request; raise :class:`ApiError` (400)."""
    return _Validator(spec, method, raw).run()


def _type_error(path: str, expected: str, value: object) -> ApiError:
    return bad_request(
        f'field "{path}" must be of type {expected}, got {describe_value(value)} {_short(value)}'
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
        check_limits(fields, params, "")
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
            return 1 if describe_value(value) == base else 0
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
        check_limits(type_spec.fields, checked, f"{path}.")
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
