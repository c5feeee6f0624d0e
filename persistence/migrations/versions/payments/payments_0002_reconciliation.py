"""Reconciliation with the bank's ledger: bank transactions, runs and their issues.

Revision ID: payments_0002
Revises: payments_0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "payments_0002"
down_revision: str | None = "payments_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ISSUE_KINDS = "('MISSING_IN_CRM', 'MISSING_IN_BANK', 'AMOUNT_MISMATCH', 'DATE_MISMATCH')"
SCHEMA = "reconciliation"


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False)


def upgrade() -> None:
    """Create the ledger, run and issue tables; index payments by paid_at for the ranges."""
    op.create_table(
        "bank_transaction",
        _id(),
        _text("reference_number"),
        _text("loan_account_number"),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        _timestamp("booked_at"),
        _text("source"),
        _text("statement_id"),
        _timestamp("loaded_at"),
        sa.PrimaryKeyConstraint("id", name="pk_bank_transaction"),
        sa.UniqueConstraint(
            "source", "reference_number", name="uq_bank_transaction_source_reference_number"
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_bank_transaction_booked_at", "bank_transaction", ["booked_at"], schema=SCHEMA
    )
    op.create_index(
        "ix_bank_transaction_statement_id", "bank_transaction", ["statement_id"], schema=SCHEMA
    )
    op.create_table(
        "reconciliation_run",
        _id(),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("tolerance_days", sa.SmallInteger(), nullable=False),
        _text("started_by"),
        _timestamp("started_at"),
        _timestamp("finished_at"),
        sa.Column("totals", postgresql.JSONB(), nullable=False),
        sa.Column("new_issues", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_run"),
        schema=SCHEMA,
    )
    op.create_table(
        "reconciliation_issue",
        _id(),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        _text("kind"),
        _text("reference_number"),
        _text("loan_account_number"),
        sa.Column("crm_amount", sa.Numeric(18, 2), nullable=True),
        sa.Column("crm_currency", sa.CHAR(3), nullable=True),
        sa.Column("bank_amount", sa.Numeric(18, 2), nullable=True),
        sa.Column("bank_currency", sa.CHAR(3), nullable=True),
        _timestamp("crm_paid_at", nullable=True),
        _timestamp("bank_booked_at", nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'OPEN'"), nullable=False),
        _timestamp("created_at"),
        _text("resolved_by", nullable=True),
        _timestamp("resolved_at", nullable=True),
        _text("resolution", nullable=True),
        _text("note", nullable=True),
        sa.CheckConstraint(f"kind IN {ISSUE_KINDS}", name="ck_reconciliation_issue_kind"),
        sa.CheckConstraint("status IN ('OPEN', 'RESOLVED')", name="ck_reconciliation_issue_status"),
        sa.CheckConstraint(
            "(status = 'RESOLVED') = (resolved_at IS NOT NULL AND resolved_by IS NOT NULL"
            " AND resolution IS NOT NULL)",
            name="ck_reconciliation_issue_resolved_with_who_and_how",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconciliation.reconciliation_run.id"],
            name="fk_reconciliation_issue_run_id_reconciliation_run",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_issue"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_reconciliation_issue_open_kind_reference_number",
        "reconciliation_issue",
        ["kind", "reference_number"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'OPEN'"),
    )
    op.create_index(
        "ix_reconciliation_issue_run_id", "reconciliation_issue", ["run_id"], schema=SCHEMA
    )
    # Plain CREATE INDEX: the migration runs in one transaction (no CONCURRENTLY); payments
    # are still few where this first runs.
    op.create_index("ix_payment_paid_at", "payment", ["paid_at"], schema="payments")


def downgrade() -> None:
    """Drop what upgrade created."""
    op.drop_index("ix_payment_paid_at", "payment", schema="payments")
    for table in ("reconciliation_issue", "reconciliation_run", "bank_transaction"):
        op.drop_table(table, schema=SCHEMA)
