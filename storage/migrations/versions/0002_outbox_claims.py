"""placeholder for the outbox branch's 0002_outbox_claims

This branch needs its parent revision to exist; the real 0002_outbox_claims (outbox claims)
is written on the outbox branch. At merge, take that branch's file instead of this one.

Revision ID: 0002_outbox_claims
Revises: 0001
Create Date: 2026-11-26

"""

from collections.abc import Sequence

revision: str = "0002_outbox_claims"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing here: the outbox branch's migration of this id does the work."""


def downgrade() -> None:
    """Nothing here: the outbox branch's migration of this id does the work."""
