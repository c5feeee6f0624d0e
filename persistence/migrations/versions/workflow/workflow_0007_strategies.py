"""Strategies and segments as data, and each customer's current treatment.

Revision ID: workflow_0007
Revises: workflow_0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "workflow_0007"
down_revision: str | None = "workflow_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXTS = postgresql.ARRAY(sa.Text())
_EMPTY = sa.text("'{}'::text[]")


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    """Create workflow.strategy, workflow.strategy_segment and workflow.customer_treatment."""
    op.create_table(
        "strategy",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("team_code", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("channels", _TEXTS, server_default=_EMPTY, nullable=False),
        sa.Column("cadence_days", sa.Integer(), server_default=sa.text("0"), nullable=False),
        *_audit_columns(),
        sa.CheckConstraint("priority BETWEEN 0 AND 100", name=op.f("ck_strategy_priority_range")),
        sa.CheckConstraint("cadence_days >= 0", name=op.f("ck_strategy_cadence_not_negative")),
        sa.ForeignKeyConstraint(
            ["team_code"], ["agents.team.code"], name=op.f("fk_strategy_team_code_team")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_strategy")),
        schema="workflow",
    )
    op.create_table(
        "strategy_segment",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("champion", sa.Text(), nullable=False),
        sa.Column("challenger", sa.Text(), nullable=True),
        sa.Column("challenger_percent", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("buckets", _TEXTS, server_default=_EMPTY, nullable=False),
        sa.Column("products", _TEXTS, server_default=_EMPTY, nullable=False),
        sa.Column("min_outstanding", sa.Numeric(18, 2), nullable=True),
        sa.Column("max_outstanding", sa.Numeric(18, 2), nullable=True),
        sa.Column("regions", _TEXTS, server_default=_EMPTY, nullable=False),
        sa.Column("risk_flags", _TEXTS, server_default=_EMPTY, nullable=False),
        *_audit_columns(),
        sa.CheckConstraint(
            "challenger_percent BETWEEN 0 AND 100",
            name=op.f("ck_strategy_segment_percent_range"),
        ),
        sa.CheckConstraint(
            "challenger IS NOT NULL OR challenger_percent = 0",
            name=op.f("ck_strategy_segment_challenger_has_share"),
        ),
        sa.CheckConstraint(
            "min_outstanding IS NULL OR max_outstanding IS NULL"
            " OR min_outstanding <= max_outstanding",
            name=op.f("ck_strategy_segment_outstanding_range"),
        ),
        sa.ForeignKeyConstraint(
            ["champion"],
            ["workflow.strategy.code"],
            name=op.f("fk_strategy_segment_champion_strategy"),
        ),
        sa.ForeignKeyConstraint(
            ["challenger"],
            ["workflow.strategy.code"],
            name=op.f("fk_strategy_segment_challenger_strategy"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_strategy_segment")),
        sa.UniqueConstraint("rank", name=op.f("uq_strategy_segment_rank")),
        schema="workflow",
    )
    op.create_table(
        "customer_treatment",
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("segment_code", sa.Text(), nullable=False),
        sa.Column("strategy_code", sa.Text(), nullable=False),
        sa.Column("arm", sa.Text(), nullable=False),
        sa.Column("team_code", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("channels", _TEXTS, nullable=False),
        sa.Column("cadence_days", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "arm IN ('CHAMPION', 'CHALLENGER')", name=op.f("ck_customer_treatment_arm")
        ),
        sa.PrimaryKeyConstraint("cif", name=op.f("pk_customer_treatment")),
        schema="workflow",
    )
    op.create_index(
        op.f("ix_customer_treatment_segment_code_arm"),
        "customer_treatment",
        ["segment_code", "arm"],
        schema="workflow",
    )
    op.create_index(
        op.f("ix_customer_treatment_team_code"),
        "customer_treatment",
        ["team_code"],
        schema="workflow",
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("customer_treatment", schema="workflow")
    op.drop_table("strategy_segment", schema="workflow")
    op.drop_table("strategy", schema="workflow")
