"""Permission cases:write, to move a customer's case between processing states.

Agents work their own customers' cases, team leads their team's, supervisors and administrators
any (the worker checks who may work the customer, as it does for actions).

Revision ID: auth_0008
Revises: auth_0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from persistence.migrations.permissions import add_permission, drop_permission

revision: str = "auth_0008"
down_revision: str | None = "auth_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMISSION = "cases:write"
ROLES = ("AGENT", "TEAM_LEAD", "SUPERVISOR", "ADMIN")


def upgrade() -> None:
    """Add the permission and grant it; an existing grant is left as it is."""
    add_permission(PERMISSION, "Change a case's processing state, substate, customer status", ROLES)


def downgrade() -> None:
    """Remove the permission and its grants."""
    drop_permission(PERMISSION)
