"""Customers' regions for strategy segments, from the core's addresses.

Revision ID: workflow_0008
Revises: workflow_0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workflow_0008"
down_revision: str | None = "workflow_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create workflow.customer_address."""
    op.create_table(
        "customer_address",
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("address_type", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cif", "address_type", name=op.f("pk_customer_address")),
        schema="workflow",
    )


def downgrade() -> None:
    """Drop workflow.customer_address."""
    op.drop_table("customer_address", schema="workflow")
