"""Collection cases, one per customer, from the core's past-due loans.

Revision ID: workflow_0004
Revises: workflow_0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "workflow_0004"
down_revision: str | None = "workflow_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create workflow.customer_case."""
    timestamptz = sa.DateTime(timezone=True)
    jsonb = postgresql.JSONB(astext_type=sa.Text())
    op.create_table(
        "customer_case",
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("max_dpd", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("outstanding", jsonb, nullable=False),
        sa.Column("due_amount", jsonb, nullable=False),
        sa.Column("outstanding_vnd", sa.Numeric(18, 2), nullable=False),
        sa.Column("loans", jsonb, nullable=False),
        sa.Column("opened_at", timestamptz, nullable=True),
        sa.Column("closed_at", timestamptz, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", timestamptz, nullable=False),
        sa.CheckConstraint("status IN ('OPEN', 'CLOSED')", name=op.f("ck_customer_case_status")),
        sa.PrimaryKeyConstraint("cif", name=op.f("pk_customer_case")),
        schema="workflow",
    )
    op.create_index(
        op.f("ix_customer_case_status_priority"),
        "customer_case",
        ["status", "priority"],
        schema="workflow",
    )


def downgrade() -> None:
    """Drop workflow.customer_case."""
    op.drop_index(
        op.f("ix_customer_case_status_priority"), table_name="customer_case", schema="workflow"
    )
    op.drop_table("customer_case", schema="workflow")
