"""Tables of payment reconciliation (schema reconciliation): the bank's ledger, runs, issues."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, CurrencyCode

RECONCILIATION = {"schema": "reconciliation"}
ISSUE_KINDS = "('MISSING_IN_CRM', 'MISSING_IN_BANK', 'AMOUNT_MISMATCH', 'DATE_MISMATCH')"


class BankTransaction(Base):
    """One transaction of the bank's ledger, as loaded from a statement (or another source)."""

    __tablename__ = "bank_transaction"
    __table_args__ = (
        UniqueConstraint("source", "reference_number"),
        # Reconciliation reads one date range of the ledger.
        Index(None, "booked_at"),
        Index(None, "statement_id"),
        RECONCILIATION,
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    reference_number: Mapped[str]
    loan_account_number: Mapped[str]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(CurrencyCode)
    booked_at: Mapped[dt.datetime]
    source: Mapped[str]
    statement_id: Mapped[str]
    loaded_at: Mapped[dt.datetime]


class ReconciliationRun(Base):
    """One comparison of the CRM's payments with the bank's ledger over a date range."""

    __tablename__ = "reconciliation_run"
    __table_args__ = (RECONCILIATION,)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    tolerance_days: Mapped[int] = mapped_column(SmallInteger)
    started_by: Mapped[str]
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime]
    # Per class: count and amount totals per currency (the report's numbers, kept as given).
    totals: Mapped[dict[str, Any]]
    new_issues: Mapped[int]


class ReconciliationIssue(Base):
    """A discrepancy found by a run, open until a person records how it was resolved."""

    __tablename__ = "reconciliation_issue"
    __table_args__ = (
        CheckConstraint(f"kind IN {ISSUE_KINDS}", name="kind"),
        CheckConstraint("status IN ('OPEN', 'RESOLVED')", name="status"),
        # A resolved issue always says who, when and how; an open one says none of it.
        CheckConstraint(
            "(status = 'RESOLVED') = (resolved_at IS NOT NULL AND resolved_by IS NOT NULL"
            " AND resolution IS NOT NULL)",
            name="resolved_with_who_and_how",
        ),
        # A later run does not open the same discrepancy twice.
        Index(
            "uq_reconciliation_issue_open_kind_reference_number",
            "kind",
            "reference_number",
            unique=True,
            postgresql_where=text("status = 'OPEN'"),
        ),
        Index(None, "run_id"),
        RECONCILIATION,
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    run_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("reconciliation.reconciliation_run.id")
    )
    kind: Mapped[str]
    reference_number: Mapped[str]
    loan_account_number: Mapped[str]
    crm_amount: Mapped[Decimal | None]
    crm_currency: Mapped[str | None] = mapped_column(CurrencyCode)
    bank_amount: Mapped[Decimal | None]
    bank_currency: Mapped[str | None] = mapped_column(CurrencyCode)
    crm_paid_at: Mapped[dt.datetime | None]
    bank_booked_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(server_default=text("'OPEN'"))
    created_at: Mapped[dt.datetime]
    resolved_by: Mapped[str | None]
    resolved_at: Mapped[dt.datetime | None]
    resolution: Mapped[str | None]
    note: Mapped[str | None]
