"""Conversation tests: the real bot, over real HTTP, against the Bot API sandbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.app import MicrospaceApp, build_application, handler_config
from bot.runner import start_polling, stop_polling
from bot.settings import Settings, load_settings
from botapi_sandbox import Person, Sandbox
from storage.communities import import_communities, read_communities_file
from storage.db import make_engine, session_scope
from storage.models import OutboxMessage
from tests.databases import empty_postgres_database
from tests.factories import NOW

EXAMPLE = Path(__file__).parents[2] / "bot" / "examples" / "communities.yaml"
ADMIN_ID = 9000
#: outbox rows still to be sent ("sending": claimed by a sender, not yet marked)
UNSENT_OUTBOX_STATUSES = ("pending", "sending")
OUTBOX_POLL_SECONDS = 0.02


@dataclass
class Clock:
    """A controllable clock for the bot: starts at a fixed time, runs at real speed, and
    jumps forward when told (so retries and pauses behave as in production)."""

    start: datetime = NOW
    offset: timedelta = timedelta(0)
    _origin: float = field(default_factory=time.monotonic)

    def __call__(self) -> datetime:
        return self.start + self.offset + timedelta(seconds=time.monotonic() - self._origin)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class Bot:
    """The bot under test: its settings, database and the running Application."""

    sandbox: Sandbox
    settings: Settings
    engine: AsyncEngine
    clock: Clock
    application: MicrospaceApp | None = None
    _unhook: Callable[[], None] | None = None
    # Scripted people are faster than any thumb: the flood limit is raised except where a
    # test sets its own.
    overrides: dict[str, Any] = field(default_factory=lambda: {"flood_limit": 1000})
    # Production's even pace (`bot.app.telegram_pace`: one message every 3.1 s per group) is
    # held in test_broadcast.py; elsewhere PTB's bursts keep group conversations quick.
    pace: Callable[[], BaseRateLimiter[Any]] = lambda: AIORateLimiter(max_retries=3)

    @property
    def media_dir(self) -> Path:
        return self.settings.media_dir

    def session(self) -> Any:
        return session_scope(self.engine)

    async def start(self) -> None:
        config = replace(handler_config(self.settings), album_settle_seconds=0.3, **self.overrides)
        self.application = build_application(
            self.settings,
            engine=self.engine,
            clock=self.clock,
            config=config,
            rate_limiter=self.pace(),
        )
        await start_polling(self.application)
        self._unhook = self.sandbox.on_settle(self.settled)

    async def stop(self) -> None:
        if self._unhook is not None:
            self._unhook()
            self._unhook = None
        if self.application is not None:
            await stop_polling(self.application)
            self.application = None

    async def settled(self) -> None:
        """The bot's half of the sandbox's settle barrier (see `Sandbox.settle`).

        By now the sandbox knows the Updater took every update in. PTB calls
        `update_queue.task_done()` only after an update was processed (handlers, error
        handlers), so joining the queue waits for every update taken in so far. What handlers
        committed to the outbox is sent by the sender's own task: wait until no row is left
        to send (a row stays `pending` until it is marked sent, blocked or failed).
        """
        assert self.application is not None
        await self.application.update_queue.join()
        while await self.unsent_outbox_rows():
            self.wake_outbox()
            await asyncio.sleep(OUTBOX_POLL_SECONDS)

    async def unsent_outbox_rows(self) -> int:
        async with self.session() as session:
            rows = await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(col(OutboxMessage.status).in_(UNSENT_OUTBOX_STATUSES))
            )
            return int(rows.one())

    def wake_outbox(self) -> None:
        assert self.application is not None
        self.application.bot_data.services.wake_outbox()

    async def restart(self) -> None:
        """Throw the Application away and build a new one on the same database."""
        await self.stop()
        await self.start()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sandbox = Sandbox()
    await sandbox.start()
    yield sandbox
    await sandbox.stop()
    assert sandbox.rejections == [], f"the sandbox rejected requests: {sandbox.rejections}"
    assert sandbox.unanswered_taps() == [], "every button press gets an answer"


@pytest.fixture
def bot_database_url(request: pytest.FixtureRequest) -> str:
    """SQLite, or the database a test names with
    ``@pytest.mark.parametrize("bot_database_url", DATABASES, indirect=True)``."""
    if getattr(request, "param", "sqlite") == "sqlite":
        url: str = request.getfixturevalue("sqlite_database_url")
        return url
    url = request.getfixturevalue("postgres_database")  # skips when there is none
    empty_postgres_database(url)
    return url


@pytest.fixture
async def bot(sandbox: Sandbox, bot_database_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    engine = make_engine(bot_database_url)
    async with session_scope(engine) as session:
        await import_communities(session, items=read_communities_file(EXAMPLE))
    settings = load_settings(
        _env_file=None,
        telegram_bot_token=sandbox.token,
        telegram_api_base_url=sandbox.base_url,
        database_url=bot_database_url,
        media_dir=tmp_path / "media",
        reports_per_hour=3,
        admin_ids=str(ADMIN_ID),
        # Telegram's one message a second per chat is held in tests/conversation/
        # test_broadcast.py; elsewhere a resident's two notices need not wait a second.
        outbox_chat_gap_seconds=0.05,
    )
    harness = Bot(sandbox=sandbox, settings=settings, engine=engine, clock=Clock())
    await harness.start()
    yield harness
    await harness.stop()
    await engine.dispose()


@pytest.fixture
def resident(sandbox: Sandbox) -> Person:
    return sandbox.person(user_id=1001, first_name="王阿姨", language_code="zh-hans")


@pytest.fixture
def alice(sandbox: Sandbox) -> Person:
    return sandbox.person(user_id=1002, first_name="Alice", language_code="en")


async def onboard(person: Person, *, english: bool = False, community: str | None = None) -> None:
    """/start (the language is Telegram's), choose a community from the menu, and arrive at
    the menu. `english`: the person's Telegram speaks English (else Chinese)."""
    assert _is_english(person) == english, "the language comes from Telegram's language_code"
    await person.send("/start")
    if english:
        await person.expect_message(containing="I will speak English")
        await person.tap("🏘 Community")
        await person.expect_message(containing="Please choose your community")
        await person.tap(community or "Xinhua Road Community")
        await person.expect_message(containing="Community:")
    else:
        await person.expect_message(containing="我会用中文和您交流")
        await person.tap("🏘 社区")
        await person.expect_message(containing="请选择您所在的社区")
        await person.tap(community or "新华路社区")
        await person.expect_message(containing="社区：")


def _is_english(person: Person) -> bool:
    return str(person.user.get("language_code") or "").startswith("en")


@pytest.fixture
def admin(sandbox: Sandbox) -> Person:
    return sandbox.person(user_id=ADMIN_ID, first_name="Admin", language_code="en")


async def make_planner(admin: Person, planner: Person, *, community: str = "xinhua-road") -> None:
    """The admin invites `planner` to a community, and the planner joins with the code."""
    await admin.send(f"/invite planner {community}")
    invite = await admin.expect_message(containing="/join ")
    code = invite.text.split("/join ", 1)[1].split()[0]
    await planner.send(f"/join {code}")
    await planner.expect_message(containing="planner of")


@pytest.fixture
async def planner(bot: Bot, sandbox: Sandbox, admin: Person) -> Person:
    """Li, a planner of Xinhua Road Community (invited by the admin, joined with the code)."""
    li = sandbox.person(user_id=3001, first_name="Li", language_code="en")
    await make_planner(admin, li)
    return li
