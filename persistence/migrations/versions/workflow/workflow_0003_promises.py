"""Promises to pay, as the customers' workers decide them.

Revision ID: workflow_0003
Revises: workflow_0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "workflow_0003"
down_revision: str | None = "workflow_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "('PENDING_APPROVAL', 'PENDING', 'KEPT', 'BROKEN', 'CANCELLED')"


def upgrade() -> None:
    """Create workflow.promise."""
    timestamptz = sa.DateTime(timezone=True)
    op.create_table(
        "promise",
        sa.Column("promise_id", sa.Text(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("account_number", sa.Text(), nullable=True),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("covered", sa.Numeric(18, 2), nullable=False),
        sa.Column("matched", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", timestamptz, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("closed_at", timestamptz, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", timestamptz, nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_promise_status")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_promise_amount_positive")),
        sa.PrimaryKeyConstraint("promise_id", name=op.f("pk_promise")),
        schema="workflow",
    )
    op.create_index(op.f("ix_promise_cif"), "promise", ["cif"], schema="workflow")
    op.create_index(
        op.f("ix_promise_status_due_date"), "promise", ["status", "due_date"], schema="workflow"
    )


def downgrade() -> None:
    """Drop workflow.promise."""
    op.drop_index(op.f("ix_promise_status_due_date"), table_name="promise", schema="workflow")
    op.drop_index(op.f("ix_promise_cif"), table_name="promise", schema="workflow")
    op.drop_table("promise", schema="workflow")
