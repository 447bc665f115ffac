"""linked_chat, digest_schedule, digest_run: group chats and their digests (issue 13)

A planner links a group chat to a community's committee or to a department; a committee chat
may have a digest schedule; each digest sent is a digest_run row, unique per chat and period.

Revision ID: 0005_group_chats
Revises: 0004_draft_id_reason_code
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005_group_chats"
down_revision: str | Sequence[str] | None = "0004_draft_id_reason_code"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "linked_chat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("department", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("linked_by", sa.Integer(), nullable=True),
        sa.Column("linked_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_linked_chat_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["linked_by"], ["person.id"], name=op.f("fk_linked_chat_linked_by_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_chat")),
    )
    with op.batch_alter_table("linked_chat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linked_chat_chat_id"), ["chat_id"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_linked_chat_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "digest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("linked_chat_id", sa.Integer(), nullable=False),
        sa.Column("period_start", storage.types.UTCDateTime(), nullable=False),
        sa.Column("period_end", storage.types.UTCDateTime(), nullable=False),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["linked_chat_id"],
            ["linked_chat.id"],
            name=op.f("fk_digest_run_linked_chat_id_linked_chat"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_run")),
        sa.UniqueConstraint(
            "linked_chat_id",
            "period_start",
            "period_end",
            name=op.f("uq_digest_run_linked_chat_id_period_start_period_end"),
        ),
    )
    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_run_linked_chat_id"), ["linked_chat_id"], unique=False
        )

    op.create_table(
        "digest_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("linked_chat_id", sa.Integer(), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("minute_of_day", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["linked_chat_id"],
            ["linked_chat.id"],
            name=op.f("fk_digest_schedule_linked_chat_id_linked_chat"),
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["person.id"], name=op.f("fk_digest_schedule_set_by_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_schedule")),
        sa.UniqueConstraint("linked_chat_id", name=op.f("uq_digest_schedule_linked_chat_id")),
    )


def downgrade() -> None:
    op.drop_table("digest_schedule")
    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_run_linked_chat_id"))

    op.drop_table("digest_run")
    with op.batch_alter_table("linked_chat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linked_chat_community_id"))
        batch_op.drop_index(batch_op.f("ix_linked_chat_chat_id"))

    op.drop_table("linked_chat")
