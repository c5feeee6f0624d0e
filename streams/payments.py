"""Payments' stream contract: domain values ↔ Avro records of payments.* topics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.allocation import AllocationLine
from domain.loan_ledger import Decision, Outcome, Status
from domain.payments import Channel, Kind, PaymentNotification, Source

NOTIFICATION = "crm.payments.PaymentNotification"
EVENT = "crm.payments.PaymentEvent"


def notification_to_avro(n: PaymentNotification) -> dict[str, Any]:
    return {
        "referenceNumber": n.reference_number,
        "loanAccountNumber": n.loan_account_number,
        "cif": n.cif,
        "amount": n.amount,
        "currency": n.currency,
        "paidAt": n.paid_at,
        "channel": n.channel.value,
        "payer": n.payer,
        "source": n.source.value,
        "receivedAt": n.received_at,
        "enteredBy": n.entered_by,
        "kind": n.kind.value,
        "originalReferenceNumber": n.original_reference_number,
        "note": n.note,
    }


def notification_from_avro(record: dict[str, Any]) -> PaymentNotification:
    return PaymentNotification(
        reference_number=record["referenceNumber"],
        loan_account_number=record["loanAccountNumber"],
        amount=record["amount"],
        currency=record["currency"],
        paid_at=record["paidAt"],
        channel=Channel(record["channel"]),
        source=Source(record["source"]),
        received_at=record["receivedAt"],
        cif=record.get("cif"),
        payer=record.get("payer"),
        entered_by=record.get("enteredBy"),
        # UNKNOWN (a kind from a newer writer) fails here: it must never credit a loan.
        kind=Kind(record.get("kind", Kind.PAYMENT.value)),
        original_reference_number=record.get("originalReferenceNumber"),
        note=record.get("note"),
    )


def event_id(d: Decision) -> str:
    """Derived from the reference and what happened, so a replay yields the same id."""
    ref = d.notification.reference_number
    if d.outcome is Outcome.CONFLICT:
        return f"{ref}:conflict:{d.notification.content_hash()[:16]}"
    assert d.status is not None
    return f"{ref}:{d.status.value.lower()}:{d.version}"


def _avro_lines(lines: tuple[AllocationLine, ...]) -> list[dict[str, Any]]:
    return [
        {"component": line.component.value, "dueDate": line.due_date, "amount": line.amount}
        for line in lines
    ]


def payment_event(d: Decision, now: datetime) -> dict[str, Any]:
    """The PaymentEvent a decision produces (a duplicate repeats the original's id)."""
    n = d.notification
    if d.reverses is not None:
        original, version = d.reverses
        return {
            "eventId": f"{original}:reversed:{version}",
            "eventType": "PAYMENT_REVERSED",
            "occurredAt": now,
            "referenceNumber": original,
            "loanAccountNumber": n.loan_account_number,
            "cif": d.cif or n.cif,
            "amount": n.amount,
            "currency": n.currency,
            "status": Status.REVERSED.value,
            "reason": n.note,
            "reversalReferenceNumber": n.reference_number,
            "allocation": [],
            "paidAt": n.paid_at,
        }
    failed = d.outcome is Outcome.CONFLICT or d.status is Status.FAILED
    return {
        "eventId": event_id(d),
        "eventType": "PAYMENT_FAILED" if failed else "PAYMENT_RECEIVED",
        "occurredAt": now,
        "referenceNumber": n.reference_number,
        "loanAccountNumber": n.loan_account_number,
        "cif": d.cif or n.cif,
        "amount": n.amount,
        "currency": n.currency,
        "status": Status.FAILED.value if failed else (d.status or Status.APPLIED).value,
        "reason": d.reason,
        "reversalReferenceNumber": None,
        "allocation": _avro_lines(d.allocation),
        "paidAt": n.paid_at,
    }


def payment_row(d: Decision, now: datetime) -> dict[str, Any] | None:
    """The payments.payment row (sink input); a conflict leaves the stored row alone."""
    if d.outcome is Outcome.CONFLICT or d.status is None:
        return None
    n = d.notification
    return {
        "reference_number": n.reference_number,
        "loan_account_number": n.loan_account_number,
        "cif": d.cif or n.cif,
        "amount": n.amount,
        "currency": n.currency,
        "paid_at": n.paid_at,
        "channel": n.channel.value,
        "payer": n.payer,
        "source": n.source.value,
        "kind": n.kind.value,
        "original_reference_number": n.original_reference_number,
        "status": d.status.value,
        "reason": d.reason,
        "content_hash": n.content_hash(),
        "received_at": n.received_at,
        "applied_at": now if d.status is Status.APPLIED else None,
        "version": d.version,
        "updated_at": now,
    }


def allocation_rows(d: Decision) -> list[dict[str, Any]]:
    ref = d.notification.reference_number
    return [
        {
            "reference_number": ref,
            "line_no": number,
            "component": line.component.value,
            "due_date": line.due_date,
            "amount": line.amount,
        }
        for number, line in enumerate(d.allocation, start=1)
    ]


def history_rows(d: Decision, now: datetime) -> list[dict[str, Any]]:
    """The status lines a decision adds; a no-op second reversal adds none."""
    n = d.notification
    rows = []
    if d.status is not None or d.outcome is Outcome.CONFLICT:
        failed = d.outcome is Outcome.CONFLICT or d.status is Status.FAILED
        rows.append(
            {
                "event_id": event_id(d),
                "reference_number": n.reference_number,
                "status": Status.FAILED.value if failed else (d.status or Status.APPLIED).value,
                "reason": d.reason,
                "content_hash": n.content_hash(),
                "occurred_at": now,
            }
        )
    if d.reverses is not None and d.status is not None:
        original, version = d.reverses
        rows.append(
            {
                "event_id": f"{original}:reversed:{version}",
                "reference_number": original,
                "status": Status.REVERSED.value,
                "reason": n.note or f"reversed by {n.reference_number}",
                "content_hash": n.content_hash(),
                "occurred_at": now,
            }
        )
    return rows


def reversal_update(d: Decision, now: datetime) -> dict[str, Any] | None:
    """The original payment's new status when a reversal took it back."""
    if d.reverses is None or d.status is None:
        return None
    original, version = d.reverses
    return {"reference_number": original, "version": version, "updated_at": now}
