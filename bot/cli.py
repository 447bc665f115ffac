"""The `microspace` command: parses arguments and calls into the assembly; nothing more."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError, StartupError, load_settings

if TYPE_CHECKING:
    from storage.communities import CommunityIn


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="microspace", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="apply migrations, then serve Telegram by long polling")
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="bring the schema to the newest revision")
    communities = commands.add_parser("communities", help="manage communities")
    community_commands = communities.add_subparsers(dest="communities_command", required=True)
    importer = community_commands.add_parser("import", help="import a YAML or TOML file")
    importer.add_argument("file", type=Path)
    exporter = commands.add_parser("export", help="open data: reports without personal data")
    exporter.add_argument("--community", metavar="SLUG", help="one community (default: all)")
    exporter.add_argument("--format", choices=("csv", "geojson"), default="csv")
    exporter.add_argument(
        "--output", type=Path, metavar="FILE", help="write to FILE (default: standard output)"
    )
    demo = commands.add_parser("demo", help="play a walkthrough against a local Bot API sandbox")
    demo.add_argument("--quiet", action="store_true", help="print only the summary line")
    demo.add_argument(
        "--output",
        type=Path,
        default=Path(),
        help="where the committee digest's chart is saved (demo-digest.png; default: here)",
    )
    return parser


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        print(f"microspace: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _database_only_settings() -> Settings:
    """Database commands work without a bot token."""
    return _settings(telegram_bot_token="0:database-only")


def cmd_run() -> int:
    settings = _settings()
    from bot.app import build_application
    from bot.runner import serve
    from bot.startup import open_database, warm_up_photo_hashing
    from bot.transport import Backoff

    open_database(settings.database_url)
    warm_up_photo_hashing()
    application = build_application(settings)
    backoff = Backoff.from_settings(settings)
    asyncio.run(serve(application, backoff=backoff, base_url=settings.telegram_api_base_url))
    return 0


def cmd_db_upgrade() -> int:
    from bot.startup import open_database

    settings = _database_only_settings()
    open_database(settings.database_url)
    print("database schema is up to date")
    return 0


def cmd_communities_import(path: Path) -> int:
    from bot.startup import open_database
    from storage.communities import CommunityFileError, read_communities_file

    settings = _database_only_settings()
    try:
        items = read_communities_file(path)
    except CommunityFileError as exc:
        print(f"microspace: {exc}", file=sys.stderr)
        return 2
    open_database(settings.database_url)
    created, updated = asyncio.run(_import(settings.database_url, items))
    print(f"communities: {created} created, {updated} updated")
    return 0


async def _import(url: str, items: list[CommunityIn]) -> tuple[int, int]:
    from storage.communities import import_communities
    from storage.db import make_engine, session_scope

    engine = make_engine(url)
    try:
        async with session_scope(engine) as session:
            return await import_communities(session, items=items)
    finally:
        await engine.dispose()


def cmd_export(*, community: str | None, export_format: str, output: Path | None) -> int:
    from bot.startup import open_database
    from storage.export import UnknownCommunityError

    settings = _database_only_settings()
    open_database(settings.database_url)
    try:
        text = asyncio.run(_export(settings.database_url, community, export_format))
    except UnknownCommunityError as exc:
        print(f"microspace: {exc}", file=sys.stderr)
        return 2
    if output is None:
        sys.stdout.write(text)
        return 0
    bom = "\ufeff" if export_format == "csv" else ""  # Excel reads UTF-8 CSV only with a BOM
    output.write_text(bom + text, encoding="utf-8", newline="")
    print(f"export: wrote {output}", file=sys.stderr)
    return 0


async def _export(url: str, community: str | None, export_format: str) -> str:
    from storage.db import make_engine, session_scope
    from storage.export import export_text

    engine = make_engine(url)
    try:
        async with session_scope(engine) as session:
            return await export_text(
                session,
                community_slug=community,
                export_format="geojson" if export_format == "geojson" else "csv",
            )
    finally:
        await engine.dispose()


def cmd_demo(*, quiet: bool, output: Path) -> int:
    from bot.demo import run_demo

    status: int = asyncio.run(run_demo(quiet=quiet, output=output))
    return status


def _migrations_only(record: logging.LogRecord) -> bool:
    """Of Alembic's start-up chatter, keep the lines saying a migration runs."""
    return record.getMessage().startswith("Running ")


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not the bot's; its INFO has the token
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").addFilter(_migrations_only)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # durations as timedelta (PTB 22's future)
    _configure_logging()
    try:
        return _dispatch(args)
    except StartupError as exc:  # the world refused (database, Bot API): one line, exit 1
        print(f"microspace: {exc}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return cmd_run()
    if args.command == "db":
        return cmd_db_upgrade()
    if args.command == "communities":
        return cmd_communities_import(args.file)
    if args.command == "export":
        return cmd_export(community=args.community, export_format=args.format, output=args.output)
    return cmd_demo(quiet=args.quiet, output=args.output)


if __name__ == "__main__":
    raise SystemExit(main())
