"""Point reads of the synchronized entities: one customer or loan and what hangs off it.

Rows deleted in the source (is_deleted) are kept for history and never returned here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

E = "sync_entities"
# A point read that takes longer than this is a sick database: answer 503, free the pool.
READ_TIMEOUT_SECONDS = 5.0

CUSTOMER_COLUMNS = (
    "cif, customer_type, name, short_name, status, date_of_birth, gender, national_id,"
    " segment, company_name, registration_number, tax_id, source_system, last_synced_at"
)
LOAN_COLUMNS = (
    "account_number, cif, product_type, currency, original_amount, outstanding, due_amount,"
    " remaining_amount, dpd, status, disbursement_date, maturity_date, interest_rate, term,"
    ' payment_frequency, "limit", min_pay, next_payment_date, delinquency_status, close_date,'
    " resolution_code, resolution_notes, source_system, last_synced_at"
)
COLLATERAL_FIELDS = (
    "collateral_number cif type value description valuation_date make model year vin"
    " license_plate property_type address size title_number source_system last_synced_at"
).split()


def _columns(fields: Sequence[str], alias: str) -> str:
    return ", ".join(f"{alias}.{name}" for name in fields)


@dataclass(frozen=True)
class CustomerRead:
    customer: Mapping[str, Any]
    # Contacts are mappings of column name to JSON value (a date as its ISO text).
    phones: Sequence[Mapping[str, Any]]
    addresses: Sequence[Mapping[str, Any]]
    emails: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class LoanRead:
    loan: asyncpg.Record
    due_segments: Sequence[asyncpg.Record]
    collaterals: Sequence[asyncpg.Record]


def connection(pool: asyncpg.Pool) -> Any:
    """Borrow a pooled connection for one request."""
    # The sinks share the pool: wait at most this long (then 503), never forever.
    return pool.acquire(timeout=READ_TIMEOUT_SECONDS)


async def _rows(conn: asyncpg.Connection, sql: str, *args: object) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(sql, *args, timeout=READ_TIMEOUT_SECONDS)
    return rows


# A customer's contacts: (column, table, alias, fields, order), read with the customer.
_CONTACTS = (
    (
        "phones",
        "phone",
        "p",
        ("type", "number", "is_primary", "is_verified", "verification_date"),
        "type",
    ),
    (
        "addresses",
        "address",
        "a",
        (
            "type",
            "line1",
            "line2",
            "district",
            "city",
            "state",
            "country",
            "is_primary",
            "is_verified",
        ),
        "type",
    ),
    ("emails", "email", "m", ("address", "is_primary", "is_verified"), "address"),
)


def _contacts_sql(column: str, table: str, alias: str, fields: Sequence[str], order: str) -> str:
    """A jsonb array of one kind of contact, primary first: a column of the customer's row."""
    pairs = ", ".join(f"'{name}', {alias}.{name}" for name in fields)
    return (
        f"(SELECT coalesce(jsonb_agg(jsonb_build_object({pairs})"
        f" ORDER BY {alias}.is_primary DESC, {alias}.{order}), '[]'::jsonb)"
        f" FROM {E}.{table} {alias} WHERE {alias}.cif = c.cif AND NOT {alias}.is_deleted)"
        f" AS {column}"
    )


# One round trip: the page that reads a customer is the most frequent read there is.
_CUSTOMER_SQL = (
    f"SELECT {_columns([n.strip() for n in CUSTOMER_COLUMNS.split(',')], 'c')}, "
    + ", ".join(_contacts_sql(*contact) for contact in _CONTACTS)
    + f" FROM {E}.customer c WHERE c.cif = $1 AND NOT c.is_deleted"
)


async def customer(conn: asyncpg.Connection, cif: str) -> CustomerRead | None:
    """The customer with its phones, addresses and emails; None if unknown or deleted."""
    row = await conn.fetchrow(_CUSTOMER_SQL, cif, timeout=READ_TIMEOUT_SECONDS)
    if row is None:
        return None
    return CustomerRead(row, row["phones"], row["addresses"], row["emails"])


async def customer_exists(conn: asyncpg.Connection, cif: str) -> bool:
    found = await conn.fetchval(
        f"SELECT EXISTS (SELECT 1 FROM {E}.customer WHERE cif = $1 AND NOT is_deleted)",
        cif,
        timeout=READ_TIMEOUT_SECONDS,
    )
    return bool(found)


async def loans_of(conn: asyncpg.Connection, cif: str) -> list[asyncpg.Record]:
    """A customer's loans, open ones first, most overdue first."""
    return await _rows(
        conn,
        f"SELECT {LOAN_COLUMNS} FROM {E}.loan WHERE cif = $1 AND NOT is_deleted"
        " ORDER BY status = 'OPEN' DESC, dpd DESC, account_number",
        cif,
    )


async def collaterals_of(conn: asyncpg.Connection, cif: str) -> list[asyncpg.Record]:
    """A customer's collaterals, each with the accounts of the loans it secures."""
    return await _rows(
        conn,
        f"SELECT {_columns(COLLATERAL_FIELDS, 'c')}, ARRAY("
        f"  SELECT lc.account_number FROM {E}.loan_collateral lc"
        "   WHERE lc.collateral_number = c.collateral_number AND NOT lc.is_deleted"
        "   ORDER BY lc.account_number) AS account_numbers"
        f" FROM {E}.collateral c WHERE c.cif = $1 AND NOT c.is_deleted"
        " ORDER BY c.collateral_number",
        cif,
    )


async def references_of(conn: asyncpg.Connection, cif: str) -> list[asyncpg.Record]:
    """The people a customer gave as references (guarantors, spouses, …)."""
    return await _rows(
        conn,
        "SELECT ref_cif, relationship_type, name, national_id, phone, email, address,"
        f" source_system, last_synced_at FROM {E}.reference_customer"
        " WHERE cif = $1 AND NOT is_deleted ORDER BY relationship_type, ref_cif",
        cif,
    )


async def loan(conn: asyncpg.Connection, account_number: str) -> LoanRead | None:
    """The loan with its due segments and the collaterals linked to it."""
    row = await conn.fetchrow(
        f"SELECT {LOAN_COLUMNS} FROM {E}.loan WHERE account_number = $1 AND NOT is_deleted",
        account_number,
        timeout=READ_TIMEOUT_SECONDS,
    )
    if row is None:
        return None
    segments = await _rows(
        conn,
        f"SELECT due_date, principal, interest, fees, penalty FROM {E}.due_segmentation"
        " WHERE account_number = $1 AND NOT is_deleted ORDER BY due_date",
        account_number,
    )
    collaterals = await _rows(
        conn,
        f"SELECT {_columns(COLLATERAL_FIELDS, 'c')}"
        f" FROM {E}.loan_collateral lc JOIN {E}.collateral c USING (collateral_number)"
        " WHERE lc.account_number = $1 AND NOT lc.is_deleted AND NOT c.is_deleted"
        " ORDER BY c.collateral_number",
        account_number,
    )
    return LoanRead(row, segments, collaterals)
