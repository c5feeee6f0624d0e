"""Permission payments:reverse, granted to SUPERVISOR and ADMIN.

Revision ID: auth_0005
Revises: auth_0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from persistence.migrations.permissions import add_permission, drop_permission

revision: str = "auth_0005"
down_revision: str | None = "auth_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMISSION = "payments:reverse"
ROLES = ("SUPERVISOR", "ADMIN")


def upgrade() -> None:
    """Add the permission and grant it; an existing grant is left as it is."""
    add_permission(PERMISSION, "Take back (reverse) a payment by hand", ROLES)


def downgrade() -> None:
    """Remove the permission and its grants."""
    drop_permission(PERMISSION)
