"""One loan's payment view: exactly once, suspense, and the core's balance counted once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.allocation import Component, Due
from domain.errors import ValidationError
from domain.loan_ledger import (
    CoreLoan,
    LoanLedger,
    Outcome,
    Status,
    receive,
    update_core,
    update_segment,
)
from domain.payments import PaymentNotification, Source, parse_notification
from tables.payments import ledger_from_json, ledger_to_json

D = Decimal
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
ACCOUNT = "LD2401234567"


def payment(**overrides: Any) -> PaymentNotification:
    body: dict[str, Any] = {
        "referenceNumber": "FT2633400123",
        "loanAccountNumber": ACCOUNT,
        "amount": "1500000",
        "currency": "VND",
        "paidAt": "2026-11-29T09:30:00+07:00",  # 02:30 UTC
        "channel": "MOBILE",
    }
    body.update(overrides)
    return parse_notification(body, now=NOW, source=Source.GATEWAY)


def core(outstanding: str, as_of: datetime, **kw: Any) -> CoreLoan:
    values: dict[str, Any] = {
        "cif": "CIF000000001",
        "currency": "VND",
        "outstanding": D(outstanding),
        "due_amount": D("2000000"),
        "status": "OPEN",
        "as_of": as_of,
    }
    values.update(kw)
    return CoreLoan(**values)


def known_loan(as_of: datetime = NOW - timedelta(hours=5)) -> LoanLedger:
    _, ledger = update_core(None, ACCOUNT, core("50000000", as_of))
    return update_segment(
        ledger, ACCOUNT, date(2026, 11, 5), Due(D("100000"), D("0"), D("400000"), D("1500000"))
    )


def test_same_reference_same_content_is_a_duplicate_with_the_original_allocation() -> None:
    first, ledger = receive(known_loan(), payment())
    assert first.outcome is Outcome.APPLIED
    again, same = receive(ledger, payment())
    assert again.outcome is Outcome.DUPLICATE
    assert again.allocation == first.allocation
    assert same == ledger
    assert same.payment_count == 1
    assert same.total_paid == D("1500000.00")


def test_same_reference_other_content_is_a_conflict_and_changes_nothing() -> None:
    _, ledger = receive(known_loan(), payment())
    decision, after = receive(ledger, payment(amount="2000000"))
    assert decision.outcome is Outcome.CONFLICT
    assert decision.reason == "REFERENCE_REUSED_WITH_DIFFERENT_CONTENT"
    assert after == ledger


def test_payment_is_allocated_and_lowers_the_balance() -> None:
    decision, ledger = receive(known_loan(), payment())
    assert [(line.component, line.amount) for line in decision.allocation] == [
        (Component.PENALTY, D("100000")),
        (Component.INTEREST, D("400000")),
        (Component.PRINCIPAL, D("1000000")),
    ]
    assert ledger.outstanding() == D("48500000")
    assert ledger.due_amount() == D("500000")


def test_core_update_that_contains_the_payment_does_not_count_it_twice() -> None:
    _, ledger = receive(known_loan(), payment())
    # The core books the payment and reports its own, lower balance as of a later time.
    _, ledger = update_core(ledger, ACCOUNT, core("48500000", NOW))
    assert ledger.outstanding() == D("48500000")
    assert ledger.pending == ()


def test_payment_arriving_after_the_core_already_booked_it_is_not_counted_again() -> None:
    _, ledger = update_core(known_loan(), ACCOUNT, core("48500000", NOW))
    decision, ledger = receive(ledger, payment())
    assert decision.outcome is Outcome.APPLIED
    assert ledger.outstanding() == D("48500000")
    assert ledger.payment_count == 1


def test_core_update_older_than_the_payment_keeps_it_pending() -> None:
    _, ledger = receive(known_loan(), payment())
    _, ledger = update_core(ledger, ACCOUNT, core("50000000", NOW - timedelta(hours=1)))
    assert ledger.outstanding() == D("48500000")


def test_an_older_core_record_arriving_late_is_ignored() -> None:
    _, ledger = update_core(known_loan(), ACCOUNT, core("40000000", NOW))
    _, ledger = update_core(ledger, ACCOUNT, core("45000000", NOW - timedelta(hours=1)))
    assert ledger.outstanding() == D("40000000")


def test_unknown_loan_holds_the_payment_in_suspense_until_the_loan_arrives() -> None:
    decision, ledger = receive(None, payment())
    assert decision.outcome is Outcome.SUSPENDED and decision.status is Status.SUSPENSE
    assert ledger.payment_count == 0 and len(ledger.suspense) == 1
    again, _ = receive(ledger, payment())
    assert again.outcome is Outcome.DUPLICATE and again.status is Status.SUSPENSE

    released, ledger = update_core(ledger, ACCOUNT, core("50000000", NOW - timedelta(hours=5)))
    assert [d.outcome for d in released] == [Outcome.APPLIED]
    assert released[0].version == 2  # the row moves from SUSPENSE to APPLIED
    assert ledger.suspense == () and ledger.payment_count == 1
    assert ledger.outstanding() == D("48500000")


def test_the_same_core_record_again_reports_its_release_again() -> None:
    """A replay after a crash: the table may hold the release PostgreSQL never got."""
    _, held = receive(None, payment())
    record = core("50000000", NOW - timedelta(hours=5))
    released, ledger = update_core(held, ACCOUNT, record)
    again, unchanged = update_core(ledger, ACCOUNT, record)
    assert unchanged == ledger
    assert [(d.outcome, d.status, d.version) for d in again] == [
        (Outcome.DUPLICATE, Status.APPLIED, 2)
    ]
    assert again[0].allocation == released[0].allocation
    assert ledger_from_json(ledger_to_json(ledger)) == ledger

    later, ledger = update_core(ledger, ACCOUNT, core("48500000", NOW))
    assert later == [] and ledger.released == ()


def test_a_closed_loan_takes_no_payment() -> None:
    _, ledger = update_core(None, ACCOUNT, core("0", NOW - timedelta(hours=5), status="CLOSED"))
    decision, _ = receive(ledger, payment())
    assert decision.outcome is Outcome.SUSPENDED


def test_currency_other_than_the_loans_is_rejected_and_recorded() -> None:
    decision, ledger = receive(known_loan(), payment(currency="USD", amount="10.50"))
    assert decision.outcome is Outcome.REJECTED and decision.status is Status.FAILED
    assert decision.reason and decision.reason.startswith("CURRENCY_MISMATCH")
    assert ledger.payment_count == 0
    again, _ = receive(ledger, payment(currency="USD", amount="10.50"))
    assert again.outcome is Outcome.DUPLICATE and again.status is Status.FAILED


def test_ledger_survives_its_json_form() -> None:
    _, ledger = receive(known_loan(), payment())
    _, ledger = receive(ledger, payment(referenceNumber="FT2", loanAccountNumber=ACCOUNT))
    _, held = receive(None, payment(referenceNumber="FT3"))
    for value in (ledger, held):
        assert ledger_from_json(ledger_to_json(value)) == value


def reversal(
    ref: str = "RV1", original: str = "FT2633400123", amount: str = "1500000"
) -> PaymentNotification:
    return payment(
        referenceNumber=ref,
        kind="REVERSAL",
        originalReferenceNumber=original,
        amount=amount,
        paidAt="2026-11-29T09:55:00+07:00",  # 02:55 UTC
        reason="chargeback",
    )


def test_reversal_of_a_pending_payment_restores_the_balance() -> None:
    _, ledger = receive(known_loan(), payment())
    decision, ledger = receive(ledger, reversal())
    assert decision.outcome is Outcome.APPLIED
    assert decision.reverses == ("FT2633400123", 2)
    assert ledger.references["FT2633400123"].status is Status.REVERSED
    assert ledger.outstanding() == D("50000000")
    assert ledger.payment_count == 0 and ledger.total_paid == D("0")


def test_reversal_of_a_payment_the_core_already_booked_adds_it_back_until_the_core_does() -> None:
    _, ledger = receive(known_loan(), payment())
    _, ledger = update_core(ledger, ACCOUNT, core("48500000", NOW - timedelta(minutes=10)))
    assert ledger.outstanding() == D("48500000") and ledger.pending == ()
    _, ledger = receive(ledger, reversal())
    assert ledger.outstanding() == D("50000000")
    # The core books the reversal too: its record no longer needs the correction.
    _, ledger = update_core(ledger, ACCOUNT, core("50000000", NOW))
    assert ledger.outstanding() == D("50000000") and ledger.pending == ()


def test_reversing_twice_is_a_no_op() -> None:
    _, ledger = receive(known_loan(), payment())
    _, ledger = receive(ledger, reversal())
    again, same = receive(ledger, reversal())
    assert again.outcome is Outcome.DUPLICATE and again.reverses == ("FT2633400123", 2)
    other, same2 = receive(same, reversal(ref="RV2"))
    assert other.outcome is Outcome.DUPLICATE and other.status is None
    assert same2 == same == ledger
    assert ledger.outstanding() == D("50000000")


def test_reversal_of_a_held_payment_takes_it_out_of_suspense() -> None:
    _, ledger = receive(None, payment())
    decision, ledger = receive(ledger, reversal())
    assert decision.outcome is Outcome.APPLIED and ledger.suspense == ()
    released, ledger = update_core(ledger, ACCOUNT, core("50000000", NOW - timedelta(hours=5)))
    assert released == [] and ledger.outstanding() == D("50000000")


def test_reversal_that_does_not_match_its_original_is_refused() -> None:
    _, ledger = receive(known_loan(), payment())
    unknown, _ = receive(ledger, reversal(original="NOPE"))
    assert unknown.outcome is Outcome.REJECTED and unknown.reason == "ORIGINAL_PAYMENT_NOT_FOUND"
    partial, after = receive(ledger, reversal(amount="100"))
    assert partial.reason == "AMOUNT_DIFFERS_FROM_ORIGINAL"
    assert after.references["FT2633400123"].status is Status.APPLIED
    assert after.outstanding() == D("48500000")


def test_a_reversal_must_name_its_original() -> None:
    with pytest.raises(ValidationError) as err:
        payment(kind="REVERSAL")
    assert err.value.field == "originalReferenceNumber"
    with pytest.raises(ValidationError) as err:
        payment(kind="REFUND")
    assert err.value.field == "kind"
