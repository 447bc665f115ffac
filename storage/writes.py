"""Inserts that stay correct when two updates race for the same unique key.

A select-then-insert on a unique key raises `IntegrityError` the moment two transactions
both see "absent"; `INSERT … ON CONFLICT DO NOTHING` lets the loser learn it lost instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_or_skip(
    session: AsyncSession, row: SQLModel, *, conflict: tuple[str, ...]
) -> int | None:
    """Insert `row` (its defaults applied); its new id, or None when a row with the same
    `conflict` columns exists already. `row` itself is not added to the session.

    Both dialects take the same `INSERT … ON CONFLICT (…) DO NOTHING RETURNING id`.
    """
    table = type(row).__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = row.model_dump(exclude={"id"})
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(table.c.id)
    )
    result = await session.exec(statement)
    return result.scalar_one_or_none()
