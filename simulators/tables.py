"""The simulated source tables the generator fills: database, name and column order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulators.keys import IndexRange
from simulators.sources import LOS, T24, W4, Source

# One row in the table's column order; values are str, int, Decimal, date, datetime or None.
Row = tuple[Any, ...]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class Table:
    source: Source
    name: str
    columns: tuple[str, ...]
    key: str  # the indexed column a customer range is a range of
    # Text keys start with prefix + the customer's 9-digit index; None: a bigint id n*10+k.
    prefix: str | None

    def bounds(self, customers: IndexRange) -> tuple[str, str] | tuple[int, int]:
        """Half-open bounds of `key` for the rows of these customers."""
        return customers.ids() if self.prefix is None else customers.text(self.prefix)

    def range_sql(self) -> str:
        """A WHERE condition selecting one customer range (two parameters: low, high)."""
        return f"{_quote(self.key)} >= %s AND {_quote(self.key)} < %s"

    @property
    def qualified(self) -> str:
        return _quote(self.name)

    @property
    def column_list(self) -> str:
        return ", ".join(_quote(c) for c in self.columns)

    def copy_sql(self) -> str:
        return f"COPY {self.qualified} ({self.column_list}) FROM STDIN"

    def insert_sql(self) -> str:
        marks = ", ".join(["%s"] * len(self.columns))
        return f"INSERT INTO {self.qualified} ({self.column_list}) VALUES ({marks})"

    def __str__(self) -> str:
        return f"{self.source.name}.{self.name}"


_T24_COLUMNS = ("RECID", "XMLRECORD")
CUSTOMER = Table(T24, "FBNK_CUSTOMER", _T24_COLUMNS, "RECID", "CIF")
ARRANGEMENT = Table(T24, "FBNK_AA_ARRANGEMENT", _T24_COLUMNS, "RECID", "AA")
# A bill's RECID starts with its arrangement's account number.
BILL = Table(T24, "FBNK_AA_BILL_DETAILS", _T24_COLUMNS, "RECID", "AA")
COLLATERAL = Table(T24, "FBNK_COLLATERAL", _T24_COLUMNS, "RECID", "COL")
CARD_CONTRACT = Table(
    W4,
    "CARD_CONTRACT",
    (
        "CONTRACT_NUMBER",
        "CLIENT_CIF",
        "PRODUCT_CODE",
        "CURRENCY",
        "CREDIT_LIMIT",
        "OUTSTANDING",
        "TOTAL_DUE",
        "MIN_PAY",
        "DUE_DATE",
        "DPD",
        "CONTRACT_STATUS",
        "OPEN_DATE",
        "CLOSE_DATE",
        "AMND_DATE",
    ),
    "CONTRACT_NUMBER",
    "W4C",
)
CLIENT_CONTACT = Table(
    W4,
    "CLIENT_CONTACT",
    ("CONTACT_ID", "CLIENT_CIF", "CONTACT_TYPE", "CONTACT_VALUE", "IS_VERIFIED", "AMND_DATE"),
    "CONTACT_ID",
    None,
)
APPLICATION = Table(
    LOS,
    "loan_application",
    (
        "application_id",
        "cif",
        "product_type",
        "requested_amount",
        "status",
        "account_number",
        "submitted_at",
        "decided_at",
    ),
    "application_id",
    "APP",
)
REFERENCE = Table(
    LOS,
    "reference_customer",
    (
        "id",
        "application_id",
        "primary_cif",
        "ref_cif",
        "relationship_type",
        "name",
        "national_id",
        "phone",
        "email",
        "address",
        "updated_at",
    ),
    "id",
    None,
)
LOAN_COLLATERAL = Table(
    LOS,
    "loan_collateral",
    ("account_number", "collateral_number", "cif", "linked_at"),
    "account_number",
    "AA",
)

TABLES: tuple[Table, ...] = (
    CUSTOMER,
    ARRANGEMENT,
    BILL,
    COLLATERAL,
    CARD_CONTRACT,
    CLIENT_CONTACT,
    APPLICATION,
    REFERENCE,
    LOAN_COLLATERAL,
)
T24_TABLES: tuple[Table, ...] = tuple(t for t in TABLES if t.source is T24)
