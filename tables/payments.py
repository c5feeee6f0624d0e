"""Payments' RocksDB tables, declared once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import faust
from faust.tables import Table

from domain.payments import LoanLedger
from tables.raw import raw_keyed_table

LEDGER_TABLE = "loan-ledger"


def loan_ledger(app: faust.App) -> Table:
    """Per-loan payment ledger keyed by account number, co-partitioned with notifications."""
    return raw_keyed_table(app, LEDGER_TABLE)


def ledger_to_json(ledger: LoanLedger) -> dict[str, Any]:
    return {
        "accountNumber": ledger.account_number,
        "references": dict(ledger.references),
        "paymentCount": ledger.payment_count,
        "totalPaid": str(ledger.total_paid),
        "lastReference": ledger.last_reference,
    }


def ledger_from_json(value: dict[str, Any] | None) -> LoanLedger | None:
    if value is None:
        return None
    return LoanLedger(
        account_number=value["accountNumber"],
        references=value["references"],
        payment_count=value["paymentCount"],
        total_paid=Decimal(value["totalPaid"]),
        last_reference=value["lastReference"],
    )
