"""Permissions of the workflow service: agents:read and dictionaries:manage.

agents:read lets team leads and supervisors list agents and teams (they assign work to them);
dictionaries:manage lets administrators change action types, subtypes, results and their
valid combinations.

Revision ID: auth_0006
Revises: auth_0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from persistence.migrations.permissions import add_permission, drop_permission

revision: str = "auth_0006"
down_revision: str | None = "auth_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMISSIONS = {
    "agents:read": ("List agents and teams", ("TEAM_LEAD", "SUPERVISOR", "ADMIN", "AUDITOR")),
    "dictionaries:manage": ("Manage action types, subtypes, results", ("ADMIN",)),
}


def upgrade() -> None:
    """Add the permissions and grant them; an existing grant is left as it is."""
    for name, (description, roles) in PERMISSIONS.items():
        add_permission(name, description, roles)


def downgrade() -> None:
    """Remove the permissions and their grants."""
    for name in PERMISSIONS:
        drop_permission(name)
