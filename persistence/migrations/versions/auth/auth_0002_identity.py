"""Users, roles and permissions, sessions, refresh tokens, revocations, lockout; audit columns.

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "auth_0002"
down_revision: str | None = "auth_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMISSIONS = {
    "customers:read": "Read customers' personal data",
    "loans:read": "Read loans and their schedules",
    "payments:read": "Read payments",
    "payments:write": "Record payments",
    "actions:write": "Record collection actions (calls, visits, promises)",
    "assignments:write": "Assign customers to agents",
    "agents:manage": "Manage agents and teams",
    "users:manage": "Manage users and their roles",
    "audit:read": "Read and export the audit log",
    "sync:run": "Run synchronizations with the core banking system",
}

_AGENT = ("customers:read", "loans:read", "payments:read", "actions:write")
_TEAM_LEAD = (*_AGENT, "assignments:write")
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "AGENT": ("Collection agent", _AGENT),
    "TEAM_LEAD": ("Leads a team of agents", _TEAM_LEAD),
    "SUPERVISOR": ("Supervises teams", (*_TEAM_LEAD, "agents:manage", "payments:write")),
    "ADMIN": ("Administers the CRM", tuple(PERMISSIONS)),
    "AUDITOR": (
        "Reviews the audit log",
        ("audit:read", "customers:read", "loans:read", "payments:read"),
    ),
    "SYSTEM": ("Service account of an integration", ("payments:write", "sync:run")),
}


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _uuid_pk() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False)


def create_identity_tables() -> None:
    """Create users, roles, permissions and their links."""
    op.create_table(
        "user",
        _uuid_pk(),
        _text("username"),
        _text("upn", nullable=True),
        _text("display_name", nullable=True),
        _text("email", nullable=True),
        _text("department", nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "directory_groups",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), server_default=sa.text("'AD'::text"), nullable=False),
        _timestamp("last_login_at", nullable=True),
        _timestamp("synced_at"),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint("username = lower(username)", name="ck_user_username_lowercase"),
        sa.PrimaryKeyConstraint("id", name="pk_user"),
        sa.UniqueConstraint("username", name="uq_user_username"),
        schema="auth",
    )
    op.create_table(
        "role",
        sa.Column("id", sa.SmallInteger(), sa.Identity(), nullable=False),
        _text("name"),
        _text("description"),
        sa.PrimaryKeyConstraint("id", name="pk_role"),
        sa.UniqueConstraint("name", name="uq_role_name"),
        schema="auth",
    )
    op.create_table(
        "permission",
        _text("name"),
        _text("description"),
        sa.PrimaryKeyConstraint("name", name="pk_permission"),
        schema="auth",
    )
    op.create_table(
        "role_permission",
        sa.Column("role_id", sa.SmallInteger(), nullable=False),
        _text("permission"),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["auth.role.id"],
            name="fk_role_permission_role_id_role",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["permission"],
            ["auth.permission.name"],
            name="fk_role_permission_permission_permission",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role_id", "permission", name="pk_role_permission"),
        schema="auth",
    )
    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.SmallInteger(), nullable=False),
        _text("source"),
        _text("assigned_by", nullable=True),
        _timestamp("assigned_at"),
        sa.CheckConstraint("source IN ('DIRECTORY', 'MANUAL')", name="ck_user_role_source"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth.user.id"], name="fk_user_role_user_id_user", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["auth.role.id"], name="fk_user_role_role_id_role", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name="pk_user_role"),
        schema="auth",
    )
    op.create_index("ix_user_role_role_id", "user_role", ["role_id"], schema="auth")


def create_session_tables() -> None:
    """Create sessions and their refresh tokens."""
    op.create_table(
        "session",
        _uuid_pk(),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        _timestamp("created_at"),
        _timestamp("last_seen_at"),
        _timestamp("expires_at"),
        _timestamp("ended_at", nullable=True),
        _text("end_reason", nullable=True),
        sa.Column("ip_address", postgresql.INET(), nullable=True),
        _text("user_agent", nullable=True),
        _text("device", nullable=True),
        sa.CheckConstraint(
            "(ended_at IS NULL) = (end_reason IS NULL)", name="ck_session_ended_with_reason"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth.user.id"], name="fk_session_user_id_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_session"),
        schema="auth",
    )
    op.create_index(
        "ix_session_user_id_created_at", "session", ["user_id", "created_at"], schema="auth"
    )
    op.create_table(
        "refresh_token",
        _text("token_hash"),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        _timestamp("issued_at"),
        _timestamp("expires_at"),
        _timestamp("used_at", nullable=True),
        _text("replaced_by", nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth.session.id"],
            name="fk_refresh_token_session_id_session",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_refresh_token"),
        schema="auth",
    )
    op.create_index("ix_refresh_token_session_id", "refresh_token", ["session_id"], schema="auth")


def create_revocation_tables() -> None:
    """Create the token blacklist, login failures and lockouts."""
    op.create_table(
        "token_blacklist",
        _text("jti"),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        _timestamp("expires_at"),
        _timestamp("revoked_at"),
        _text("reason"),
        sa.PrimaryKeyConstraint("jti", name="pk_token_blacklist"),
        schema="auth",
    )
    for column in ("revoked_at", "expires_at"):
        op.create_index(f"ix_token_blacklist_{column}", "token_blacklist", [column], schema="auth")
    op.create_table(
        "login_failure",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        _text("username"),
        _timestamp("occurred_at"),
        sa.Column("ip_address", postgresql.INET(), nullable=True),
        _text("reason"),
        sa.PrimaryKeyConstraint("id", name="pk_login_failure"),
        schema="auth",
    )
    op.create_index(
        "ix_login_failure_username_occurred_at",
        "login_failure",
        ["username", "occurred_at"],
        schema="auth",
    )
    op.create_table(
        "lockout",
        _text("username"),
        _timestamp("locked_until"),
        _timestamp("locked_at"),
        sa.PrimaryKeyConstraint("username", name="pk_lockout"),
        schema="auth",
    )


def extend_audit_log() -> None:
    """Add the columns GET /api/audit filters on; nullable, so old writers keep working."""
    op.add_column("audit_log", _text("customer_cif", nullable=True), schema="audit")
    op.add_column(
        "audit_log", sa.Column("ip_address", postgresql.INET(), nullable=True), schema="audit"
    )
    op.add_column("audit_log", _text("service", nullable=True), schema="audit")
    op.create_index(
        "ix_audit_log_action_occurred_at", "audit_log", ["action", "occurred_at"], schema="audit"
    )
    op.create_index(
        "ix_audit_log_customer_cif_occurred_at",
        "audit_log",
        ["customer_cif", "occurred_at"],
        schema="audit",
    )


def seed_roles() -> None:
    """Insert the default roles, permissions and grants the issue names."""
    permission = sa.table("permission", sa.column("name"), sa.column("description"), schema="auth")
    op.bulk_insert(permission, [{"name": n, "description": d} for n, d in PERMISSIONS.items()])
    role = sa.table("role", sa.column("name"), sa.column("description"), schema="auth")
    op.bulk_insert(role, [{"name": n, "description": d} for n, (d, _) in ROLES.items()])
    grant = sa.text(
        "INSERT INTO auth.role_permission (role_id, permission) "
        "SELECT id, :permission FROM auth.role WHERE name = :role"
    )
    for name, (_, granted) in ROLES.items():
        for permission_name in granted:
            op.get_bind().execute(grant, {"role": name, "permission": permission_name})


def upgrade() -> None:
    """Create the auth tables, seed the default roles and extend the audit log."""
    create_identity_tables()
    create_session_tables()
    create_revocation_tables()
    extend_audit_log()
    seed_roles()


def downgrade() -> None:
    """Drop what upgrade created; audit rows keep their other columns."""
    # Dropping columns of the append-only audit_log is DDL: its row triggers do not fire.
    op.drop_index("ix_audit_log_customer_cif_occurred_at", "audit_log", schema="audit")
    op.drop_index("ix_audit_log_action_occurred_at", "audit_log", schema="audit")
    for column in ("service", "ip_address", "customer_cif"):
        op.drop_column("audit_log", column, schema="audit")
    for table in (
        "lockout",
        "login_failure",
        "token_blacklist",
        "refresh_token",
        "session",
        "user_role",
        "role_permission",
        "permission",
        "role",
        "user",
    ):
        op.drop_table(table, schema="auth")
