"""agents.agent_performance: each agent's figures per bank day.

Revision ID: workflow_0009
Revises: workflow_0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "workflow_0009"
down_revision: str | None = "workflow_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = (
    "actions",
    "contact_attempts",
    "right_party_contacts",
    "promises",
    "promises_kept",
    "promises_broken",
)


def upgrade() -> None:
    """Create agents.agent_performance."""
    op.create_table(
        "agent_performance",
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_code", sa.Text(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        sa.Column("collected", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payments_collected", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agent_id", "day", name=op.f("pk_agent_performance")),
        schema="agents",
    )
    op.create_index(
        op.f("ix_agent_performance_team_code_day"),
        "agent_performance",
        ["team_code", "day"],
        schema="agents",
    )


def downgrade() -> None:
    """Drop agents.agent_performance."""
    op.drop_table("agent_performance", schema="agents")
