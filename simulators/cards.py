"""Synthetic Way4 card contracts and the extra contacts card holders leave with W4."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random

from simulators import keys, people
from simulators.loans import add_months, draw_dpd, money
from simulators.people import Person
from simulators.places import City
from simulators.tables import Row

# Product, credit limit bounds (VND millions).
CARD_PRODUCTS: tuple[tuple[str, int, int], ...] = (
    ("VISA_CLASSIC", 10, 50),
    ("VISA_GOLD", 50, 150),
    ("VISA_PLATINUM", 150, 500),
    ("MC_STANDARD", 10, 60),
    ("MC_WORLD", 200, 800),
    ("JCB_GOLD", 50, 200),
)
# Never MOBILE1: that is the T24 customer's own phone, and one (cif, type) has one source.
CONTACT_TYPES: tuple[str, ...] = ("MOBILE2", "MOBILE3", "WORK", "HOME2", "EMAIL")
BLOCK_AFTER_DPD = 90
MIN_PAY_FLOOR = Decimal(50_000)  # below this the minimum payment is the whole amount due


def _statement_due(as_of: date, day: int) -> date:
    due = as_of.replace(day=day)
    return due if due > as_of else add_months(due, 1)


def card_balances(rng: Random, limit: Decimal, dpd: int) -> tuple[Decimal, Decimal, Decimal]:
    """Outstanding, total due and minimum payment: min <= due <= outstanding <= limit."""
    if dpd:
        outstanding = money(limit * Decimal(rng.randint(60, 100)) / 100, "VND")
    elif rng.random() < 0.2:
        return Decimal(0), Decimal(0), Decimal(0)  # an unused card
    else:
        outstanding = money(limit * Decimal(rng.randint(1, 90)) / 100, "VND")
    total_due = money(outstanding * Decimal(rng.randint(60, 100)) / 100, "VND")
    # Each missed cycle adds that cycle's 5% minimum to what must be paid now.
    missed = 1 + dpd // 30
    min_pay = min(total_due, max(money(total_due * 5 * missed / 100, "VND"), MIN_PAY_FLOOR))
    return outstanding, total_due, min_pay


def make_card(rng: Random, n: int, cif: str, as_of: date, amended: datetime) -> Row:
    """One CARD_CONTRACT row, in the table's column order."""
    product, lo, hi = rng.choice(CARD_PRODUCTS)
    limit = Decimal(rng.randint(lo // 5, hi // 5) * 5_000_000)
    opened = as_of - timedelta(days=rng.randint(60, 8 * 365))
    if rng.random() < 0.05:
        closed = opened + timedelta(days=rng.randint(30, (as_of - opened).days))
        return (
            keys.contract(n), cif, product, "VND", limit, Decimal(0), Decimal(0), Decimal(0),
            None, 0, "CLOSED", opened, closed, amended,
        )  # fmt: skip
    dpd = draw_dpd(rng)
    outstanding, total_due, min_pay = card_balances(rng, limit, dpd)
    due_date = (
        as_of - timedelta(days=dpd) if dpd else _statement_due(as_of, rng.choice((5, 15, 25)))
    )
    status = "BLOCKED" if dpd > BLOCK_AFTER_DPD or rng.random() < 0.01 else "ACTIVE"
    return (
        keys.contract(n), cif, product, "VND", limit, outstanding, total_due, min_pay, due_date,
        dpd, status, opened, None, amended,
    )  # fmt: skip


def contact_value(rng: Random, kind: str, who: Person, where: City) -> str:
    if kind == "EMAIL":
        return people.work_email(rng, who)
    if kind in ("WORK", "HOME2"):
        return people.landline(rng, where)
    return people.mobile(rng)


def make_contacts(
    rng: Random, n: int, cif: str, who: Person, where: City, amended: datetime
) -> list[Row]:
    """0-2 CLIENT_CONTACT rows, never two of one type for the client."""
    kinds = rng.sample(CONTACT_TYPES, rng.choice((0, 1, 1, 2)))
    return [
        (
            keys.small_id(n, k),
            cif,
            kind,
            contact_value(rng, kind, who, where),
            "Y" if rng.random() < 0.4 else "N",
            amended,
        )
        for k, kind in enumerate(kinds)
    ]
