"""polls: poll, poll_copy, poll_vote; resident_preference.accept_polls

A co-design poll (issue 14) is a row from the planner's first word to its result; each
native poll sent is a `poll_copy` named by Telegram's poll id; a non-anonymous poll's voters
are `poll_vote` rows (their latest choice). Residents accept polls unless they said no.

Revision ID: 0010_polls
Revises: 0009_landmarks
Create Date: 2026-12-05

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0010_polls"
down_revision: str | Sequence[str] | None = "0009_landmarks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("opened_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("closes_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_poll_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_poll_community_id_community")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll")),
    )
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_poll_draft_author",
            ["author_id"],
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )

    op.create_table(
        "poll_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("telegram_poll_id", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("stopped_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], name=op.f("fk_poll_copy_poll_id_poll")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_copy")),
        sa.UniqueConstraint("poll_id", "chat_id", name=op.f("uq_poll_copy_poll_id_chat_id")),
        sa.UniqueConstraint("telegram_poll_id", name=op.f("uq_poll_copy_telegram_poll_id")),
    )
    with op.batch_alter_table("poll_copy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_copy_poll_id"), ["poll_id"], unique=False)

    op.create_table(
        "poll_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("option_ids", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_poll_vote_person_id_person")
        ),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], name=op.f("fk_poll_vote_poll_id_poll")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_vote")),
        sa.UniqueConstraint("poll_id", "person_id", name=op.f("uq_poll_vote_poll_id_person_id")),
    )
    with op.batch_alter_table("poll_vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_vote_poll_id"), ["poll_id"], unique=False)

    with op.batch_alter_table("resident_preference", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("accept_polls", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("resident_preference", schema=None) as batch_op:
        batch_op.alter_column("accept_polls", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("resident_preference", schema=None) as batch_op:
        batch_op.drop_column("accept_polls")

    with op.batch_alter_table("poll_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_vote_poll_id"))

    op.drop_table("poll_vote")
    with op.batch_alter_table("poll_copy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_copy_poll_id"))

    op.drop_table("poll_copy")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_poll_draft_author",
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )
        batch_op.drop_index(batch_op.f("ix_poll_status"))
        batch_op.drop_index(batch_op.f("ix_poll_community_id"))
        batch_op.drop_index(batch_op.f("ix_poll_author_id"))

    op.drop_table("poll")
