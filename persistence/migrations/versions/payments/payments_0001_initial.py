"""Create the payments schemas and payments.payment.

Revision ID: payments_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "payments_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("payments",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the schemas and the payment table with its lookup indexes."""
    op.execute("CREATE SCHEMA IF NOT EXISTS payments")
    op.execute("CREATE SCHEMA IF NOT EXISTS reconciliation")
    timestamptz = sa.DateTime(timezone=True)
    op.create_table(
        "payment",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("reference_number", sa.Text(), nullable=False),
        sa.Column("loan_account_number", sa.Text(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=True),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("paid_at", timestamptz, nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("payer", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), server_default=sa.text("'PAYMENT'"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("received_at", timestamptz, nullable=False),
        sa.Column("applied_at", timestamptz, nullable=True),
        sa.Column("updated_at", timestamptz, server_default=sa.func.now(), nullable=False),
        sa.Column("event_offset", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_payment"),
        sa.UniqueConstraint("reference_number", name="uq_payment_reference_number"),
        schema="payments",
    )
    op.create_index(
        "ix_payment_loan_account_number", "payment", ["loan_account_number"], schema="payments"
    )
    op.create_index("ix_payment_cif", "payment", ["cif"], schema="payments")


def downgrade() -> None:
    """Drop what upgrade created; the payments schema keeps the alembic_version table."""
    op.drop_table("payment", schema="payments")
    op.execute("DROP SCHEMA reconciliation")
