"""Create the sync schemas, the pg_trgm extension and sync_metadata.sync_error.

Revision ID: sync_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "sync_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("sync",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the schemas, the extension and the sync error table."""
    op.execute("CREATE SCHEMA IF NOT EXISTS sync_entities")
    op.execute("CREATE SCHEMA IF NOT EXISTS sync_metadata")
    # Trigram indexes serve fuzzy name search. PostgreSQL checks IF NOT EXISTS before any
    # privilege, so a non-superuser role passes when the runtime already installed it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "sync_error",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("natural_key", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw_record", postgresql.JSONB(), nullable=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sync_error"),
        sa.UniqueConstraint(
            "topic", "partition", "offset", name="uq_sync_error_topic_partition_offset"
        ),
        schema="sync_metadata",
    )
    op.create_index(
        "ix_sync_error_created_at", "sync_error", ["created_at"], schema="sync_metadata"
    )
    op.create_index(
        "ix_sync_error_entity_type_natural_key",
        "sync_error",
        ["entity_type", "natural_key"],
        schema="sync_metadata",
    )


def downgrade() -> None:
    """Drop what upgrade created, except the extension other schemas may use."""
    op.drop_table("sync_error", schema="sync_metadata")
    op.execute("DROP SCHEMA sync_metadata")
    # sync_entities stays: it holds this service's alembic_version table.
