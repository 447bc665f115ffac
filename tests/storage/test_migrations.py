"""Alembic owns the schema: it matches the models, and upgrades and downgrades cleanly."""

from __future__ import annotations

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
