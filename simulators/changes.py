"""What happens to one loan or card between two looks at the source: pure rules, no I/O.

Every rule keeps the invariants the generator builds: 0 <= due <= outstanding <= original,
a loan's due amount is the sum of its bills, it has bills exactly when its DPD is above 0,
and DPD is the age of its oldest bill. For cards: min pay <= total due <= outstanding <=
limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from domain.errors import ValidationError
from domain.t24 import t24_amount, t24_date
from simulators.cards import BLOCK_AFTER_DPD, MIN_PAY_FLOOR
from simulators.loans import Bill, add_months, money, overdue_bill
from simulators.t24_xml import Scalar

_STEP = {"QUARTERLY": 3, "SEMI_ANNUAL": 6, "ANNUAL": 12}
MAX_DPD = 1800


@dataclass(frozen=True)
class LoanState:
    status: str
    currency: str
    original: Decimal
    outstanding: Decimal
    due: Decimal
    dpd: int
    rate: Decimal
    instalment: Decimal  # principal repaid per instalment
    step: int  # months between instalments
    next_payment: date | None
    disbursed: date | None
    bills: tuple[Bill, ...]  # oldest first


def _need(fields: Mapping[str, str], name: str) -> str:
    """A field the rules cannot do without; a record lacking it is not one of ours."""
    value = fields.get(name)
    if not value:
        raise ValidationError(f"{name} is required", field=name, code="MISSING_FIELD")
    return value


def read_bill(fields: Mapping[str, str]) -> Bill:
    def amount(name: str) -> Decimal:
        return t24_amount(fields.get(name) or "0", name)

    return Bill(
        t24_date(_need(fields, "due_date"), "due_date"),
        amount("principal"),
        amount("interest"),
        amount("fees"),
        amount("penalty"),
    )


def loan_state(fields: Mapping[str, str], bills: Iterable[Bill]) -> LoanState:
    """Read an arrangement's raw T24 fields (and its bills) into numbers and dates."""

    def day(name: str) -> date | None:
        return t24_date(fields[name], name) if fields.get(name) else None

    currency = _need(fields, "currency")
    original = t24_amount(_need(fields, "original_amount"), "original_amount")
    step = _STEP.get(fields.get("payment_frequency", ""), 1)
    instalments = max(1, int(fields.get("term") or 12) // step)
    return LoanState(
        status=_need(fields, "status"),
        currency=currency,
        original=original,
        outstanding=t24_amount(_need(fields, "outstanding"), "outstanding"),
        due=t24_amount(_need(fields, "due_amount"), "due_amount"),
        dpd=int(_need(fields, "dpd")),
        rate=t24_amount(fields.get("interest_rate") or "0", "interest_rate"),
        instalment=money(original / instalments, currency),
        step=step,
        next_payment=day("next_payment_date"),
        disbursed=day("disbursement_date"),
        bills=tuple(sorted(bills, key=lambda b: b.due_date)),
    )


@dataclass(frozen=True)
class LoanChange:
    kind: str
    fields: dict[str, Scalar | None]  # arrangement fields to rewrite (None removes one)
    add: tuple[Bill, ...] = ()
    remove: tuple[date, ...] = ()  # due dates of the bills to delete


def fit_bill(bill: Bill, room: Decimal) -> Bill | None:
    """Shrink a bill to what the balance still allows: principal first, then charges."""
    if room <= 0:
        return None
    parts = []
    for amount in (bill.principal, bill.interest, bill.fees, bill.penalty):
        part = min(amount, room)
        parts.append(part)
        room -= part
    return Bill(bill.due_date, *parts)


def _balances(outstanding: Decimal, due: Decimal, dpd: int) -> dict[str, Scalar | None]:
    return {"outstanding": max(outstanding, Decimal(0)), "due_amount": due, "dpd": dpd}


def close_loan(state: LoanState, today: date) -> LoanChange:
    """Paid off or written off: nothing owed any more, every bill settled."""
    zero = money(Decimal(0), state.currency)
    fields: dict[str, Scalar | None] = {
        "status": "CLOSED",
        "close_date": today,
        "next_payment_date": None,
    }
    fields |= _balances(zero, zero, 0)
    return LoanChange("closed", fields, remove=tuple(b.due_date for b in state.bills))


def _pay_instalment(state: LoanState, today: date) -> LoanChange:
    outstanding = state.outstanding - state.instalment
    if outstanding <= 0:
        return close_loan(state, today)
    following = add_months(state.next_payment or today, state.step)
    fields = _balances(outstanding, state.due, 0) | {"next_payment_date": following}
    return LoanChange("paid", fields)


def _new_bill(state: LoanState, due_date: date, today: date) -> Bill | None:
    bill = overdue_bill(
        due_date, state.instalment, state.outstanding, state.rate, state.step, state.currency, today
    )
    return fit_bill(bill, state.outstanding - state.due)


def _miss(rng: Random, state: LoanState, today: date) -> LoanChange:
    bill = _new_bill(state, today - timedelta(days=rng.randint(1, 30)), today)
    if bill is None:
        return _pay_instalment(state, today)
    dpd = (today - bill.due_date).days
    return LoanChange("missed", _balances(state.outstanding, state.due + bill.total, dpd), (bill,))


def _roll(rng: Random, state: LoanState, today: date) -> LoanChange:
    # A simulator cannot make time pass for one loan, so a roll back-dates the newly missed
    # instalment: the loan is one instalment further behind and DPD is still the age of its
    # oldest bill.
    oldest = state.bills[0].due_date
    earlier = add_months(oldest, -state.step)
    bill = _new_bill(state, earlier, today)
    before_loan = state.disbursed is not None and earlier <= state.disbursed
    if bill is None or before_loan or (today - earlier).days > MAX_DPD:
        return _pay_oldest(state, today)
    dpd = (today - earlier).days
    fields = _balances(state.outstanding, state.due + bill.total, dpd)
    return LoanChange("rolled", fields, (bill,))


def _pay_oldest(state: LoanState, today: date) -> LoanChange:
    paid, rest = state.bills[0], state.bills[1:]
    dpd = (today - rest[0].due_date).days if rest else 0
    due = state.due - paid.total if rest else money(Decimal(0), state.currency)
    fields = _balances(state.outstanding - paid.total, due, dpd)
    return LoanChange("partial" if rest else "cured", fields, remove=(paid.due_date,))


def _cure(state: LoanState, today: date) -> LoanChange:
    zero = money(Decimal(0), state.currency)
    fields = _balances(state.outstanding - state.due, zero, 0)
    return LoanChange("cured", fields, remove=tuple(b.due_date for b in state.bills))


def next_loan(rng: Random, state: LoanState, today: date) -> LoanChange:
    """One repayment event of an open loan: pay, miss, cure, pay part or fall further behind."""
    if not state.bills:
        return _miss(rng, state, today) if rng.random() < 0.2 else _pay_instalment(state, today)
    roll = rng.random()
    if roll < 0.35:
        return _cure(state, today)
    if roll < 0.5:
        return _pay_oldest(state, today)
    return _roll(rng, state, today)


@dataclass(frozen=True)
class CardState:
    limit: Decimal
    outstanding: Decimal
    total_due: Decimal
    min_pay: Decimal
    due_date: date | None
    dpd: int
    status: str


def _statement_due(today: date) -> date:
    return add_months(today.replace(day=min(today.day, 28)), 1)


def _spend(rng: Random, card: CardState) -> CardState:
    spent = money(card.limit * Decimal(rng.randint(1, 10)) / 100, "VND")
    return replace(card, outstanding=min(card.limit, card.outstanding + spent))


def _statement(card: CardState, today: date) -> CardState:
    five = money(card.outstanding * 5 / 100, "VND")
    minimum = min(card.outstanding, max(five, MIN_PAY_FLOOR, card.min_pay))
    # A delinquent card keeps the due date its DPD counts from.
    due_date = card.due_date if card.dpd else _statement_due(today)
    return replace(card, total_due=card.outstanding, min_pay=minimum, due_date=due_date)


def _pay(rng: Random, card: CardState) -> CardState:
    amount = money(card.total_due * Decimal(rng.randint(10, 100)) / 100, "VND")
    amount = max(amount, card.min_pay)
    min_pay = max(card.min_pay - amount, Decimal(0))
    cured = min_pay == 0
    return replace(
        card,
        outstanding=max(card.outstanding - amount, Decimal(0)),
        total_due=max(card.total_due - amount, Decimal(0)),
        min_pay=min_pay,
        dpd=0 if cured else card.dpd,
        status="ACTIVE" if cured and card.status == "BLOCKED" else card.status,
    )


def _miss_card(rng: Random, card: CardState, today: date) -> CardState:
    dpd = rng.randint(1, 30) if card.dpd == 0 else min(card.dpd + 30, MAX_DPD)
    extra = money(card.total_due * 5 / 100, "VND")
    return replace(
        card,
        dpd=dpd,
        due_date=today - timedelta(days=dpd),
        min_pay=min(card.total_due, card.min_pay + extra),
        status="BLOCKED" if dpd > BLOCK_AFTER_DPD else card.status,
    )


def next_card(rng: Random, card: CardState, today: date) -> tuple[str, CardState]:
    """One card event: spend, a new statement, a payment or a missed payment."""
    roll = rng.random()
    can_spend = card.status == "ACTIVE" and card.outstanding < card.limit
    if can_spend and (roll < 0.3 or card.outstanding <= 0):
        return "spent", _spend(rng, card)
    if roll < 0.45 or card.total_due <= 0:
        return "statement", _statement(card, today)
    if roll < 0.75:
        return "paid", _pay(rng, card)
    return "missed", _miss_card(rng, card, today)
