"""Payment versions, reasons and reversals; allocations and status history.

Revision ID: payments_0003
Revises: payments_0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "payments_0003"
down_revision: str | None = "payments_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the row version, reason and reversed payment, and the allocation and history tables."""
    timestamptz = sa.DateTime(timezone=True)
    op.add_column(
        "payment",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        schema="payments",
    )
    op.add_column("payment", sa.Column("reason", sa.Text(), nullable=True), schema="payments")
    op.add_column(
        "payment",
        sa.Column("original_reference_number", sa.Text(), nullable=True),
        schema="payments",
    )
    op.create_table(
        "payment_allocation",
        sa.Column("reference_number", sa.Text(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("component", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.PrimaryKeyConstraint("reference_number", "line_no", name="pk_payment_allocation"),
        schema="payments",
    )
    op.create_table(
        "payment_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("reference_number", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("occurred_at", timestamptz, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_history"),
        sa.UniqueConstraint("event_id", name="uq_payment_history_event_id"),
        schema="payments",
    )
    op.create_index(
        "ix_payment_history_reference_number",
        "payment_history",
        ["reference_number"],
        schema="payments",
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("payment_history", schema="payments")
    op.drop_table("payment_allocation", schema="payments")
    op.drop_column("payment", "original_reference_number", schema="payments")
    op.drop_column("payment", "reason", schema="payments")
    op.drop_column("payment", "version", schema="payments")
