"""Payment intake rules: validation of a notification and exactly-once application."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import ValidationError
from domain.payments import Outcome, Source, apply_notification, parse_notification

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


def test_same_reference_same_content_is_a_duplicate() -> None:
    n = parse_notification(body(), now=NOW, source=Source.GATEWAY)
    outcome, ledger = apply_notification(None, n)
    assert outcome is Outcome.APPLIED
    again, same = apply_notification(ledger, n)
    assert again is Outcome.DUPLICATE
    assert same == ledger
    assert same.payment_count == 1
    assert same.total_paid == Decimal("1500000.00")


def test_same_reference_other_content_is_a_conflict_and_changes_nothing() -> None:
    n = parse_notification(body(), now=NOW, source=Source.GATEWAY)
    _, ledger = apply_notification(None, n)
    other = parse_notification(body(amount="2000000"), now=NOW, source=Source.GATEWAY)
    outcome, after = apply_notification(ledger, other)
    assert outcome is Outcome.CONFLICT
    assert after == ledger


def test_redelivery_received_later_is_still_a_duplicate() -> None:
    first = parse_notification(body(), now=NOW, source=Source.GATEWAY)
    later = parse_notification(body(), now=NOW + timedelta(hours=3), source=Source.GATEWAY)
    _, ledger = apply_notification(None, first)
    assert apply_notification(ledger, later)[0] is Outcome.DUPLICATE


def test_two_payments_add_up() -> None:
    a = parse_notification(body(), now=NOW, source=Source.GATEWAY)
    b = parse_notification(
        body(referenceNumber="FT2633400124", amount=500000), now=NOW, source=Source.GATEWAY
    )
    _, ledger = apply_notification(None, a)
    _, ledger = apply_notification(ledger, b)
    assert ledger.payment_count == 2
    assert ledger.total_paid == Decimal("2000000.00")
    assert ledger.last_reference == "FT2633400124"
