"""Customers' payments as the workflow service learns them, for performance attribution.

Revision ID: workflow_0005
Revises: workflow_0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workflow_0005"
down_revision: str | None = "workflow_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create workflow.customer_payment."""
    timestamptz = sa.DateTime(timezone=True)
    op.create_table(
        "customer_payment",
        sa.Column("reference_number", sa.Text(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("paid_at", timestamptz, nullable=False),
        sa.Column("reversed_at", timestamptz, nullable=True),
        sa.PrimaryKeyConstraint("reference_number", name=op.f("pk_customer_payment")),
        schema="workflow",
    )
    op.create_index(
        op.f("ix_customer_payment_cif_paid_at"),
        "customer_payment",
        ["cif", "paid_at"],
        schema="workflow",
    )
    op.create_index(
        op.f("ix_customer_payment_paid_at"), "customer_payment", ["paid_at"], schema="workflow"
    )


def downgrade() -> None:
    """Drop workflow.customer_payment."""
    op.drop_index(op.f("ix_customer_payment_paid_at"), "customer_payment", schema="workflow")
    op.drop_index(op.f("ix_customer_payment_cif_paid_at"), "customer_payment", schema="workflow")
    op.drop_table("customer_payment", schema="workflow")
