"""A deterministic synthetic bank: every source table's rows for customers start..start+N-1.

Customer n's rows depend only on (seed, n, as_of): each customer draws from its own random
stream, so any chunk or any single customer can be regenerated alone, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from random import Random
from zoneinfo import ZoneInfo

from simulators import cards, keys, origination, people
from simulators.collateral import make_collateral
from simulators.loans import Loan, draw_product, make_loan
from simulators.people import Person
from simulators.places import City
from simulators.t24_xml import FieldValue, layout
from simulators.tables import (
    APPLICATION,
    ARRANGEMENT,
    BILL,
    CARD_CONTRACT,
    CLIENT_CONTACT,
    COLLATERAL,
    CUSTOMER,
    LOAN_COLLATERAL,
    REFERENCE,
    TABLES,
    Row,
    Table,
)

ORGANIZATION_SHARE = 0.05
CARD_SHARE = 0.30
REFERENCE_SHARE = 0.30
REJECTED_SHARE = 0.05
COLLATERAL_SHARE = 0.40  # of loans whose product can be secured
LOANS_PER_CUSTOMER = (0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3)  # mean 2.0
SEGMENTS = {
    "INDIVIDUAL": ("MASS", "MASS", "MASS", "AFFLUENT", "PRIORITY"),
    "ORGANIZATION": ("SME", "SME", "CORPORATE"),
}
DEFAULT_CHUNK = 1000

Rows = dict[Table, list[Row]]


def bank_today(timezone: str = "Asia/Ho_Chi_Minh") -> date:
    """Today at the bank: DPD and due dates are counted in the bank's local days."""
    return datetime.now(ZoneInfo(timezone)).date()


def empty_rows() -> Rows:
    return {t: [] for t in TABLES}


@dataclass
class Batch:
    """The rows of a run of consecutive customers, per table."""

    first: int
    customers: int
    rows: Rows = field(default_factory=empty_rows)

    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())


def customer_rng(seed: int, n: int) -> Random:
    # A string seed is hashed with SHA-512: stable across runs and Python versions.
    return Random(f"bank:{seed}:{n}")


def _customer_fields(rng: Random, n: int, who: Person, organization: bool) -> dict[str, FieldValue]:
    home = who.city
    # Only MOBILE1, HOME1 and OTHER: the W4 card system owns MOBILE2/3, WORK and HOME2 of the
    # same client, and one (cif, type) must come from one source.
    phones = [("MOBILE1", people.mobile(rng))]
    extra = rng.choice((0, 0, 1, 2))
    if extra >= 1:
        phones.append(("HOME1", people.landline(rng, home)))
    if extra >= 2:
        phones.append(("OTHER", people.mobile(rng)))
    addresses = [people.address(rng, "HOME", home)]
    if rng.random() < 0.35:
        addresses.append(people.address(rng, "WORK", people.city(rng)))
    fields: dict[str, FieldValue] = {
        "status": "INACTIVE" if rng.random() < 0.03 else "ACTIVE",
        "phone_number": [number for _kind, number in phones],
        "phone_type": [kind for kind, _number in phones],
        "address_type": [a.type for a in addresses],
        "address_line1": [a.line1 for a in addresses],
        "address_line2": [a.line2 for a in addresses],
        "address_district": [a.district for a in addresses],
        "address_city": [a.city for a in addresses],
        "address_country": [a.country for a in addresses],
        "email": [people.personal_email(rng, who)] if rng.random() < 0.6 else None,
    }
    if organization:
        name, brand = people.company(rng)
        tax_code = f"0{rng.choice((1, 3, 4, 2))}{n * 7919 % 10**8:08d}"
        fields |= {
            "name": name,
            "short_name": people.ascii_fold(name).upper()[:35],
            "customer_type": "ORGANIZATION",
            "company_name": brand,
            "registration_number": tax_code,
            "tax_id": tax_code,
            "segment": rng.choice(SEGMENTS["ORGANIZATION"]),
        }
    else:
        fields |= {
            "name": who.name,
            "short_name": who.short_name,
            "customer_type": "INDIVIDUAL",
            "date_of_birth": who.birth,
            "gender": who.gender,
            "national_id": who.national_id,
            "segment": rng.choice(SEGMENTS["INDIVIDUAL"]),
        }
    return fields


