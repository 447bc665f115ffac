"""Every user-visible word, as Jinja2 macros per locale.

A key is `<file>.<macro>`: `render("report.ask_photos", "zh", count=2)` calls the macro
`ask_photos(count)` in `prompts/zh/report.j2`. Autoescape is on, because messages are sent
in HTML parse mode: user text passed as a parameter is escaped wherever it is rendered.
`render_text()` is for what Telegram shows as plain text (button labels, the answer to a
button press), where an escape would show as "&amp;".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

PROMPTS_DIR = Path(__file__).parent
LOCALES = ("zh", "en")
FALLBACK_LOCALE = "zh"


class UnknownPromptError(KeyError):
    """A key that names no macro in the locale's templates."""


@cache
def _environment(autoescape: bool = True) -> Environment:
    return Environment(
        loader=FileSystemLoader(PROMPTS_DIR),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@cache
def _module(locale: str, name: str, autoescape: bool = True) -> Any:
    template: Template = _environment(autoescape).get_template(f"{locale}/{name}.j2")
    return template.module


def normalise_locale(locale: str | None) -> str:
    """Map a Telegram language_code (zh-hans, en-GB…) or a stored locale to one we have."""
    if not locale:
        return FALLBACK_LOCALE
    base = locale.lower().split("-")[0].split("_")[0]
    return base if base in LOCALES else FALLBACK_LOCALE


def render(key: str, locale: str, /, **params: Any) -> str:
    """The HTML for `key` in `locale`, with `params` escaped into it."""
    return _render(key, locale, params, autoescape=True)


def render_text(key: str, locale: str, /, **params: Any) -> str:
    """The plain text for `key` in `locale` (a button label, the answer to a press)."""
    return _render(key, locale, params, autoescape=False)


def _render(key: str, locale: str, params: dict[str, Any], *, autoescape: bool) -> str:
    name, _, macro_name = key.partition(".")
    if not macro_name:
        raise UnknownPromptError(key)
    try:
        module = _module(normalise_locale(locale), name, autoescape)
    except Exception as exc:  # TemplateNotFound and syntax errors alike
        raise UnknownPromptError(key) from exc
    macro = getattr(module, macro_name, None)
    if macro is None:
        raise UnknownPromptError(key)
    return str(macro(**params)).strip()


def catalogue(locale: str) -> dict[str, tuple[str, ...]]:
    """Every key of a locale with the parameter names its macro takes (for the parity test)."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted((PROMPTS_DIR / locale).glob("*.j2")):
        module = _module(locale, path.stem)
        for attr in dir(module):
            macro = getattr(module, attr)
            if hasattr(macro, "arguments") and not attr.startswith("_"):
                found[f"{path.stem}.{attr}"] = tuple(macro.arguments)
    return found


def matches_button(text: str, key: str) -> bool:
    """Whether `text` is the label of button `key` in any locale (reply keyboards send labels)."""
    return any(text == render_text(key, locale) for locale in LOCALES)
