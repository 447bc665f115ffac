"""ballots: ballot, ballot_item, ballot_score (issue 14)

A priority ballot: items (a report, or typed words) scored by each voter for urgency and
importance; the rank is written on the items when it closes. Panel members are
`person_role` rows with role "panel" (no schema change).

Revision ID: 0011_ballots
Revises: 0010_polls
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0011_ballots"
down_revision: str | Sequence[str] | None = "0010_polls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("electorate", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("opened_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("closes_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_ballot_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_ballot_community_id_community")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot")),
    )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballot_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballot_status"), ["status"], unique=False)

    op.create_table(
        "ballot_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("score_sum", sa.Integer(), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballot.id"], name=op.f("fk_ballot_item_ballot_id_ballot")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_ballot_item_report_id_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_item")),
        sa.UniqueConstraint(
            "ballot_id", "position", name=op.f("uq_ballot_item_ballot_id_position")
        ),
    )
    with op.batch_alter_table("ballot_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_item_ballot_id"), ["ballot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballot_item_report_id"), ["report_id"], unique=False)

    op.create_table(
        "ballot_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("urgency", sa.Integer(), nullable=True),
        sa.Column("importance", sa.Integer(), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"], ["ballot.id"], name=op.f("fk_ballot_score_ballot_id_ballot")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ballot_item.id"], name=op.f("fk_ballot_score_item_id_ballot_item")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_ballot_score_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_score")),
        sa.UniqueConstraint("item_id", "person_id", name=op.f("uq_ballot_score_item_id_person_id")),
    )
    with op.batch_alter_table("ballot_score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_score_ballot_id"), ["ballot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ballot_score_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ballot_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_score_person_id"))
        batch_op.drop_index(batch_op.f("ix_ballot_score_ballot_id"))

    op.drop_table("ballot_score")
    with op.batch_alter_table("ballot_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_item_report_id"))
        batch_op.drop_index(batch_op.f("ix_ballot_item_ballot_id"))

    op.drop_table("ballot_item")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_status"))
        batch_op.drop_index(batch_op.f("ix_ballot_community_id"))
        batch_op.drop_index(batch_op.f("ix_ballot_closed_at"))

    op.drop_table("ballot")
