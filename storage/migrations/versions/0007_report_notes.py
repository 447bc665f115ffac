"""report_note: planners' internal notes and changes of category or place

What planners keep for each other about a report. A table of its own, so that nothing a
resident, the export or a notice reads can come across it.

Revision ID: 0007_report_notes
Revises: 0006_satisfaction_scale
Create Date: 2026-12-01

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0007_report_notes"
down_revision: str | Sequence[str] | None = "0006_satisfaction_scale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("old_value", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_report_note_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_report_note_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_note")),
    )
    with op.batch_alter_table("report_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_note_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_note_report_id"))
    op.drop_table("report_note")
