"""Payments' RocksDB tables, declared once, and the JSON their values are stored as."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import faust

from domain.allocation import AllocationLine, Component, Due
from domain.loan_ledger import Applied, CoreLoan, LoanLedger, Seen, Status
from domain.payments import PaymentNotification
from streams.payments import notification_from_avro, notification_to_avro
from tables.raw import RawKeyedTable, raw_keyed_table

LEDGER_TABLE = "loan-ledger"


def loan_ledger(app: faust.App) -> RawKeyedTable:
    """Per-loan payment ledger keyed by account number, co-partitioned with notifications."""
    # Written only by payments.apply-notifications, whose three inputs are keyed by account.
    return raw_keyed_table(app, LEDGER_TABLE, co_partitioned=True)


def _lines_to_json(lines: tuple[AllocationLine, ...]) -> list[dict[str, Any]]:
    return [
        {
            "component": line.component.value,
            "dueDate": line.due_date.isoformat() if line.due_date else None,
            "amount": str(line.amount),
        }
        for line in lines
    ]


def _lines_from_json(value: list[dict[str, Any]]) -> tuple[AllocationLine, ...]:
    return tuple(
        AllocationLine(
            Component(v["component"]),
            date.fromisoformat(v["dueDate"]) if v["dueDate"] else None,
            Decimal(v["amount"]),
        )
        for v in value
    )


# The Avro mapping is the one field list; JSON differs only in carrying these as text.
_DECIMALS = ("amount",)
_TIMESTAMPS = ("paidAt", "receivedAt")


def _notification_to_json(n: PaymentNotification) -> dict[str, Any]:
    record = notification_to_avro(n)
    for name in _DECIMALS:
        record[name] = str(record[name])
    for name in _TIMESTAMPS:
        record[name] = record[name].isoformat()
    return record


def _notification_from_json(v: dict[str, Any]) -> PaymentNotification:
    record = dict(v)
    for name in _DECIMALS:
        record[name] = Decimal(record[name])
    for name in _TIMESTAMPS:
        record[name] = datetime.fromisoformat(record[name])
    return notification_from_avro(record)


def _seen_from_json(value: Any) -> Seen:
    # Ledgers written before statuses existed stored the content hash alone.
    if isinstance(value, str):
        return Seen(value, Status.APPLIED)
    amount = value.get("amount")
    return Seen(
        value["hash"],
        Status(value["status"]),
        value["version"],
        value.get("reason"),
        Decimal(amount) if amount is not None else None,
    )


def ledger_to_json(ledger: LoanLedger) -> dict[str, Any]:
    core = ledger.core
    return {
        "accountNumber": ledger.account_number,
        "references": {
            ref: {"hash": s.content_hash, "status": s.status.value, "version": s.version}
            | ({"reason": s.reason} if s.reason else {})
            | ({"amount": str(s.amount)} if s.amount is not None else {})
            for ref, s in ledger.references.items()
        },
        "paymentCount": ledger.payment_count,
        "totalPaid": str(ledger.total_paid),
        "lastReference": ledger.last_reference,
        "core": None
        if core is None
        else {
            "cif": core.cif,
            "currency": core.currency,
            "outstanding": str(core.outstanding),
            "dueAmount": str(core.due_amount),
            "status": core.status,
            "asOf": core.as_of.isoformat(),
        },
        "segments": {
            day.isoformat(): [
                str(due.penalty),
                str(due.fees),
                str(due.interest),
                str(due.principal),
            ]
            for day, due in ledger.segments.items()
        },
        "pending": [
            {
                "reference": p.reference,
                "amount": str(p.amount),
                "paidAt": p.paid_at.isoformat(),
                "allocation": _lines_to_json(p.allocation),
            }
            for p in ledger.pending
        ],
        "suspense": [_notification_to_json(n) for n in ledger.suspense],
        "released": [_notification_to_json(n) for n in ledger.released],
    }


def ledger_from_json(value: dict[str, Any] | None) -> LoanLedger | None:
    if value is None:
        return None
    core = value.get("core")
    return LoanLedger(
        account_number=value["accountNumber"],
        references={ref: _seen_from_json(s) for ref, s in value["references"].items()},
        payment_count=value["paymentCount"],
        total_paid=Decimal(value["totalPaid"]),
        last_reference=value["lastReference"],
        core=None
        if core is None
        else CoreLoan(
            cif=core["cif"],
            currency=core["currency"],
            outstanding=Decimal(core["outstanding"]),
            due_amount=Decimal(core["dueAmount"]),
            status=core["status"],
            as_of=datetime.fromisoformat(core["asOf"]),
        ),
        segments={
            date.fromisoformat(day): Due(*(Decimal(x) for x in parts))
            for day, parts in value.get("segments", {}).items()
        },
        pending=tuple(
            Applied(
                p["reference"],
                Decimal(p["amount"]),
                datetime.fromisoformat(p["paidAt"]),
                _lines_from_json(p["allocation"]),
            )
            for p in value.get("pending", [])
        ),
        suspense=tuple(_notification_from_json(n) for n in value.get("suspense", [])),
        released=tuple(_notification_from_json(n) for n in value.get("released", [])),
    )
