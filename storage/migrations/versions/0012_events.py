"""events: event, event_signup (issue 15)

A volunteer event (the planner's draft is the row, with its wizard step) and each resident's
sign-up: confirmed, waitlisted or cancelled, and whether they came.

Revision ID: 0012_events
Revises: 0011_ballots
Create Date: 2026-11-26

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012_events"
down_revision: str | Sequence[str] | None = "0011_ballots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("starts_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("landmark_id", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("ballot_item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("published_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_event_author_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_event_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["landmark_id"], ["landmark.id"], name=op.f("fk_event_landmark_id_landmark")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_event_report_id_report")
        ),
        sa.ForeignKeyConstraint(
            ["ballot_item_id"],
            ["ballot_item.id"],
            name=op.f("fk_event_ballot_item_id_ballot_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_event_draft_author",
            ["author_id"],
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        )

    op.create_table(
        "event_signup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queued_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_signup_event_id_event")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_event_signup_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_signup")),
        sa.UniqueConstraint(
            "event_id", "person_id", name=op.f("uq_event_signup_event_id_person_id")
        ),
    )
    with op.batch_alter_table("event_signup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_signup_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_signup_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_signup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_signup_person_id"))
        batch_op.drop_index(batch_op.f("ix_event_signup_event_id"))

    op.drop_table("event_signup")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("uq_event_draft_author")
        batch_op.drop_index(batch_op.f("ix_event_status"))
        batch_op.drop_index(batch_op.f("ix_event_starts_at"))
        batch_op.drop_index(batch_op.f("ix_event_community_id"))

    op.drop_table("event")
