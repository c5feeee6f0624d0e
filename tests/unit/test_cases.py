"""A customer's case opens with a past-due loan, follows buckets, and closes when cured."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.cases import CaseChange, CaseStatus, LoanView, bucket_of, on_loan

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def loan(account: str, dpd: int, status: str = "OPEN", outstanding: str = "1000") -> LoanView:
    return LoanView(account, "PL", "VND", Decimal(outstanding), Decimal("100"), dpd, status)


@pytest.mark.parametrize(
    ("dpd", "bucket"),
    [(0, "CURRENT"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (90, "61-90"), (361, ">360")],
)
def test_buckets_follow_the_domain(dpd: int, bucket: str) -> None:
    assert bucket_of(dpd) == bucket


def test_a_past_due_loan_opens_the_case_and_a_bucket_change_updates_it() -> None:
    case, change = on_loan(None, "C1", "L1", loan("L1", 5), NOW)
    assert (case.status, change, case.bucket) == (CaseStatus.OPEN, CaseChange.OPENED, "1-30")
    case, change = on_loan(case, "C1", "L1", loan("L1", 6), NOW)
    assert change is None and case.max_dpd == 6
    case, change = on_loan(case, "C1", "L1", loan("L1", 31), NOW)
    assert change is CaseChange.UPDATED and case.priority_at(NOW) > 10


def test_the_case_closes_when_no_loan_is_past_due_and_reopens_later() -> None:
    case, _ = on_loan(None, "C1", "L1", loan("L1", 5), NOW)
    case, _ = on_loan(case, "C1", "L2", loan("L2", 40), NOW)
    case, change = on_loan(case, "C1", "L2", loan("L2", 0), NOW)
    assert change is CaseChange.UPDATED and case.status is CaseStatus.OPEN
    case, change = on_loan(case, "C1", "L1", loan("L1", 5, status="CLOSED"), NOW)
    assert (case.status, change, case.loans) == (CaseStatus.CLOSED, CaseChange.CLOSED, {})
    case, change = on_loan(case, "C1", "L1", loan("L1", 3), NOW)
    assert change is CaseChange.OPENED


def test_a_deleted_loan_leaves_the_case_and_current_loans_never_enter() -> None:
    case, change = on_loan(None, "C1", "L1", loan("L1", 0), NOW)
    assert change is None and case.loans == {}
    case, _ = on_loan(case, "C1", "L2", loan("L2", 9), NOW)
    case, change = on_loan(case, "C1", "L2", None, NOW)
    assert change is CaseChange.CLOSED


def test_totals_are_per_currency() -> None:
    case, _ = on_loan(None, "C1", "L1", loan("L1", 5, outstanding="10"), NOW)
    usd = LoanView("L2", "CARD", "USD", Decimal("7"), Decimal("1"), 3, "OPEN")
    case, _ = on_loan(case, "C1", "L2", usd, NOW)
    assert case.totals("outstanding") == {"VND": Decimal("10"), "USD": Decimal("7")}


def test_a_broken_promise_raises_the_open_case_for_thirty_days() -> None:
    from datetime import timedelta

    from domain.cases import on_promise_broken

    case, _ = on_loan(None, "C1", "L1", loan("L1", 5), NOW)
    base = case.priority_at(NOW)
    raised, change = on_promise_broken(case, NOW)
    assert change is CaseChange.UPDATED and raised.priority_at(NOW) == base + 5
    twice, _ = on_promise_broken(raised, NOW)
    assert twice.priority_at(NOW) == base + 10
    assert twice.priority_at(NOW + timedelta(days=31)) == base
    closed, _ = on_loan(case, "C1", "L1", loan("L1", 0), NOW)
    assert on_promise_broken(closed, NOW)[1] is None


def test_a_case_survives_its_table_json() -> None:
    from domain.cases import on_promise_broken
    from tables.workflow import case_from_json, case_to_json

    case, _ = on_loan(None, "C1", "L1", loan("L1", 5), NOW)
    case, _ = on_promise_broken(case, NOW)
    assert case_from_json(case_to_json(case)) == case
