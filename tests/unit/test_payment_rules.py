"""Payment intake rules: validation of a notification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import ValidationError
from domain.payments import Source, parse_notification

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "referenceNumber": "FT2633400123",
        "loanAccountNumber": "LD2401234567",
        "amount": "1500000",
        "currency": "VND",
        "paidAt": "2026-11-29T09:30:00+07:00",
        "channel": "MOBILE",
    }
    base.update(overrides)
    return base


def test_valid_notification_parses_with_decimal_amount() -> None:
    n = parse_notification(body(), now=NOW, source=Source.GATEWAY)
    assert n.amount == Decimal("1500000.00")
    assert n.paid_at == datetime(2026, 11, 29, 2, 30, tzinfo=UTC)
    assert n.received_at == NOW


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"referenceNumber": ""}, "referenceNumber"),
        ({"referenceNumber": "bad ref with spaces"}, "referenceNumber"),
        ({"loanAccountNumber": None}, "loanAccountNumber"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": "100.5"}, "amount"),  # VND has no minor unit
        ({"currency": "XXX"}, "currency"),
        ({"paidAt": "2026-11-29T09:30:00"}, "paidAt"),  # no offset
        ({"paidAt": "yesterday"}, "paidAt"),
        ({"paidAt": (NOW + timedelta(hours=1)).isoformat()}, "paidAt"),
        ({"channel": "PIGEON"}, "channel"),
        ({"referenceNumber": "FT/1"}, "referenceNumber"),
        ({"payer": "NGUYEN\x00VAN A"}, "payer"),
        ({"cif": "1" * 40}, "cif"),
    ],
)
def test_invalid_field_is_named(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_notification(body(**overrides), now=NOW, source=Source.GATEWAY)
    assert err.value.field == field


def test_usd_cents_are_kept() -> None:
    n = parse_notification(body(currency="USD", amount="10.25"), now=NOW, source=Source.GATEWAY)
    assert n.amount == Decimal("10.25")


def test_small_clock_skew_is_tolerated() -> None:
    ahead = (NOW + timedelta(minutes=2)).isoformat()
    assert parse_notification(body(paidAt=ahead), now=NOW, source=Source.GATEWAY)
