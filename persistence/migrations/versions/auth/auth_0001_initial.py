"""Create the auth schemas and the append-only audit.audit_log.

Revision ID: auth_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "auth_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("auth",)
depends_on: str | Sequence[str] | None = None

REJECT_CHANGE = """
CREATE FUNCTION audit.reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit.% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    """Create the schemas, the audit table, its indexes and the append-only triggers."""
    op.execute("CREATE SCHEMA IF NOT EXISTS auth")
    op.execute("CREATE SCHEMA IF NOT EXISTS audit")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column(
            "details",
            postgresql.JSONB(),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        schema="audit",
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"], schema="audit")
    op.create_index(
        "ix_audit_log_actor_occurred_at", "audit_log", ["actor", "occurred_at"], schema="audit"
    )
    op.create_index(
        "ix_audit_log_resource_type_resource_id",
        "audit_log",
        ["resource_type", "resource_id"],
        schema="audit",
    )
    op.execute(REJECT_CHANGE)
    # A trigger, not only a REVOKE: it also binds the table owner the services connect as.
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit.audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit.reject_change()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit.audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_change()"
    )


def downgrade() -> None:
    """Drop what upgrade created; the auth schema keeps the alembic_version table."""
    op.drop_table("audit_log", schema="audit")
    op.execute("DROP FUNCTION audit.reject_change()")
    op.execute("DROP SCHEMA audit")
