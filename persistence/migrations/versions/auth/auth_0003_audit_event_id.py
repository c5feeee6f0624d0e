"""Audit rows carry the AuthEvent id, unique, so an event is audited once however it arrives.

Revision ID: auth_0003
Revises: auth_0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "auth_0003"
down_revision: str | None = "auth_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable and added without a default: instant on a large table, old rows stay valid.
    op.add_column("audit_log", sa.Column("event_id", sa.Text(), nullable=True), schema="audit")
    op.create_unique_constraint("uq_audit_log_event_id", "audit_log", ["event_id"], schema="audit")


def downgrade() -> None:
    op.drop_constraint("uq_audit_log_event_id", "audit_log", schema="audit", type_="unique")
    op.drop_column("audit_log", "event_id", schema="audit")
