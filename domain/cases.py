"""A customer's collection case, from the core's loans: open while a loan is past due.

One case per customer (DOMAIN.md) grouping their delinquent loans. It opens when a loan of
theirs falls past due, is updated as DPD moves between buckets, and closes when none is past
due any more (cured, paid off or closed) — that takes the customer out of every queue. A
customer who falls behind again reopens the same case.

Staff move the case through processing states and substates (INVESTIGATION/NEW first) and
note the customer's status (domain.case_transitions); a reopened case starts over at
INVESTIGATION/NEW, while the customer's status (deceased, bankrupt …) stays what staff said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.case_dictionary import FIRST_STATE, FIRST_SUBSTATE
from domain.case_states import CaseDecision

# DPD buckets for strategy (DOMAIN.md "Delinquency"): upper bounds, inclusive.
BUCKETS: tuple[tuple[int, str], ...] = (
    (0, "CURRENT"),
    (30, "1-30"),
    (60, "31-60"),
    (90, "61-90"),
    (180, "91-180"),
    (360, "181-360"),
)
OVER_360 = ">360"
# Priority grows with the bucket: later buckets are worked first by default.
_BUCKET_PRIORITY = {"CURRENT": 0, "1-30": 10, "31-60": 20, "61-90": 30, "91-180": 40}
_TOP_PRIORITY = 50
# A broken promise raises the case's priority by this much, for this long, at most 3 times.
BROKEN_PROMISE_RAISE = 5
BROKEN_PROMISE_MEMORY = timedelta(days=30)
_MAX_RAISES = 3


def bucket_of(dpd: int) -> str:
    for upper, name in BUCKETS:
        if dpd <= upper:
            return name
    return OVER_360


class CaseStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class CaseChange(StrEnum):
    OPENED = "CASE_OPENED"
    UPDATED = "CASE_UPDATED"
    CLOSED = "CASE_CLOSED"


@dataclass(frozen=True, slots=True)
class LoanView:
    """What a case needs of one loan, from the core's record on sync.loan."""

    account_number: str
    product: str
    currency: str
    outstanding: Decimal
    due_amount: Decimal
    dpd: int
    status: str

    @property
    def past_due(self) -> bool:
        return self.status == "OPEN" and self.dpd > 0


@dataclass(frozen=True, slots=True)
class Case:
    cif: str
    # The customer's past-due loans by account number.
    loans: Mapping[str, LoanView] = field(default_factory=dict)
    status: CaseStatus = CaseStatus.CLOSED
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = 0
    # When promises of this case broke (recent ones raise its priority).
    broken_promises: tuple[datetime, ...] = ()
    # Where the staff's processing stands, and what they know of the customer.
    processing_state: str = FIRST_STATE
    substate: str = FIRST_SUBSTATE
    customer_status: str | None = None
    # How many state changes were decided (the history's order), and the recent decisions
    # by case action id: a replayed command gets the decision it got the first time.
    changes_decided: int = 0
    decisions: Mapping[str, CaseDecision] = field(default_factory=dict)

    @property
    def past_due(self) -> tuple[LoanView, ...]:
        return tuple(self.loans.values())

    @property
    def max_dpd(self) -> int:
        return max((v.dpd for v in self.past_due), default=0)

    @property
    def bucket(self) -> str:
        return bucket_of(self.max_dpd)

    def priority_at(self, now: datetime) -> int:
        """The bucket's priority, raised for each promise broken in the last 30 days."""
        recent = sum(1 for at in self.broken_promises if now - at <= BROKEN_PROMISE_MEMORY)
        base = _BUCKET_PRIORITY.get(self.bucket, _TOP_PRIORITY)
        return base + BROKEN_PROMISE_RAISE * min(recent, _MAX_RAISES)

    def totals(self, what: str) -> dict[str, Decimal]:
        """Sum of `outstanding` or `due_amount` over past-due loans, per currency."""
        sums: dict[str, Decimal] = {}
        for v in self.past_due:
            sums[v.currency] = sums.get(v.currency, Decimal(0)) + getattr(v, what)
        return sums


def on_loan(
    case: Case | None, cif: str, account: str, loan: LoanView | None, now: datetime
) -> tuple[Case, CaseChange | None]:
    """The case after the core's news of one loan (None: the loan is gone)."""
    case = case or Case(cif)
    loans = dict(case.loans)
    # The case holds the past-due loans only; a loan back to current leaves it.
    if loan is None or not loan.past_due:
        loans.pop(account, None)
    else:
        loans[account] = loan
    if loans == case.loans:
        return case, None
    updated = replace(case, loans=loans, version=case.version + 1)
    delinquent = bool(updated.past_due)
    if delinquent and case.status is CaseStatus.CLOSED:
        reopened = replace(
            updated,
            status=CaseStatus.OPEN,
            opened_at=now,
            closed_at=None,
            processing_state=FIRST_STATE,
            substate=FIRST_SUBSTATE,
        )
        return reopened, CaseChange.OPENED
    if not delinquent and case.status is CaseStatus.OPEN:
        return replace(updated, status=CaseStatus.CLOSED, closed_at=now), CaseChange.CLOSED
    if delinquent and updated.bucket != case.bucket:
        return updated, CaseChange.UPDATED
    # Figures moved within the bucket: stored, not announced.
    return updated, None


def on_promise_broken(case: Case, now: datetime) -> tuple[Case, CaseChange | None]:
    """A promise broke: remember when; an open case's priority rises (CASE_UPDATED)."""
    kept = tuple(at for at in case.broken_promises if now - at <= BROKEN_PROMISE_MEMORY)
    updated = replace(case, broken_promises=(*kept, now), version=case.version + 1)
    return updated, CaseChange.UPDATED if case.status is CaseStatus.OPEN else None
