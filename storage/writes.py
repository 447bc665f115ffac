"""Inserts that stay correct when two updates race for the same unique key.

A select-then-insert on a unique key raises `IntegrityError` the moment two transactions
both see "absent"; `INSERT … ON CONFLICT DO NOTHING` lets the loser learn it lost instead
(tests/storage/test_concurrent_writes.py).
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


@cache
def insert_or_skip_statement(dialect: str, table: Table, conflict: tuple[str, ...]) -> Insert:
    """`INSERT … ON CONFLICT (conflict) DO NOTHING RETURNING *` on `table`, built once per
    table: the columns to insert are the keys of the parameters it is run with (building it
    anew cost more than running it)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(*table.c)


async def insert_or_skip(
    session: AsyncSession, row: Row, *, conflict: tuple[str, ...]
) -> Row | None:
    """Insert `row` (its defaults applied) in one statement; the stored row, part of the
    session like any loaded row, or None when a row with the same `conflict` columns exists
    already. `row` itself is not added to the session.

    Both dialects take the same `INSERT … ON CONFLICT (…) DO NOTHING RETURNING …`.
    """
    model = type(row)
    values: dict[str, Any] = row.model_dump(exclude={"id"})
    statement = insert_or_skip_statement(session.get_bind().dialect.name, model.__table__, conflict)  # type: ignore[attr-defined]
    stored = (await session.exec(statement, params=values)).mappings().first()
    if stored is None:
        return None
    loaded = model.model_validate(dict(stored))
    make_transient_to_detached(loaded)  # as if read by a query: identity set, nothing to flush
    session.add(loaded)
    return loaded
