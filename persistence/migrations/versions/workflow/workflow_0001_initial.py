"""Create the workflow service's schemas, empty until its tables arrive.

Revision ID: workflow_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "workflow_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("workflow",)
depends_on: str | Sequence[str] | None = None

SCHEMAS = ("workflow", "agents", "actions")


def upgrade() -> None:
    """Create the schemas."""
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def downgrade() -> None:
    """Drop the schemas but the first, which keeps the alembic_version table."""
    for schema in SCHEMAS[1:]:
        op.execute(f"DROP SCHEMA {schema}")
