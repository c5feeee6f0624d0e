"""Act as the payment gateway: signed webhook calls with the channel secret the runtime made."""

from __future__ import annotations

import time
from typing import Any

from crm.settings import Settings
from security.webhook_signature import sign

WEBHOOK = "/api/payments/notification"


def channel_secret(settings: Settings, channel: str = "MOBILE") -> str:
    """The channel's current secret, as the runtime generated it."""
    path = settings.payment_webhook_secrets_path / channel
    return path.read_text().splitlines()[0].strip()


def gateway_body(ref: str, account: str, **changes: Any) -> dict[str, Any]:
    return {
        "referenceNumber": ref,
        "loanAccountNumber": account,
        "cif": "100234",
        "amount": "1750000",
        "currency": "VND",
        "paidAt": "2026-11-20T10:15:00+07:00",
        "channel": "MOBILE",
        "payer": "TRAN THI B",
        **changes,
    }


def signed(body: bytes, secret: str, *, channel: str = "MOBILE", age_s: int = 0) -> dict[str, str]:
    timestamp = int(time.time()) - age_s
    return {
        "Content-Type": "application/json",
        "X-Payment-Channel": channel,
        "X-Payment-Timestamp": str(timestamp),
        "X-Payment-Signature": sign(secret, timestamp, body),
    }
