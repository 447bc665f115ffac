"""The `microspace` command's database subcommands, run as a user would."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from storage.db import make_engine, session_scope
from storage.models import Community
from tests.factories import make_person, make_report

ROOT = Path(__file__).parents[2]


def microspace(
    *args: str, database: Path, url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The command, run in `database`'s directory on that database (or on `url`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(DATABASE_URL=url or f"sqlite:///{database}", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=database.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def add_report(database: Path, media: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    async with session_scope(engine) as session:
        community = (
            await session.exec(select(Community).where(Community.slug == "xinhua-road"))
        ).one()
        reporter = await make_person(session, community=community, telegram_id=987654321)
        reporter.first_name = "Zhang Wei"
        await make_report(session, media_dir=media, reporter=reporter)
    await engine.dispose()


def test_import_then_export(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    upgraded = microspace("db", "upgrade", database=database)
    assert upgraded.returncode == 0, upgraded.stderr
    example = str(ROOT / "bot" / "examples" / "communities.yaml")
    imported = microspace("communities", "import", example, database=database)
    assert imported.returncode == 0, imported.stderr
    assert "communities: 3 created, 0 updated" in imported.stdout
    asyncio.run(add_report(database, tmp_path / "media"))

    geojson = microspace(
        "export", "--community", "xinhua-road", "--format", "geojson", database=database
    )
    assert geojson.returncode == 0, geojson.stderr
    feature = json.loads(geojson.stdout)["features"][0]
    assert feature["properties"]["ref"] == "R-000001"
    assert feature["geometry"]["coordinates"] == [121.4271, 31.2067]
    assert "987654321" not in geojson.stdout
    assert "Zhang Wei" not in geojson.stdout

    out = tmp_path / "reports.csv"
    csv = microspace("export", "--output", str(out), database=database)
    assert csv.returncode == 0, csv.stderr
    assert out.read_text(encoding="utf-8").startswith("\ufeffref,community,category")

    unknown = microspace("export", "--community", "nowhere", database=database)
    assert unknown.returncode == 2
    assert "nowhere" in unknown.stderr


def test_a_bad_communities_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("communities: [", encoding="utf-8")
    result = microspace("communities", "import", str(bad), database=tmp_path / "db.sqlite3")
    assert result.returncode == 2
    assert "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory", encoding="utf-8")
    (tmp_path / "work").mkdir()
    result = microspace(
        "db",
        "upgrade",
        database=tmp_path / "work" / "db.sqlite3",
        url=f"sqlite:///{tmp_path}/a-file/db.sqlite3",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("microspace: DATABASE_URL: cannot create the directory")
