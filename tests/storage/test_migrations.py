"""Alembic owns the schema: it matches the models, and upgrades and downgrades cleanly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from storage import models  # noqa: F401
from storage.db import downgrade, sync_url, upgrade


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
