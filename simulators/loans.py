"""Synthetic loans with a repayment schedule, DPD and the overdue bills that explain it.

A loan's invariants hold by construction: 0 <= due_amount <= outstanding <= original_amount,
due_amount is the sum of its bills, and a loan has bills exactly when its DPD is above 0 (the
oldest bill falls due DPD days before the as-of date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from random import Random

from simulators.t24_xml import FieldValue

VND_PER_USD = 25_000
USD_SHARE = 0.03
CLOSED_SHARE = 0.05
# Share of loans per DPD bucket (percent) and the bucket's bounds: most loans are current.
DPD_BUCKETS: tuple[tuple[float, int, int], ...] = (
    (75.0, 0, 0),
    (10.0, 1, 30),
    (5.0, 31, 60),
    (3.5, 61, 90),
    (3.0, 91, 180),
    (2.0, 181, 360),
    (1.5, 361, 900),
)
_DPD_CUM = list(accumulate(w for w, _, _ in DPD_BUCKETS))
_STEP = {"MONTHLY": 1, "QUARTERLY": 3}


@dataclass(frozen=True)
class Product:
    code: str
    min_vnd: int
    max_vnd: int
    terms: tuple[int, ...]  # months
    rate_quarters: tuple[int, int]  # yearly rate bounds, in quarter percent points
    collateral: tuple[str, ...]  # collateral types that can secure it; () for unsecured


PRODUCTS: dict[str, Product] = {
    p.code: p
    for p in (
        Product("PERSONAL_LOAN", 20_000_000, 500_000_000, (12, 24, 36, 48, 60), (40, 72), ()),
        Product("CONSUMER_LOAN", 5_000_000, 80_000_000, (6, 12, 18, 24, 36), (72, 120), ()),
        Product(
            "MORTGAGE", 500_000_000, 5_000_000_000, (120, 180, 240, 300), (28, 44), ("PROPERTY",)
        ),
        Product(
            "AUTO_LOAN", 300_000_000, 1_500_000_000, (36, 48, 60, 72, 84), (30, 44), ("VEHICLE",)
        ),
        Product(
            "BUSINESS_LOAN",
            500_000_000,
            20_000_000_000,
            (12, 24, 36, 60),
            (28, 48),
            ("PROPERTY", "MACHINERY"),
        ),
    )
}
# Which products a customer type borrows, and how often (percent).
PRODUCT_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "INDIVIDUAL": (
        ("PERSONAL_LOAN", 35),
        ("CONSUMER_LOAN", 25),
        ("MORTGAGE", 20),
        ("AUTO_LOAN", 15),
        ("BUSINESS_LOAN", 5),
    ),
    "ORGANIZATION": (("BUSINESS_LOAN", 80), ("AUTO_LOAN", 20)),
}


def draw_dpd(rng: Random) -> int:
    _w, lo, hi = rng.choices(DPD_BUCKETS, cum_weights=_DPD_CUM)[0]
    return rng.randint(lo, hi)


def draw_product(rng: Random, customer_type: str) -> Product:
    mix = PRODUCT_MIX[customer_type]
    return PRODUCTS[rng.choices([c for c, _ in mix], weights=[w for _, w in mix])[0]]


def add_months(d: date, months: int) -> date:
    """Same day `months` later (or earlier), clamped to the month's last day."""
    total = d.year * 12 + d.month - 1 + months
    year, month = divmod(total, 12)
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def money(amount: Decimal, currency: str) -> Decimal:
    """Round VND to whole thousands (bills are never in single dong) and USD to cents."""
    if currency == "VND":
        return (amount / 1000).quantize(Decimal(1), ROUND_HALF_UP) * 1000
    return amount.quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Bill:
    due_date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty

    def fields(self, account_number: str) -> dict[str, FieldValue]:
        return {
            "account_number": account_number,
            "due_date": self.due_date,
            "principal": self.principal,
            "interest": self.interest,
            "fees": self.fees,
            "penalty": self.penalty,
        }


