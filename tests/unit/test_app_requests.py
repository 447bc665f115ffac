"""bot/app.py builds both request objects on aiohttp: replies retried, getUpdates not."""

from __future__ import annotations

from pathlib import Path

from bot.aiohttp_request import AiohttpRequest
from bot.app import build_application
from bot.settings import load_settings
from bot.transport import RetryingRequest
from storage.db import make_engine


async def test_replies_retry_and_get_updates_has_a_plain_request_of_its_own(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        _env_file=None,
        telegram_bot_token="123:abc",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}",
    )
    engine = make_engine(settings.database_url)
    try:
        application = build_application(settings, engine=engine)
        get_updates, replies = application.bot._request  # PTB keeps them in this order
    finally:
        await engine.dispose()
    assert isinstance(replies, RetryingRequest)
    # PTB's polling loop retries getUpdates itself: no retry wrapper under it
    assert type(get_updates) is AiohttpRequest
    assert get_updates.read_timeout == 5.0  # PTB adds the poll's timeout to it