def add_loan(
    rows: Rows,
    rng: Random,
    n: int,
    slot: int,
    customer_type: str,
    where: City,
    as_of: date,
    *,
    new: bool = False,
) -> Loan:
    """Add one loan with its bills, maybe a collateral, and its LOS application.

    `new`: disbursed within the last month (an open, current loan), as the change simulator
    adds them; otherwise a loan of any age and state.
    """
    cif = keys.cif(n)
    product = draw_product(rng, customer_type)
    loan = make_loan(rng, keys.account(n, slot), cif, product, as_of, new=new)
    rows[ARRANGEMENT].append(
        (loan.account_number, layout(ARRANGEMENT.name).render(loan.account_number, loan.fields()))
    )
    bill_layout = layout(BILL.name)
    for bill in loan.bills:
        recid = keys.bill(loan.account_number, bill.due_date)
        rows[BILL].append((recid, bill_layout.render(recid, bill.fields(loan.account_number))))
    rows[APPLICATION].append(origination.disbursed_application(rng, n, slot, loan))
    if loan.product.collateral and rng.random() < COLLATERAL_SHARE:
        number = keys.collateral(n, slot)
        fields = make_collateral(rng, loan, rng.choice(loan.product.collateral), where)
        rows[COLLATERAL].append((number, layout(COLLATERAL.name).render(number, fields)))
        linked = origination.office_time(rng, loan.disbursed)
        rows[LOAN_COLLATERAL].append(
            origination.collateral_link(loan.account_number, number, cif, linked)
        )
    return loan


def customer_rows(n: int, seed: int, as_of: date, rows: Rows | None = None) -> Rows:
    """Every table's rows for customer n (appended to `rows` when given)."""
    rows = empty_rows() if rows is None else rows
    rng = customer_rng(seed, n)
    cif = keys.cif(n)
    organization = rng.random() < ORGANIZATION_SHARE
    # An organization's person is its legal representative: W4 contacts and e-mails use it.
    who = people.person(rng, as_of, n)
    fields = _customer_fields(rng, n, who, organization)
    home = who.city
    rows[CUSTOMER].append((cif, layout(CUSTOMER.name).render(cif, fields)))
    customer_type = "ORGANIZATION" if organization else "INDIVIDUAL"
    loans = [
        add_loan(rows, rng, n, slot, customer_type, home, as_of)
        for slot in range(rng.choice(LOANS_PER_CUSTOMER))
    ]
    if rng.random() < REJECTED_SHARE:
        product = draw_product(rng, customer_type)
        slot = keys.REJECTED_SLOTS.start
        rows[APPLICATION].append(
            origination.rejected_application(rng, n, slot, cif, product, as_of)
        )
    # AMND_DATE is Way4's naive local stamp: the nightly batch that last touched the row.
    amended = datetime.combine(as_of, time(2, 0))
    if rng.random() < CARD_SHARE:
        rows[CARD_CONTRACT].append(cards.make_card(rng, n, cif, as_of, amended))
        rows[CLIENT_CONTACT].extend(cards.make_contacts(rng, n, cif, who, home, amended))
    if rng.random() < REFERENCE_SHARE:
        application_id = keys.application(n, 0) if loans else None
        rows[REFERENCE].extend(origination.references(rng, n, cif, application_id, as_of))
    return rows


def generate(
    customers: int,
    seed: int,
    *,
    start: int = 0,
    as_of: date | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> Iterator[Batch]:
    """Yield the rows of customers start..start+customers-1, `chunk` customers per batch.

    Arguments are checked now, not at the first batch: a bad range fails before any work.
    """
    if customers < 0 or start < 0 or chunk < 1:
        raise ValueError("customers and start must be >= 0 and chunk >= 1")
    if start + customers > keys.CHURN_FIRST_INDEX:
        raise ValueError(
            f"customer indices must stay below {keys.CHURN_FIRST_INDEX:_} (the change "
            "simulator opens new customers from there)"
        )
    return _batches(customers, seed, start, as_of or bank_today(), chunk)


def _batches(customers: int, seed: int, start: int, as_of: date, chunk: int) -> Iterator[Batch]:
    for first in range(start, start + customers, chunk):
        batch = Batch(first, min(chunk, start + customers - first))
        for n in range(first, first + batch.customers):
            customer_rows(n, seed, as_of, batch.rows)
        yield batch
