"""The case as the customer-cases table stores it: round trips, and JSON from before states."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from domain.case_transitions import decide_change
from domain.cases import Case, CaseChange, CaseStatus, LoanView, on_loan
from tables.workflow import case_from_json, case_to_json
from tests.unit.case_samples import NOW, change, seeded

LOAN = LoanView("L1", "PL", "VND", Decimal("1000"), Decimal("100"), 12, "OPEN")


def test_a_case_with_states_and_decisions_round_trips() -> None:
    case, _ = on_loan(None, "C1", "L1", LOAN, NOW)
    d = seeded()
    _, case_after, _ = decide_change(
        case, change("CONTACT", "FIRST_CONTACT", "COOPERATIVE"), d, NOW
    )
    assert case_after is not None
    _, refused, _ = decide_change(case_after, change("LEGAL", "JUDGMENT"), d, NOW)
    assert refused is not None and len(refused.decisions) == 2
    assert case_from_json(case_to_json(refused)) == refused


def test_json_stored_before_processing_states_loads_as_a_new_case() -> None:
    old: dict[str, Any] = {
        "cif": "C1",
        "loans": {"L1": ["PL", "VND", "1000", "100", 12, "OPEN"]},
        "status": "OPEN",
        "openedAt": NOW.isoformat(),
        "closedAt": None,
        "version": 4,
        "brokenPromises": [],
    }
    case = case_from_json(old)
    assert case is not None
    assert (case.processing_state, case.substate, case.customer_status) == (
        "INVESTIGATION",
        "NEW",
        None,
    )
    assert (case.changes_decided, case.decisions, case.version) == (0, {}, 4)
    assert case.loans == {"L1": LOAN}


def test_a_reopened_case_starts_over_but_keeps_the_customer_status() -> None:
    case = Case(
        "C1",
        status=CaseStatus.CLOSED,
        processing_state="LEGAL",
        substate="JUDGMENT",
        customer_status="BANKRUPT",
    )
    reopened, change_ = on_loan(case, "C1", "L1", LOAN, NOW)
    assert change_ is CaseChange.OPENED
    assert (reopened.processing_state, reopened.substate, reopened.customer_status) == (
        "INVESTIGATION",
        "NEW",
        "BANKRUPT",
    )
    # Loans moving within an open case leave the processing state alone.
    moved = replace(reopened, processing_state="CONTACT", substate="FOLLOW_UP")
    after, _ = on_loan(moved, "C1", "L1", replace(LOAN, dpd=40), NOW)
    assert (after.processing_state, after.substate) == ("CONTACT", "FOLLOW_UP")
