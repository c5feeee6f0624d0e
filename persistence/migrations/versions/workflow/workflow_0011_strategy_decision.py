"""Which version of the segments and strategies each customer was last decided with.

A segment or strategy change used to reach a customer only when their case next opened or
changed bucket. The queue filler now asks the customer's worker to decide again every open
customer whose decision is older than the change; customers with no row yet (before this
revision) count as older.

Revision ID: workflow_0011
Revises: workflow_0010
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workflow_0011"
down_revision: str | None = "workflow_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create workflow.strategy_decision."""
    timestamptz = sa.DateTime(timezone=True)
    op.create_table(
        "strategy_decision",
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("book_version", timestamptz, nullable=True),
        sa.Column("decided_at", timestamptz, nullable=True),
        sa.Column("requested_version", timestamptz, nullable=True),
        sa.Column("requested_at", timestamptz, nullable=True),
        sa.PrimaryKeyConstraint("cif", name=op.f("pk_strategy_decision")),
        schema="workflow",
    )


def downgrade() -> None:
    """Drop workflow.strategy_decision."""
    op.drop_table("strategy_decision", schema="workflow")
