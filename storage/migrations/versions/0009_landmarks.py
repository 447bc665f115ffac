"""Landmarks of a community; a pin's nearest landmark and a voice note on drafts and reports

A pin is described to people as the nearest landmark and its distance; the landmark's names
and the distance are copied onto the draft and the report, so a report keeps the words it
was filed with. A voice note may stand for the words (`voice_file_id`). Editing a draft's
photos keeps the old ones until a new one arrives (`replace_photos`).

Revision ID: 0009_landmarks
Revises: 0008_notices
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_landmarks"
down_revision: str | Sequence[str] | None = "0008_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_AUTOINCREMENT = {"sqlite_autoincrement": True}


def _place_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("landmark_zh", sqlmodel.AutoString(length=200), nullable=True),
        sa.Column("landmark_en", sqlmodel.AutoString(length=200), nullable=True),
        sa.Column("landmark_m", sa.Integer(), nullable=True),
        sa.Column("voice_file_id", sqlmodel.AutoString(length=255), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "landmark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name_zh", sqlmodel.AutoString(length=200), nullable=False),
        sa.Column("name_en", sqlmodel.AutoString(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_landmark_community_id_community")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landmark")),
    )
    with op.batch_alter_table("landmark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_landmark_community_id"), ["community_id"])
    with op.batch_alter_table("report", schema=None) as batch_op:
        for column in _place_columns():
            batch_op.add_column(column)
    # a draft id names one draft for ever (0004): a table SQLite recreates stays AUTOINCREMENT
    with op.batch_alter_table("report_draft", table_kwargs=_AUTOINCREMENT) as batch_op:
        for column in _place_columns():
            batch_op.add_column(column)
        batch_op.add_column(
            sa.Column("replace_photos", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    names = ["landmark_zh", "landmark_en", "landmark_m", "voice_file_id"]
    with op.batch_alter_table("report_draft", table_kwargs=_AUTOINCREMENT) as batch_op:
        batch_op.drop_column("replace_photos")
        for name in reversed(names):
            batch_op.drop_column(name)
    with op.batch_alter_table("report", schema=None) as batch_op:
        for name in reversed(names):
            batch_op.drop_column(name)
    with op.batch_alter_table("landmark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_landmark_community_id"))
    op.drop_table("landmark")
