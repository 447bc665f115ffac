"""Database work per update: one resident's report conversation, counted on the engine.

For every update the bot handles it counts, with SQLAlchemy engine events, the units of
work (transactions) it opened, how many of them wrote (ran an INSERT, UPDATE or DELETE) and
the statements it ran. Only work done while handling updates counts: the outbox sender and
scheduled jobs run in tasks of their own. tests/conversation/test_units_of_work.py runs the
same conversation and holds the bot to its budget.

    .venv/bin/python -m benchmarks.units_of_work [--output FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

DEFAULT_OUTPUT = Path(__file__).with_name("results") / "units_of_work.json"
WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class UpdateFigures:
    """What one update cost the database."""

    update: str
    transactions: int
    writes: int
    statements: int


@dataclass
class _Unit:
    statements: int = 0
    wrote: bool = False


@dataclass
class UnitsOfWork:
    """Counts units of work and statements run by the task that processes updates."""

    engine: AsyncEngine
    task_suffix: str = ":update_fetcher"  # PTB's task; it handles updates one by one
    _open: dict[int, _Unit] = field(default_factory=dict)
    _done: list[_Unit] = field(default_factory=list)

    def __post_init__(self) -> None:
        sync = self.engine.sync_engine
        event.listen(sync, "begin", self._begin)
        event.listen(sync, "commit", self._end)
        event.listen(sync, "rollback", self._end)
        event.listen(sync, "before_cursor_execute", self._statement)

    def close(self) -> None:
        sync = self.engine.sync_engine
        event.remove(sync, "begin", self._begin)
        event.remove(sync, "commit", self._end)
        event.remove(sync, "rollback", self._end)
        event.remove(sync, "before_cursor_execute", self._statement)

    def _counted(self) -> bool:
        try:
            task = asyncio.current_task()
        except RuntimeError:
            return False
        return task is not None and task.get_name().endswith(self.task_suffix)

    def _begin(self, connection: Any) -> None:
        if self._counted():
            self._open[id(connection)] = _Unit()

    def _end(self, connection: Any) -> None:
        unit = self._open.pop(id(connection), None)
        if unit is not None:
            self._done.append(unit)

    def _statement(self, connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        unit = self._open.get(id(connection))
        if unit is None:
            return
        unit.statements += 1
        unit.wrote = unit.wrote or statement.lstrip().upper().startswith(WRITES)

    def take(self, update: str) -> UpdateFigures:
        """The figures since the last call (the update just handled), and start afresh."""
        done, self._done = self._done, []
        return UpdateFigures(
            update=update,
            transactions=len(done),
            writes=sum(unit.wrote for unit in done),
            statements=sum(unit.statements for unit in done),
        )


#: (update, what the person does, the bot's messages that answer it, in order)
Step = tuple[str, Callable[[Any], Awaitable[object]], tuple[str, ...]]


XINHUA = {"latitude": 31.2069, "longitude": 121.4273}  # near a landmark of Xinhua Road


def report_conversation(photo: bytes) -> list[Step]:
    """From /start to the receipt, as the benchmark's residents do: (update, act, reply)."""
    return [
        ("/start", lambda p: p.send("/start"), ("我会用中文和您交流",)),
        ("photo", lambda p: p.send_photo(photo), ("已收到 1 张照片",)),
        ("location", lambda p: p.tap("📍 发送我的位置", **XINHUA), ("第 3 步",)),
        ("tap category", lambda p: p.tap("🗑 垃圾与杂物堆放"), ("第 4 步",)),
        ("tap skip", lambda p: p.tap("➡ 跳过"), ("请确认您的报告",)),
        ("tap confirm", lambda p: p.tap("✅ 确认提交"), ("R-",)),
        ("/myreports", lambda p: p.send("/myreports"), ("您的报告共 1 份",)),
    ]


async def measure(
    person: Any,
    counter: UnitsOfWork,
    steps: list[Step],
    settle: Callable[[], Awaitable[None]],
) -> list[UpdateFigures]:
    """Run the steps one by one, each read in full and settled (the bot has finished with
    the update, also after its reply), and count each."""
    figures = []
    counter.take("before")
    for name, act, replies in steps:
        await act(person)
        for reply in replies:
            await person.expect_message(containing=reply)
        await settle()
        figures.append(counter.take(name))
    return figures


def summary(figures: list[UpdateFigures]) -> dict[str, int]:
    return {
        "updates": len(figures),
        "transactions": sum(f.transactions for f in figures),
        "write_transactions": sum(f.writes for f in figures),
        "statements": sum(f.statements for f in figures),
        "most_writes_in_one_update": max(f.writes for f in figures),
    }


async def _run() -> list[UpdateFigures]:
    from bot.app import build_application, handler_config
    from bot.demo import EXAMPLE_COMMUNITIES
    from bot.runner import polling
    from bot.settings import load_settings
    from botapi_sandbox import Sandbox, make_photo
    from storage.communities import import_communities, read_communities_file
    from storage.db import make_engine, session_scope, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'uow.sqlite3'}"
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        async with session_scope(engine) as session:
            await import_communities(session, items=read_communities_file(EXAMPLE_COMMUNITIES))
        sandbox = Sandbox()
        await sandbox.start()
        settings = load_settings(
            _env_file=None,
            telegram_bot_token=sandbox.token,
            telegram_api_base_url=sandbox.base_url,
            database_url=url,
            media_dir=Path(tmp) / "media",
        )
        config = handler_config(settings)
        application = build_application(settings, engine=engine, config=config)
        counter = UnitsOfWork(engine)
        # the settle barrier's bot half: PTB marks an update done after its handlers ran
        sandbox.on_settle(application.update_queue.join)
        try:
            async with polling(application):
                resident = sandbox.person(user_id=1001, first_name="王阿姨", language_code="zh")
                steps = report_conversation(make_photo(seed=1))
                return await measure(resident, counter, steps, sandbox.settle)
        finally:
            counter.close()
            await sandbox.stop()
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    figures = asyncio.run(_run())
    width = max(len(f.update) for f in figures)
    lines = [f"{'update':<{width}}  units  writes  statements"]
    lines += [
        f"{f.update:<{width}}  {f.transactions:>5}  {f.writes:>6}  {f.statements:>10}"
        for f in figures
    ]
    total = summary(figures)
    lines.append(
        f"{'total':<{width}}  {total['transactions']:>5}  {total['write_transactions']:>6}  "
        f"{total['statements']:>10}"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"summary": total, "updates": [asdict(f) for f in figures]}, indent=2) + "\n"
    )
    os.write(1, ("\n".join(lines) + "\n").encode())


if __name__ == "__main__":
    main()
