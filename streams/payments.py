"""Payments' stream contract: domain values ↔ Avro records of payments.* topics."""

from __future__ import annotations

from typing import Any

from domain.payments import Channel, Outcome, PaymentNotification, Source

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
        "kind": "PAYMENT",
        "originalReferenceNumber": None,
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
    )


def payment_event(n: PaymentNotification, outcome: Outcome) -> dict[str, Any]:
    """The event a notification produces; its id is derived so replays are recognisable."""
    failed = outcome is Outcome.CONFLICT
    return {
        "eventId": f"{n.reference_number}:{'failed' if failed else 'received'}",
        "eventType": "PAYMENT_FAILED" if failed else "PAYMENT_RECEIVED",
        "occurredAt": n.received_at,
        "referenceNumber": n.reference_number,
        "loanAccountNumber": n.loan_account_number,
        "cif": n.cif,
        "amount": n.amount,
        "currency": n.currency,
        "status": "FAILED" if failed else "RECEIVED",
        "reason": "REFERENCE_REUSED_WITH_DIFFERENT_CONTENT" if failed else None,
        "allocation": [],
    }


def payment_row(n: PaymentNotification, *, status: str, content_hash: str) -> dict[str, Any]:
    """The payments.payment row (sink input) for an applied notification."""
    return {
        "reference_number": n.reference_number,
        "loan_account_number": n.loan_account_number,
        "cif": n.cif,
        "amount": n.amount,
        "currency": n.currency,
        "paid_at": n.paid_at,
        "channel": n.channel.value,
        "payer": n.payer,
        "source": n.source.value,
        "kind": "PAYMENT",
        "status": status,
        "content_hash": content_hash,
        "received_at": n.received_at,
    }
