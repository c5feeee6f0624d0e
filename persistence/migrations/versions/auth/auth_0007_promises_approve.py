"""Permission promises:approve, for team leads, supervisors and administrators.

Promises above the approval limit wait for one of them (DOMAIN.md: "approve promises and
settlements above limits").

Revision ID: auth_0007
Revises: auth_0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from persistence.migrations.permissions import add_permission, drop_permission

revision: str = "auth_0007"
down_revision: str | None = "auth_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMISSION = "promises:approve"
ROLES = ("TEAM_LEAD", "SUPERVISOR", "ADMIN")


def upgrade() -> None:
    """Add the permission and grant it; an existing grant is left as it is."""
    add_permission(PERMISSION, "Approve promises to pay above the limit", ROLES)


def downgrade() -> None:
    """Remove the permission and its grants."""
    drop_permission(PERMISSION)
