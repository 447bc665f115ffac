"""notices: notice, notice_photo, resident_preference; outbox_message.notice_id

A notice (issue 13) is sent as one outbox row per recipient; the rows name their notice, so
its status message counts them by status. A resident's /settings is a row only once they
change a default (notices on).

Revision ID: 0008_notices
Revises: 0007_report_notes
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008_notices"
down_revision: str | Sequence[str] | None = "0007_report_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("accept_notices", sa.Boolean(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_resident_preference_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_preference")),
        sa.UniqueConstraint("person_id", name=op.f("uq_resident_preference_person_id")),
    )
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("followers_only", sa.Boolean(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=4096), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("unreachable_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("status_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("status_message_id", sa.Integer(), nullable=True),
        sa.Column("progress_shown", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_notice_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_notice_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_notice_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_community_id"), ["community_id"], unique=False)
        batch_op.create_index(
            "uq_notice_draft_author",
            ["author_id"],
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )

    op.create_table(
        "notice_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("telegram_file_id", sa.String(length=255), nullable=False),
        sa.Column("file_unique_id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notice.id"], name=op.f("fk_notice_photo_notice_id_notice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_photo")),
        sa.UniqueConstraint(
            "notice_id", "file_unique_id", name=op.f("uq_notice_photo_notice_id_file_unique_id")
        ),
    )
    with op.batch_alter_table("notice_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_photo_notice_id"), ["notice_id"], unique=False)

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_message_notice_id"), ["notice_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_notice_id_notice"), "notice", ["notice_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_message_notice_id_notice"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_message_notice_id"))
        batch_op.drop_column("notice_id")

    with op.batch_alter_table("notice_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_photo_notice_id"))

    op.drop_table("notice_photo")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_notice_draft_author",
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )
        batch_op.drop_index(batch_op.f("ix_notice_community_id"))
        batch_op.drop_index(batch_op.f("ix_notice_author_id"))

    op.drop_table("notice")
    op.drop_table("resident_preference")
