"""Permission strategies:manage, for administrators.

DOMAIN.md: administrators manage "users, roles, action dictionaries, strategies and contact
rules". Supervisors read the strategies and their champion/challenger results with agents:read.

Revision ID: auth_0009
Revises: auth_0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from persistence.migrations.permissions import add_permission, drop_permission

revision: str = "auth_0009"
down_revision: str | None = "auth_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMISSION = "strategies:manage"
ROLES = ("ADMIN",)


def upgrade() -> None:
    """Add the permission and grant it; an existing grant is left as it is."""
    add_permission(PERMISSION, "Change collection strategies and their segments", ROLES)


def downgrade() -> None:
    """Remove the permission and its grants."""
    drop_permission(PERMISSION)
