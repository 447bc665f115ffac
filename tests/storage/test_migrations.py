"""Alembic owns the schema: it matches the models, and upgrades and downgrades cleanly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from storage import models  # noqa: F401
from storage.db import downgrade, make_engine, session_scope, sync_url, upgrade
from storage.stats import report_stats
from storage.types import UTCDateTime


def test_schema_matches_models(fresh_database_url: str) -> None:
    engine = create_engine(sync_url(fresh_database_url))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_up_again(fresh_database_url: str) -> None:
    downgrade(fresh_database_url, "base")
    engine = create_engine(sync_url(fresh_database_url))
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(fresh_database_url)
    assert {"report", "report_event", "report_draft", "person"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def constraint_names(url: str) -> set[str | None]:
    """Every primary key, foreign key and unique constraint's name, all tables."""
    engine = create_engine(sync_url(url))
    inspector = inspect(engine)
    names: set[str | None] = set()
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        names.add(inspector.get_pk_constraint(table).get("name"))
        names.update(fk.get("name") for fk in inspector.get_foreign_keys(table))
        names.update(uq.get("name") for uq in inspector.get_unique_constraints(table))
    engine.dispose()
    return names


CONVENTIONAL = {
    "pk_report",
    "fk_report_reporter_id_person",
    "uq_report_draft_person_id",
    "uq_person_role_person_id_role_community_id",
    "uq_outbox_message_dedupe_key",
}


def test_a_database_made_before_the_naming_convention_gets_its_names(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    downgrade(database_url, "base")
    # the schema as 0001 and 0002 made it before constraints were named
    monkeypatch.setattr(SQLModel.metadata, "naming_convention", {"ix": "ix_%(column_0_label)s"})
    upgrade(database_url, "0002_outbox_claims")
    monkeypatch.undo()
    legacy = constraint_names(database_url)
    assert not CONVENTIONAL & legacy

    upgrade(database_url)
    named = constraint_names(database_url)
    assert CONVENTIONAL <= named
    # SQLite's AUTOINCREMENT (report_draft, migration 0004) takes an inline PRIMARY KEY,
    # which has no name; every other constraint is named by the convention.
    unnamed = {None} if database_url.startswith("sqlite") else set()
    assert all(name and name.split("_", 1)[0] in {"pk", "fk", "uq"} for name in named - unnamed), (
        named
    )
    test_schema_matches_models(database_url)

    downgrade(database_url, "0002_outbox_claims")
    if database_url.startswith("postgresql"):
        assert constraint_names(database_url) == legacy  # PostgreSQL's own names again
    upgrade(database_url)
    assert constraint_names(database_url) == named


# Reports rated on the 1-5 star scale of before (0004), each with the meaning it must keep:
# (id, status, stars, events (from, to, by the reporter?) after submitted, answer after 0006)
OLD_RATINGS = [
    (1, "closed", 5, [("resolved", "closed", True)], "satisfied"),
    (2, "closed", 4, [("resolved", "closed", True)], "mostly_satisfied"),
    (3, "reopened", 3, [("resolved", "reopened", True)], "not_satisfied"),
    (4, "reopened", 2, [("resolved", "reopened", True)], "not_satisfied"),
    (5, "reopened", 1, [("resolved", "reopened", True)], "not_satisfied"),
    # "Not fixed" was kept as no rating: the reporter reopened it
    (6, "reopened", None, [("resolved", "reopened", True)], "not_fixed"),
    # not fixed, then resolved again and not answered yet: no answer to this resolution
    (7, "resolved", None, [("resolved", "reopened", True), ("reopened", "resolved", False)], None),
    # never answered: auto-closed (no actor), or still waiting
    (8, "closed", None, [("resolved", "closed", False)], None),
    (9, "resolved", None, [], None),
]
OLD_WHEN = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
NAIVE = OLD_WHEN.replace(tzinfo=None)  # as stored: naive UTC


def _old_reports(url: str) -> None:
    """Rows as 0004's schema holds them, written with plain SQL (the models are newer)."""
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        for report_id, status, stars, events, _ in OLD_RATINGS:
            person = {"id": report_id, "tg": 7000 + report_id, "at": NAIVE}
            connection.execute(
                text(
                    "INSERT INTO person (id, unreachable, telegram_id, first_name, locale,"
                    " created_at) VALUES (:id, false, :tg, '', 'zh', :at)"
                ),
                person,
            )
            connection.execute(
                text(
                    "INSERT INTO report (id, reporter_id, category, description, address,"
                    " outside_area, status, version, awaiting_info, created_at, updated_at,"
                    " resolved_at, rating, rated_at) VALUES (:id, :id, 'litter', '', '', false,"
                    " :status, 1, false, :at, :at, :at, :stars, :rated)"
                ),
                {**person, "status": status, "stars": stars, "rated": stars and NAIVE},
            )
            steps = [("submitted", "resolved", False), *events]
            for n, (before, after, by_reporter) in enumerate(steps):
                connection.execute(
                    text(
                        "INSERT INTO report_event (report_id, actor_id, at, from_status,"
                        " to_status, public_note, private_note) VALUES (:id, :actor, :at,"
                        " :before, :after, '', '')"
                    ),
                    {
                        "id": report_id,
                        "actor": report_id if by_reporter else None,
                        "at": NAIVE + timedelta(hours=n),
                        "before": before,
                        "after": after,
                    },
                )
    engine.dispose()


def _ratings(url: str) -> dict[int, tuple[object, object]]:
    engine = create_engine(sync_url(url))
    with engine.connect() as connection:
        query = text("SELECT id, rating, rated_at FROM report ORDER BY id")
        rows = connection.execute(query.columns(rated_at=UTCDateTime()))
        found = {int(row[0]): (row[1], row[2]) for row in rows}
    engine.dispose()
    return found


async def test_the_satisfaction_scale_keeps_the_meaning_of_old_ratings(
    fresh_database_url: str,
) -> None:
    url = fresh_database_url
    downgrade(url, "0004_draft_id_reason_code")
    _old_reports(url)

    upgrade(url)
    answers = _ratings(url)
    assert {i: answer for i, (answer, _) in answers.items()} == {
        report_id: answer for report_id, *_, answer in OLD_RATINGS
    }
    # "not fixed" is rated when the reporter said so (the reopening, one hour after resolving)
    assert answers[6][1] == OLD_WHEN + timedelta(hours=1)
    engine = make_engine(url)
    async with session_scope(engine) as session:
        stats = await report_stats(
            session,
            community_ids=None,
            since=OLD_WHEN - timedelta(days=1),
            until=OLD_WHEN + timedelta(days=1),
            first_response_hours=48,
        )
    await engine.dispose()
    # 5 and 4 stars satisfied as before, of 6 answers: 1-3 stars and the one "not fixed"
    assert (stats.satisfied, stats.rated) == (2, 6)

    downgrade(url, "0004_draft_id_reason_code")
    stars = {i: rating for i, (rating, _) in _ratings(url).items()}
    assert stars == {1: 5, 2: 4, 3: 2, 4: 2, 5: 2, 6: None, 7: None, 8: None, 9: None}
    assert _ratings(url)[6][1] is None  # "not fixed" as it was kept before
    upgrade(url)
    assert {i: answer for i, (answer, _) in _ratings(url).items()} == {
        report_id: answer for report_id, *_, answer in OLD_RATINGS
    }
