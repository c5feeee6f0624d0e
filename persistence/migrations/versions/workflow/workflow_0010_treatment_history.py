"""The history of customers' treatments, for champion/challenger results.

A customer whose bucket moves to another segment leaves their arm; counting only current
treatments would drop exactly the customers whose debt got worse and flatter both arms.

Revision ID: workflow_0010
Revises: workflow_0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workflow_0010"
down_revision: str | None = "workflow_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create workflow.customer_treatment_history, starting from today's treatments."""
    timestamptz = sa.DateTime(timezone=True)
    op.create_table(
        "customer_treatment_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("segment_code", sa.Text(), nullable=False),
        sa.Column("strategy_code", sa.Text(), nullable=False),
        sa.Column("arm", sa.Text(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("started_at", timestamptz, nullable=False),
        sa.Column("ended_at", timestamptz, nullable=True),
        sa.Column("ended_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "arm IN ('CHAMPION', 'CHALLENGER')", name=op.f("ck_customer_treatment_history_arm")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_treatment_history")),
        schema="workflow",
    )
    op.create_index(
        op.f("ix_customer_treatment_history_segment_code_arm"),
        "customer_treatment_history",
        ["segment_code", "arm"],
        schema="workflow",
    )
    op.create_index(
        "uq_customer_treatment_history_open_cif",
        "customer_treatment_history",
        ["cif"],
        unique=True,
        schema="workflow",
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.execute(
        "INSERT INTO workflow.customer_treatment_history"
        " (cif, segment_code, strategy_code, arm, bucket, started_at)"
        " SELECT cif, segment_code, strategy_code, arm, bucket, decided_at"
        " FROM workflow.customer_treatment"
    )


def downgrade() -> None:
    """Drop workflow.customer_treatment_history."""
    op.drop_table("customer_treatment_history", schema="workflow")
