"""Loan-shaped sample data shared by the PostgreSQL and Avro benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

COLUMNS = (
    "account_number",
    "cif",
    "product_type",
    "outstanding",
    "due_amount",
    "dpd",
    "status",
    "updated_at",
)

TABLE_DDL = """
    account_number text NOT NULL,
    cif text NOT NULL,
    product_type text NOT NULL,
    outstanding numeric(18,2) NOT NULL,
    due_amount numeric(18,2) NOT NULL,
    dpd int NOT NULL,
    status text NOT NULL,
    updated_at timestamptz NOT NULL
"""

PRODUCTS = ("CARD", "PERSONAL", "MORTGAGE", "AUTO")
STATUSES = ("CURRENT", "DELINQUENT", "WRITTEN_OFF")
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)

Row = tuple[str, str, str, Decimal, Decimal, int, str, datetime]

LOAN_AVRO_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "BenchLoan",
    "namespace": "crm.bench",
    "fields": [
        {"name": "account_number", "type": "string"},
        {"name": "cif", "type": "string"},
        {"name": "product_type", "type": "string"},
        {
            "name": "outstanding",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2},
        },
        {
            "name": "due_amount",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2},
        },
        {"name": "dpd", "type": "int"},
        {"name": "status", "type": "string"},
        {"name": "updated_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ],
}


def loan_row(i: int, generation: int = 0) -> Row:
    """Build the i-th loan; a later generation changes the values but keeps the key."""
    cents = (i * 7919 + generation * 104729) % 50_000_000
    return (
        f"LN{i:012d}",
        f"CIF{i // 3:010d}",
        PRODUCTS[i % len(PRODUCTS)],
        Decimal(cents).scaleb(-2),
        Decimal(cents // 12).scaleb(-2),
        (i + generation) % 181,
        STATUSES[i % len(STATUSES)],
        EPOCH + timedelta(seconds=i + generation * 86_400),
    )


def loan_rows(count: int, generation: int = 0) -> list[Row]:
    return [loan_row(i, generation) for i in range(count)]


def loan_record(row: Row) -> dict[str, Any]:
    return dict(zip(COLUMNS, row, strict=True))
