"""outbox claims: claimed_at / claimed_by, partial indexes for the due query and the sweeper

Revision ID: 0002_outbox_claims
Revises: 0001
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002_outbox_claims"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")
SENDING = sa.text("status = 'sending'")


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.drop_index("ix_outbox_message_not_before")
        batch_op.create_index(
            "ix_outbox_message_due",
            ["not_before", "id"],
            unique=False,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )
        batch_op.create_index(
            "ix_outbox_message_claimed",
            ["claimed_at"],
            unique=False,
            sqlite_where=SENDING,
            postgresql_where=SENDING,
        )


def downgrade() -> None:
    # A claim means nothing to the old sender: what was being sent is pending again.
    op.execute("UPDATE outbox_message SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_claimed")
        batch_op.drop_index("ix_outbox_message_due")
        batch_op.create_index("ix_outbox_message_not_before", ["not_before"], unique=False)
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claimed_at")
