"""Settings: defaults, validation, and the one-line error for a missing or bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import handler_config
from bot.settings import DEPARTMENT_CODES, OFFICIAL_API_BASE_URL, SettingsError, load_settings
from storage.models import Department


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "DATABASE_", "MEDIA_", "ADMIN_", "REPORTS_")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("TIMEZONE", raising=False)
    monkeypatch.delenv("DEFAULT_LOCALE", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here


def test_defaults() -> None:
    settings = load_settings(telegram_bot_token="123:abc")
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.base_file_url == "https://api.telegram.org/file/bot"
    assert settings.database_url == "sqlite+aiosqlite:///./data/microspace.sqlite3"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.default_locale == "zh"
    assert settings.admin_ids == frozenset()
    assert settings.reports_per_hour == 10


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:secret")
    monkeypatch.setenv("ADMIN_IDS", "1, 2,3")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    settings = load_settings()
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert "secret" not in repr(settings)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"telegram_bot_token": "123456:replace-me"}, "TELEGRAM_BOT_TOKEN is invalid"),
        ({"telegram_bot_token": "1:a", "timezone": "Mars/Base"}, "TIMEZONE is invalid"),
        ({"telegram_bot_token": "1:a", "default_locale": "fr"}, "DEFAULT_LOCALE is invalid"),
        ({"telegram_bot_token": "1:a", "admin_ids": "x"}, "ADMIN_IDS is invalid"),
        ({"telegram_bot_token": "1:a", "reports_per_hour": 0}, "REPORTS_PER_HOUR is invalid"),
        ({"telegram_bot_token": "1:a", "database_url": "mysql://x"}, "DATABASE_URL is invalid"),
        (
            {"telegram_bot_token": "1:a", "database_url": "postgresql://u@127.0.0.1:54x2/db"},
            "DATABASE_URL is invalid: the port",
        ),
        (
            {"telegram_bot_token": "1:a", "telegram_api_base_url": "http://127.0.0.1:80x1/bot"},
            "TELEGRAM_API_BASE_URL is invalid: the port",
        ),
        (
            {"telegram_bot_token": "1:a", "telegram_api_base_url": "http:///bot"},
            "TELEGRAM_API_BASE_URL is invalid: no host",
        ),
        (
            {"telegram_bot_token": "1:a", "telegram_api_base_url": "api.telegram.org/bot"},
            "TELEGRAM_API_BASE_URL is invalid: must start with http",
        ),
        (
            {"telegram_bot_token": "1:a", "telegram_retry_first_seconds": 0},
            "TELEGRAM_RETRY_FIRST_SECONDS is invalid",
        ),
        (
            {
                "telegram_bot_token": "1:a",
                "telegram_retry_first_seconds": 5,
                "telegram_retry_max_seconds": 2,
            },
            "TELEGRAM_RETRY_MAX_SECONDS is invalid",
        ),
        (
            {"telegram_bot_token": "1:a", "outbox_claim_timeout_seconds": 1},
            "OUTBOX_CLAIM_TIMEOUT_SECONDS is invalid",
        ),
        (
            {"telegram_bot_token": "1:a", "outbox_retention_days": 0},
            "OUTBOX_RETENTION_DAYS is invalid",
        ),
        (
            {"telegram_bot_token": "1:a", "outbox_chat_gap_seconds": 11},
            "OUTBOX_CHAT_GAP_SECONDS is invalid",
        ),
        ({"telegram_bot_token": "1:a", "stale_accepted_days": 0}, "STALE_ACCEPTED_DAYS is invalid"),
        ({"telegram_bot_token": "1:a", "stale_planned_days": 366}, "STALE_PLANNED_DAYS is invalid"),
        (
            {"telegram_bot_token": "1:a", "stale_in_progress_days": "soon"},
            "STALE_IN_PROGRESS_DAYS is invalid",
        ),
    ],
)
def test_bad_settings_are_named(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(**overrides)


@pytest.mark.parametrize(
    ("given", "base_url", "base_file_url"),
    [
        # a self-hosted Bot API server is usually given without PTB's /bot suffix
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        (
            "http://127.0.0.1:8081/bot",
            "http://127.0.0.1:8081/bot",
            "http://127.0.0.1:8081/file/bot",
        ),
        (
            "http://127.0.0.1:8081/bot/",
            "http://127.0.0.1:8081/bot",
            "http://127.0.0.1:8081/file/bot",
        ),
        ("https://api.telegram.org", OFFICIAL_API_BASE_URL, "https://api.telegram.org/file/bot"),
        # behind a reverse proxy, under a path of its own
        (
            "https://proxy.example/tg",
            "https://proxy.example/tg/bot",
            "https://proxy.example/tg/file/bot",
        ),
    ],
)
def test_the_api_base_url_works_with_or_without_the_bot_suffix(
    given: str, base_url: str, base_file_url: str
) -> None:
    settings = load_settings(telegram_bot_token="1:a", telegram_api_base_url=given)
    assert settings.telegram_api_base_url == base_url
    assert settings.base_file_url == base_file_url


def test_the_command_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["TIMEZONE"] = "Asia/Shanghai"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).parents[2])},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "microspace: TELEGRAM_BOT_TOKEN is not set (see .env.example)"
    assert "Traceback" not in result.stderr


def test_departments_are_a_configurable_choice() -> None:
    settings = load_settings(telegram_bot_token="1:a", departments="sanitation, greening")
    assert settings.departments == ("sanitation", "greening")
    with pytest.raises(SettingsError, match="DEPARTMENTS is invalid"):
        load_settings(telegram_bot_token="1:a", departments="police")


def test_department_codes_match_the_stored_ones() -> None:
    assert DEPARTMENT_CODES == tuple(d.value for d in Department)


def test_a_bot_started_after_the_morning_time_catches_up() -> None:
    from datetime import UTC, datetime, time
    from zoneinfo import ZoneInfo

    from bot.jobs import morning_missed

    shanghai = ZoneInfo("Asia/Shanghai")
    at = time(8, 30)
    assert not morning_missed(datetime(2026, 11, 2, 0, 29, tzinfo=UTC), tz=shanghai, morning=at)
    assert morning_missed(datetime(2026, 11, 2, 0, 30, tzinfo=UTC), tz=shanghai, morning=at)


def test_the_outbox_sender_gets_its_timeout_and_retention(tmp_path: Path) -> None:
    from datetime import timedelta

    from bot.app import build_application

    settings = load_settings(
        telegram_bot_token="1:a",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
        outbox_claim_timeout_seconds=42,
        outbox_retention_days=3,
        outbox_chat_gap_seconds=0.25,
    )
    sender = build_application(settings).bot_data.outbox
    assert (sender.claim_timeout, sender.retention) == (timedelta(seconds=42), timedelta(days=3))
    assert sender.chat_gap == timedelta(seconds=0.25)


def test_stale_days_reach_the_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STALE_ACCEPTED_DAYS", "3")
    monkeypatch.setenv("STALE_PLANNED_DAYS", "20")
    monkeypatch.setenv("STALE_IN_PROGRESS_DAYS", "9")
    settings = load_settings(_env_file=None, telegram_bot_token="1:a")
    expected = {"accepted": 3, "planned": 20, "in_progress": 9}
    assert handler_config(settings).stale_days == expected