@dataclass(frozen=True)
class Loan:
    account_number: str
    cif: str
    product: Product
    currency: str
    original: Decimal
    disbursed: date
    maturity: date
    rate: Decimal
    term: int
    frequency: str
    outstanding: Decimal
    due: Decimal
    next_payment: date | None
    dpd: int
    status: str
    close_date: date | None
    bills: tuple[Bill, ...]

    def fields(self) -> dict[str, FieldValue]:
        """The arrangement's canonical fields, as the field map names them."""
        return {
            "cif": self.cif,
            "product_type": self.product.code,
            "currency": self.currency,
            "original_amount": self.original,
            "disbursement_date": self.disbursed,
            "maturity_date": self.maturity,
            "interest_rate": self.rate,
            "term": self.term,
            "payment_frequency": self.frequency,
            "outstanding": self.outstanding,
            "due_amount": self.due,
            "next_payment_date": self.next_payment,
            "dpd": self.dpd,
            "status": self.status,
            "close_date": self.close_date,
        }


def late_fee(currency: str) -> Decimal:
    return Decimal(100_000) if currency == "VND" else Decimal("5.00")


def overdue_bill(
    due_date: date,
    principal: Decimal,
    balance: Decimal,
    rate: Decimal,
    step: int,
    currency: str,
    as_of: date,
) -> Bill:
    """An unpaid instalment: interest on the balance, a late fee, penalty interest at 150%."""
    late = (as_of - due_date).days
    interest = money(balance * rate / 100 * step / 12, currency)
    fees = late_fee(currency) if late > 10 else money(Decimal(0), currency)
    penalty = money(principal * rate * Decimal("1.5") / 100 * late / 365, currency)
    return Bill(due_date, principal, interest, fees, penalty)


def make_loan(
    rng: Random,
    account_number: str,
    cif: str,
    product: Product,
    as_of: date,
    *,
    new: bool = False,
) -> Loan:
    """Draw one loan; `new`: just disbursed, so open, current and nothing repaid yet."""
    currency = "USD" if rng.random() < USD_SHARE else "VND"
    vnd = product.min_vnd * (product.max_vnd / product.min_vnd) ** rng.random()
    if currency == "VND":
        original = Decimal(max(1, round(vnd / 1_000_000)) * 1_000_000)
    else:
        original = Decimal(max(1, round(vnd / VND_PER_USD / 100)) * 100).quantize(Decimal("0.01"))
    frequency = "QUARTERLY" if product.code == "BUSINESS_LOAN" and rng.random() < 0.2 else "MONTHLY"
    step = _STEP[frequency]
    term = rng.choice(product.terms)
    rate = Decimal(rng.randint(*product.rate_quarters)) / 4
    if not new and rng.random() < CLOSED_SHARE:
        disbursed = add_months(as_of.replace(day=rng.randint(1, 28)), -rng.randint(6, term + 24))
        closed_on = disbursed + timedelta(days=rng.randint(90, max(90, (as_of - disbursed).days)))
        zero = money(Decimal(0), currency)
        return Loan(
            account_number, cif, product, currency, original, disbursed,
            add_months(disbursed, term), rate, term, frequency, zero, zero, None, 0, "CLOSED",
            min(closed_on, as_of), (),
        )  # fmt: skip
    dpd = 0 if new else draw_dpd(rng)
    unpaid: list[date] = []
    if dpd:
        # Instalments fall due on days 1..28 so every month has the same schedule day.
        first_unpaid = as_of - timedelta(days=dpd)
        first_unpaid = first_unpaid.replace(day=min(first_unpaid.day, 28))
        dpd = (as_of - first_unpaid).days
        next_due = first_unpaid
        while next_due <= as_of:
            unpaid.append(next_due)
            next_due = add_months(next_due, step)
    else:
        next_due = as_of.replace(day=rng.randint(1, 28))
        if next_due <= as_of:
            next_due = add_months(next_due, 1)
    # A long-overdue loan has at least one instalment left after its unpaid ones.
    instalments = max(term // step, len(unpaid) + 1)
    term = instalments * step
    paid = 0 if new else rng.randint(0, instalments - len(unpaid) - 1)
    disbursed = add_months(next_due, -(paid + len(unpaid) + 1) * step)
    per = money(original / instalments, currency)
    balance = original - per * paid
    bills = tuple(overdue_bill(d, per, balance, rate, step, currency, as_of) for d in unpaid)
    due = sum((b.total for b in bills), Decimal(0))
    outstanding = balance + sum((b.total - b.principal for b in bills), Decimal(0))
    # Penalties of a long-overdue young loan can exceed what was repaid: the loan was larger.
    original = max(original, outstanding)
    return Loan(
        account_number, cif, product, currency, original, disbursed, add_months(disbursed, term),
        rate, term, frequency, outstanding, due, next_due, dpd, "OPEN", None, bills,
    )  # fmt: skip
