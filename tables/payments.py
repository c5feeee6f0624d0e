"""Payments' RocksDB tables, declared once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import faust
from faust.tables import Table

from domain.payments import LoanLedger

LEDGER_TABLE = "loan-ledger"


def loan_ledger(app: faust.App) -> Table:
    """Per-loan payment ledger keyed by account number, co-partitioned with notifications.

    Raw string keys and the producer's murmur2 partitioner put every changelog entry in the
    same partition number as the notification that caused it, which table_route relies on.
    """
    table = cast(
        "Table[str, dict[str, Any]]",
        app.Table(
            LEDGER_TABLE,
            key_type=str,
            value_type=None,
            partitions=app.conf.topic_partitions,
            use_partitioner=True,
        ),
    )
    # Faust picks JSON for str keys ('"LD1"'), whose murmur2 differs from the source key's,
    # and has already built the changelog topic with it: rebuild it with raw keys.
    table.key_serializer = "raw"
    table.changelog_topic = table._new_changelog_topic()
    return table


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
