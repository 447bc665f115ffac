"""satisfaction scale: report.rating holds 满意 / 基本满意 / 不满意 / 没修好 as codes

Before, `report.rating` held 1-5 stars (4 and 5 counted as satisfied) and "not fixed" left
it NULL: the report was reopened by its reporter (a `report_event` resolved -> reopened
with the reporter as actor) and no rating was kept. Now it holds a `rules.Satisfaction`
code, and the meaning of every old rating is kept:

- 5 -> satisfied (满意), 4 -> mostly_satisfied (基本满意): satisfied, as before;
- 1, 2, 3 -> not_satisfied (不满意): not satisfied, as before;
- NULL, where the report's last answer to "is it fixed?" was the reporter reopening it and
  it was not resolved again since -> not_fixed (没修好), rated at that reopening.

Downgrade maps back: satisfied -> 5, mostly_satisfied -> 4, not_satisfied -> 2 (one value
for 1-3, all of which meant not satisfied), not_fixed -> NULL (how "not fixed" was kept).

Revision ID: 0006_satisfaction_scale
Revises: 0005_group_chats
Create Date: 2026-12-01

"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006_satisfaction_scale"
down_revision: str | Sequence[str] | None = "0005_group_chats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The reporter's own "not fixed": the latest move out of resolved was theirs, to reopened,
# and no resolution followed it.
_NOT_FIXED_EVENT = """
    SELECT e.at FROM report_event e
    WHERE e.report_id = report.id
      AND e.from_status = 'resolved' AND e.to_status = 'reopened'
      AND e.actor_id = report.reporter_id
      AND NOT EXISTS (
          SELECT 1 FROM report_event later
          WHERE later.report_id = e.report_id AND later.id > e.id
            AND later.to_status = 'resolved'
      )
"""

_UP = """
    UPDATE report SET rating_code = CASE
        WHEN rating >= 5 THEN 'satisfied'
        WHEN rating = 4 THEN 'mostly_satisfied'
        WHEN rating BETWEEN 1 AND 3 THEN 'not_satisfied'
    END
    WHERE rating IS NOT NULL
"""

_UP_NOT_FIXED = f"""
    UPDATE report SET rating_code = 'not_fixed', rated_at = ({_NOT_FIXED_EVENT} LIMIT 1)
    WHERE rating IS NULL AND EXISTS ({_NOT_FIXED_EVENT})
"""

_DOWN = """
    UPDATE report SET rating_stars = CASE rating
        WHEN 'satisfied' THEN 5
        WHEN 'mostly_satisfied' THEN 4
        WHEN 'not_satisfied' THEN 2
    END,
    rated_at = CASE WHEN rating = 'not_fixed' THEN NULL ELSE rated_at END
    WHERE rating IS NOT NULL
"""


def _swap(new: str, column: sa.Column[Any], fill: list[str]) -> None:
    """Add `column` as `new`, fill it, drop the old `rating`, and call `new` rating."""
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(column)
    for statement in fill:
        op.execute(sa.text(statement))
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("rating")
        batch_op.alter_column(new, new_column_name="rating")


def upgrade() -> None:
    column = sa.Column("rating_code", sa.String(length=16), nullable=True)
    _swap("rating_code", column, [_UP, _UP_NOT_FIXED])


def downgrade() -> None:
    column = sa.Column("rating_stars", sa.Integer(), nullable=True)
    _swap("rating_stars", column, [_DOWN])
