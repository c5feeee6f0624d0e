"""Synthetic LOS rows: loan applications, reference customers, loan-collateral links."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from random import Random

from simulators import keys, people
from simulators.loans import Loan, Product
from simulators.tables import Row

RELATIONSHIPS: tuple[str, ...] = (
    "GUARANTOR",
    "CO_BORROWER",
    "SPOUSE",
    "PARENT",
    "SIBLING",
    "COLLEAGUE",
)
# The bank's working day, in UTC (08:00-17:00 in Vietnam is 01:00-10:00 UTC).
_WORK_START_UTC = time(1, 0)


def office_time(rng: Random, day: date) -> datetime:
    """A moment of the bank's working hours on `day`, timezone-aware UTC."""
    start = datetime.combine(day, _WORK_START_UTC, tzinfo=UTC)
    return start + timedelta(seconds=rng.randrange(9 * 3600))


def disbursed_application(rng: Random, n: int, slot: int, loan: Loan) -> Row:
    """The application a loan was disbursed from, decided a few days before disbursement."""
    decided = loan.disbursed - timedelta(days=rng.randint(1, 5))
    submitted = decided - timedelta(days=rng.randint(1, 20))
    requested = loan.original * Decimal(rng.choice((100, 100, 100, 110, 125))) / 100
    return (
        keys.application(n, slot),
        loan.cif,
        loan.product.code,
        requested.quantize(Decimal("0.01")),
        "DISBURSED",
        loan.account_number,
        office_time(rng, submitted),
        office_time(rng, decided),
    )


def rejected_application(
    rng: Random, n: int, slot: int, cif: str, product: Product, as_of: date
) -> Row:
    decided = as_of - timedelta(days=rng.randint(1, 3 * 365))
    submitted = decided - timedelta(days=rng.randint(1, 20))
    requested = Decimal(rng.randint(product.min_vnd // 10**6, product.max_vnd // 10**6)) * 10**6
    return (
        keys.application(n, slot),
        cif,
        product.code,
        requested.quantize(Decimal("0.01")),
        "REJECTED",
        None,
        office_time(rng, submitted),
        office_time(rng, decided),
    )


def references(rng: Random, n: int, cif: str, application_id: str | None, as_of: date) -> list[Row]:
    """1-2 people standing behind a borrower, each with its own relationship."""
    rows: list[Row] = []
    for k, relationship in enumerate(rng.sample(RELATIONSHIPS, rng.choice((1, 1, 2)))):
        who = people.person(rng, as_of, keys.small_id(n, k) + 7)
        email = people.personal_email(rng, who) if rng.random() < 0.5 else None
        rows.append(
            (
                keys.small_id(n, k),
                application_id,
                cif,
                keys.ref_cif(n, k),
                relationship,
                who.name,
                who.national_id,
                people.mobile(rng),
                email,
                people.address(rng, "HOME", who.city).one_line(),
                office_time(rng, as_of - timedelta(days=rng.randint(0, 365))),
            )
        )
    return rows


def collateral_link(account_number: str, collateral_number: str, cif: str, at: datetime) -> Row:
    return (account_number, collateral_number, cif, at)
