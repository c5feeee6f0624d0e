"""Adding a permission to the auth schema's data, for migrations that introduce one."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def add_permission(name: str, description: str, roles: Sequence[str]) -> None:
    """Add the permission and grant it to `roles`; an existing grant is left as it is."""
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO auth.permission (name, description) VALUES (:name, :description)"
            " ON CONFLICT (name) DO NOTHING"
        ),
        {"name": name, "description": description},
    )
    bind.execute(
        sa.text(
            "INSERT INTO auth.role_permission (role_id, permission)"
            " SELECT id, :name FROM auth.role WHERE name = ANY(:roles)"
            " ON CONFLICT DO NOTHING"
        ),
        {"name": name, "roles": list(roles)},
    )


def drop_permission(name: str) -> None:
    """Remove the permission; its grants go with it (ON DELETE CASCADE)."""
    op.get_bind().execute(sa.text("DELETE FROM auth.permission WHERE name = :name"), {"name": name})
