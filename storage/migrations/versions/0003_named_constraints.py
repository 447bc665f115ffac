"""named constraints: primary keys, foreign keys and unique constraints follow NAMING_CONVENTION

Databases created before the convention carry PostgreSQL's own names (`person_pkey`,
`report_reporter_id_fkey`, `report_draft_person_id_key`) or, on SQLite, no names at all.
PostgreSQL: each is renamed in place. SQLite: each table that has an unnamed or differently
named constraint is rebuilt with the convention's names (batch mode). A database created
from scratch already has these names (Alembic applies the target metadata's convention to
the tables 0001 creates), and this migration changes nothing there.

Downgrade: PostgreSQL gets its own default names back; SQLite keeps the names, which it
never uses (a constraint's name has no meaning to SQLite beyond error messages).

Revision ID: 0003_named_constraints
Revises: 0002_outbox_claims
Create Date: 2026-11-26

"""

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import NAMING_CONVENTION

revision: str = "0003_named_constraints"
down_revision: str | Sequence[str] | None = "0002_outbox_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _names(inspector: sa.Inspector, table: str) -> Iterator[tuple[str | None, str, str]]:
    """(current name, conventional name, PostgreSQL's default name) of each constraint."""
    pk = inspector.get_pk_constraint(table)
    if pk.get("constrained_columns"):
        yield pk.get("name"), f"pk_{table}", f"{table}_pkey"
    for fk in inspector.get_foreign_keys(table):
        column = fk["constrained_columns"][0]
        yield (
            fk.get("name"),
            f"fk_{table}_{column}_{fk['referred_table']}",
            f"{table}_{column}_fkey",
        )
    for uq in inspector.get_unique_constraints(table):
        columns = "_".join(uq["column_names"])
        yield uq.get("name"), f"uq_{table}_{columns}", f"{table}_{columns}_key"


def _tables(inspector: sa.Inspector) -> list[str]:
    return [t for t in inspector.get_table_names() if t != "alembic_version"]


def _rename(to_convention: bool) -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    for table in _tables(inspector):
        for current, conventional, default in _names(inspector, table):
            old, new = (default, conventional) if to_convention else (conventional, default)
            if current == old:
                op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old}" TO "{new}"')


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rename(to_convention=True)
        return
    inspector = sa.inspect(op.get_bind())
    for table in _tables(inspector):
        if any(current != wanted for current, wanted, _ in _names(inspector, table)):
            with op.batch_alter_table(
                table, recreate="always", naming_convention=NAMING_CONVENTION
            ):
                pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rename(to_convention=False)
