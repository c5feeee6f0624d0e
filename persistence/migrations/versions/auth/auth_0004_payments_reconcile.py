"""Permission payments:reconcile, granted to SUPERVISOR and ADMIN.

Revision ID: auth_0004
Revises: auth_0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from persistence.migrations.permissions import add_permission, drop_permission

revision: str = "auth_0004"
down_revision: str | None = "auth_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMISSION = "payments:reconcile"
ROLES = ("SUPERVISOR", "ADMIN")


def upgrade() -> None:
    """Add the permission and grant it; an existing grant is left as it is."""
    add_permission(PERMISSION, "Reconcile payments with the bank's ledger", ROLES)


def downgrade() -> None:
    """Remove the permission and its grants."""
    drop_permission(PERMISSION)
