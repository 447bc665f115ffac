"""Settings, read once from the environment and `.env` in `main()` and passed down."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

import prompts
from storage.models import Department

OFFICIAL_API_BASE_URL = "https://api.telegram.org/bot"
PLACEHOLDER_TOKENS = {"", "123456:replace-me", "changeme", "your-token-here"}
SUPPORTED_LOCALES = prompts.LOCALES
# Departments a report can be routed to (storage.models.Department); labels live in
# prompts/*/department.j2.
DEPARTMENT_CODES = tuple(d.value for d in Department)


class Settings(BaseSettings):
    """Everything the bot can be configured with; documented in `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr
    telegram_api_base_url: str = OFFICIAL_API_BASE_URL
    database_url: str = "sqlite+aiosqlite:///./data/microspace.sqlite3"
    media_dir: Path = Path("./data/media")
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh"
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    reports_per_hour: int = Field(default=10, ge=1)
    first_response_hours: int = Field(default=48, ge=1)
    departments: Annotated[tuple[str, ...], NoDecode] = DEPARTMENT_CODES
    planner_morning_time: time = time(8, 30)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_is_real(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if token in PLACEHOLDER_TOKENS or ":" not in token:
            raise ValueError(
                "set a real token from @BotFather (the .env.example value is a placeholder)"
            )
        return SecretStr(token)

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_is_async(cls, value: str) -> str:
        if value.startswith("sqlite:///"):
            return value.replace("sqlite:///", "sqlite+aiosqlite:///", 1)
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+psycopg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+psycopg://user@host/db")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale_supported(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError("a comma-separated list of Telegram user ids") from exc
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("departments", mode="before")
    @classmethod
    def _parse_departments(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(p.strip() for p in value.split(",") if p.strip())
        if isinstance(value, (tuple, list)):
            unknown = [p for p in value if p not in DEPARTMENT_CODES]
            if unknown or not value:
                raise ValueError(f"a comma-separated choice of {', '.join(DEPARTMENT_CODES)}")
            return tuple(value)
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_file_url(self) -> str:
        """The file download prefix that matches `telegram_api_base_url`."""
        base = self.telegram_api_base_url
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base.rstrip("/") + "/file/bot"


class SettingsError(Exception):
    """A missing or invalid setting, described in one line."""


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one line naming the setting."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        if first["type"] == "missing":
            raise SettingsError(f"{name} is not set (see .env.example)") from None
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name} is invalid: {message}") from None
