"""Payment intake rules: what a valid payment notification is."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.body_fields import optional_text, required_text, timestamp
from domain.errors import ValidationError
from domain.money import parse_amount, parse_currency

# No "/": a reference is a path segment of /api/payments/{referenceNumber}.
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,33}$")


class Channel(StrEnum):
    BRANCH = "BRANCH"
    ATM = "ATM"
    MOBILE = "MOBILE"
    INTERNET_BANKING = "INTERNET_BANKING"
    AGENT = "AGENT"
    AUTO_DEBIT = "AUTO_DEBIT"
    MANUAL = "MANUAL"


class Kind(StrEnum):
    PAYMENT = "PAYMENT"
    # Takes back an earlier payment (the gateway's chargeback or a user's correction).
    REVERSAL = "REVERSAL"


class Source(StrEnum):
    GATEWAY = "GATEWAY"
    MANUAL = "MANUAL"


@dataclass(frozen=True)
class PaymentNotification:
    reference_number: str
    loan_account_number: str
    amount: Decimal
    currency: str
    paid_at: datetime
    channel: Channel
    source: Source
    received_at: datetime
    cif: str | None = None
    payer: str | None = None
    entered_by: str | None = None
    kind: Kind = Kind.PAYMENT
    original_reference_number: str | None = None
    # Why a payment is reversed, as the user or gateway said it.
    note: str | None = None

    def content_hash(self) -> str:
        """Hash of what the payer sent, so a redelivery can be told from a conflicting reuse."""
        parts: tuple[str, ...] = (
            self.reference_number,
            self.loan_account_number,
            f"{self.amount:.2f}",
            self.currency,
            self.paid_at.isoformat(),
            self.channel.value,
            self.cif or "",
            self.payer or "",
        )
        if self.kind is Kind.REVERSAL:
            parts += (self.kind.value, self.original_reference_number or "")
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def parse_notification(
    body: Mapping[str, Any], *, now: datetime, source: Source, entered_by: str | None = None
) -> PaymentNotification:
    """Validate a JSON body (seed field names) into a notification, or raise ValidationError."""
    currency = parse_currency(body.get("currency"))
    channel_raw = body.get("channel", Channel.MANUAL if source is Source.MANUAL else None)
    try:
        channel = Channel(channel_raw)
    except ValueError as exc:
        allowed = ", ".join(c.value for c in Channel)
        raise ValidationError(f"channel must be one of {allowed}", field="channel") from exc
    kind_raw = body.get("kind", Kind.PAYMENT.value)
    try:
        kind = Kind(kind_raw)
    except ValueError as exc:
        raise ValidationError("kind must be PAYMENT or REVERSAL", field="kind") from exc
    original = None
    if kind is Kind.REVERSAL:
        original = required_text(body, "originalReferenceNumber", _REFERENCE)
    return PaymentNotification(
        reference_number=required_text(body, "referenceNumber", _REFERENCE),
        loan_account_number=required_text(body, "loanAccountNumber", _ACCOUNT),
        amount=parse_amount(body.get("amount"), currency),
        currency=currency,
        paid_at=timestamp(body, "paidAt", now),
        channel=channel,
        source=source,
        received_at=now,
        cif=optional_text(body, "cif", 32),
        payer=optional_text(body, "payer", 200),
        entered_by=entered_by,
        kind=kind,
        original_reference_number=original,
        note=optional_text(body, "reason", 500),
    )
