"""outbox: a chat's messages in the order written (index on its open rows by chat)

`claim_due` claims a row only when no earlier row to its chat is pending or being sent; this
partial index answers that question without reading a chat's sent rows.

Revision ID: 0013_outbox_chat_order
Revises: 0012_events
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_outbox_chat_order"
down_revision: str | Sequence[str] | None = "0012_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_message_open_by_chat",
            ["chat_id", "id"],
            unique=False,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_open_by_chat")
