"""report.draft_id, draft ids never reused; report_event.decline_reason as a code

A Confirm tapped again after its report was filed (say the reply was lost in a crash) finds
that report by the draft id its button carries. For that, a draft id must name one draft
for ever: SQLite reuses the highest rowid once its row is deleted unless the table is
AUTOINCREMENT (PostgreSQL's sequences never reuse a value).

A decline with a template reason keeps the reason's code, so that each reader sees it in
their own language.

Revision ID: 0004_draft_id_reason_code
Revises: 0003_named_constraints
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_draft_id_reason_code"
down_revision: str | Sequence[str] | None = "0003_named_constraints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_report_draft_id"), ["draft_id"], unique=True)
    with op.batch_alter_table("report_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decline_reason", sa.String(length=32), nullable=True))
    if _sqlite():
        with op.batch_alter_table(
            "report_draft", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass


def downgrade() -> None:
    if _sqlite():
        with op.batch_alter_table(
            "report_draft", recreate="always", table_kwargs={"sqlite_autoincrement": False}
        ):
            pass
    with op.batch_alter_table("report_event", schema=None) as batch_op:
        batch_op.drop_column("decline_reason")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_draft_id"))
        batch_op.drop_column("draft_id")
