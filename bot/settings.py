"""Settings, read once from the environment and `.env` in `main()` and passed down."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated
from urllib.parse import SplitResult, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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
    # A report in one of these stages longer than this many days is on the morning list and
    # under `/reports overdue` (storage.rules.stuck).
    stale_accepted_days: int = Field(default=7, ge=1, le=365)
    stale_planned_days: int = Field(default=30, ge=1, le=365)
    stale_in_progress_days: int = Field(default=14, ge=1, le=365)
    outbox_claim_timeout_seconds: int = Field(default=300, ge=5)
    outbox_retention_days: int = Field(default=30, ge=1)
    # Telegram: about one message a second to one chat; the outbox keeps its rows to one
    # chat this far apart (bot/outbox.py).
    outbox_chat_gap_seconds: float = Field(default=1.0, ge=0, le=10)
    # The first pause after a failed Bot API request; each further pause doubles (replies:
    # a few retries, see bot/transport.py; start-up: until the API answers, see bot/startup.py).
    telegram_retry_first_seconds: float = Field(default=0.5, gt=0, le=60)
    # The longest single pause while waiting for the Bot API at start-up.
    telegram_retry_max_seconds: float = Field(default=30.0, gt=0, le=3600)

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
    def _base_url_ends_with_bot(cls, value: str) -> str:
        return normalise_api_base_url(value)

    @field_validator("database_url")
    @classmethod
    def _database_is_async(cls, value: str) -> str:
        if value.startswith("sqlite:///"):
            value = value.replace("sqlite:///", "sqlite+aiosqlite:///", 1)
        elif value.startswith(("postgresql://", "postgres://")):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        elif not value.startswith(("sqlite+aiosqlite://", "postgresql+psycopg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+psycopg://user@host/db")
        _check_port(urlsplit(value))
        try:
            make_url(value)
        except (ArgumentError, ValueError) as exc:
            raise ValueError(f"cannot be read as a database URL ({exc})") from None
        return value

    @field_validator("telegram_retry_max_seconds")
    @classmethod
    def _max_not_below_first(cls, value: float, info: ValidationInfo) -> float:
        first = info.data.get("telegram_retry_first_seconds")
        if first is not None and value < first:
            raise ValueError(f"must not be below TELEGRAM_RETRY_FIRST_SECONDS ({first})")
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
    def stale_days(self) -> dict[str, int]:
        """Days a report may stay in each of these stages (status code -> days)."""
        return {
            "accepted": self.stale_accepted_days,
            "planned": self.stale_planned_days,
            "in_progress": self.stale_in_progress_days,
        }

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_file_url(self) -> str:
        """The file download prefix that matches `telegram_api_base_url` (`…/file/bot`)."""
        return self.telegram_api_base_url.removesuffix("/bot") + "/file/bot"


def _check_port(parts: SplitResult) -> None:
    try:
        parts.port  # noqa: B018  (reading it validates it)
    except ValueError:
        # never the password: test_startup_faults.test_a_malformed_database_port_is_named
        host_and_port = parts.netloc.rpartition("@")[2]
        raise ValueError(f"the port in {host_and_port!r} is not a number from 0 to 65535") from None


def normalise_api_base_url(value: str) -> str:
    """The Bot API prefix as PTB wants it, ending in `/bot` (it appends the token).

    A self-hosted Bot API server is usually given by its address alone
    (`http://127.0.0.1:8081`): `/bot` is added when it is missing, and a trailing slash
    dropped, so both spellings mean the same server.
    """
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("no host in it (e.g. http://127.0.0.1:8081)")
    _check_port(parts)
    if parts.query or parts.fragment:
        raise ValueError("must not have a query (?…) or a fragment (#…)")
    path = parts.path.rstrip("/")
    if not path.endswith("/bot"):
        path += "/bot"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class SettingsError(Exception):
    """A missing or invalid setting, described in one line."""


class StartupError(Exception):
    """A setting that reads well but the world refused (the database will not open, the Bot
    API rejects the token): one line naming the setting and what to do (bot/startup.py)."""


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
