"""Per-table checksums of a synthetic population: the source databases versus the CRM's copy.

Used by the end-to-end tests and the sync benchmark to decide that the copy is complete.

The source side reads T24's XML with PostgreSQL's own xpath(), not with the CRM's parser, so
a mapping bug cannot hide by appearing on both sides. Each pair lists the same fields in the
same order; entities deleted in the source are left out on the CRM side, as reads hide them.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import psycopg

from crm.settings import Settings
from simulators.keys import IndexRange


def c(n: int) -> str:
    """Field n of a T24 record, read by PostgreSQL."""
    return f"(xpath('/row/c{n}[1]/text()', \"XMLRECORD\"::xml))[1]::text"


def amount(n: int) -> str:
    return f"trim_scale({c(n)}::numeric)"


def digest(inner: str, columns: int, keys: int) -> str:
    """Count and md5 of `inner`'s rows (columns f1..fN), ordered by the first `keys` columns."""
    names = [f"f{i}" for i in range(1, columns + 1)]
    row = "concat_ws('|', " + ", ".join(names) + ")"
    order = ", ".join(names[:keys])
    return (
        f"SELECT count(*), md5(coalesce(string_agg({row}, ',' ORDER BY {order}), ''))"
        f" FROM ({inner}) AS t({', '.join(names)})"
    )


@dataclass(frozen=True)
class Pair:
    name: str
    database: str
    source_sql: str  # %s, %s: low and high key of the population
    crm_sql: str  # $1, $2: the same
    prefix: str  # key prefix that bounds the population ("CIF", "AA", …)


def pair(name: str, database: str, prefix: str, keys: int, source: str, crm: str) -> Pair:
    columns = source.split(" FROM ", 1)[0].count("§") + 1
    return Pair(
        name,
        database,
        digest(source.replace("§", ","), columns, keys),
        digest(crm.replace("§", ","), columns, keys),
        prefix,
    )


RECID = '"RECID"'
NAME = f"replace({c(1)}, '&amp;', '&')"
BILL_DATE = f"to_char(to_date({c(2)}, 'YYYYMMDD'), 'YYYY-MM-DD')"
W4_STATUS = "CASE \"CONTRACT_STATUS\" WHEN 'CLOSED' THEN 'CLOSED' ELSE 'OPEN' END"
T24_RANGE = ' WHERE "RECID" >= %s AND "RECID" < %s'
# Fields are separated by § (not a comma) so the column count survives commas inside them.
CRM_LOAN = (
    "SELECT account_number § cif § trim_scale(outstanding) § trim_scale(due_amount) § dpd"
    " § status FROM sync_entities.loan WHERE NOT is_deleted AND source_system = '{source}'"
    " AND account_number >= $1 AND account_number < $2"
)
T24_PHONES = (
    "SELECT " + RECID + " § (xpath('/c13/text()', k))[1]::text § (xpath('/c7/text()', n))[1]::text"
    ' FROM "FBNK_CUSTOMER", unnest(xpath(\'/row/c7\', "XMLRECORD"::xml)) AS n,'
    " unnest(xpath('/row/c13', \"XMLRECORD\"::xml)) AS k"
    " WHERE coalesce((xpath('/c7/@m', n))[1]::text, '1')"
    " = coalesce((xpath('/c13/@m', k))[1]::text, '1') AND" + T24_RANGE.removeprefix(" WHERE")
)

PAIRS = (
    pair(
        "t24 customer",
        "t24",
        "CIF",
        1,
        f'SELECT {RECID} § {NAME} § {c(8)} § {c(12)} FROM "FBNK_CUSTOMER"{T24_RANGE}',
        "SELECT cif § name § customer_type § status FROM sync_entities.customer"
        " WHERE NOT is_deleted AND cif >= $1 AND cif < $2",
    ),
    pair(
        "t24 phone",
        "t24",
        "CIF",
        2,
        T24_PHONES,
        "SELECT cif § type § number FROM sync_entities.phone"
        " WHERE NOT is_deleted AND source_system = 'T24' AND cif >= $1 AND cif < $2",
    ),
    pair(
        "t24 loan",
        "t24",
        "AA",
        1,
        f"SELECT {RECID} § {c(1)} § {amount(10)} § {amount(11)} § {c(13)}::int § {c(14)}"
        f' FROM "FBNK_AA_ARRANGEMENT"{T24_RANGE}',
        CRM_LOAN.format(source="T24"),
    ),
    pair(
        "t24 bill",
        "t24",
        "AA",
        2,
        f"SELECT {c(1)} § {BILL_DATE} § {amount(3)} § {amount(4)}"
        f' FROM "FBNK_AA_BILL_DETAILS"{T24_RANGE}',
        "SELECT account_number § due_date::text § trim_scale(principal) § trim_scale(interest)"
        " FROM sync_entities.due_segmentation WHERE NOT is_deleted"
        " AND account_number >= $1 AND account_number < $2",
    ),
    pair(
        "t24 collateral",
        "t24",
        "COL",
        1,
        f'SELECT {RECID} § {c(1)} § {c(2)} § {amount(4)} FROM "FBNK_COLLATERAL"{T24_RANGE}',
        "SELECT collateral_number § cif § type § trim_scale(value) FROM sync_entities.collateral"
        " WHERE NOT is_deleted AND collateral_number >= $1 AND collateral_number < $2",
    ),
    pair(
        "w4 card contract",
        "w4",
        "W4C",
        1,
        'SELECT "CONTRACT_NUMBER" § "CLIENT_CIF" § trim_scale("OUTSTANDING")'
        f' § trim_scale("TOTAL_DUE") § "DPD" § {W4_STATUS} FROM "CARD_CONTRACT"'
        ' WHERE "CONTRACT_NUMBER" >= %s AND "CONTRACT_NUMBER" < %s',
        CRM_LOAN.format(source="W4"),
    ),
    pair(
        "w4 phone",
        "w4",
        "CIF",
        2,
        'SELECT "CLIENT_CIF" § "CONTACT_TYPE" § "CONTACT_VALUE" FROM "CLIENT_CONTACT"'
        ' WHERE "CONTACT_TYPE" <> \'EMAIL\' AND "CLIENT_CIF" >= %s AND "CLIENT_CIF" < %s',
        "SELECT cif § type § number FROM sync_entities.phone"
        " WHERE NOT is_deleted AND source_system = 'W4' AND cif >= $1 AND cif < $2",
    ),
    pair(
        "w4 email",
        "w4",
        "CIF",
        2,
        'SELECT "CLIENT_CIF" § lower("CONTACT_VALUE") FROM "CLIENT_CONTACT"'
        ' WHERE "CONTACT_TYPE" = \'EMAIL\' AND "CLIENT_CIF" >= %s AND "CLIENT_CIF" < %s',
        "SELECT cif § address FROM sync_entities.email"
        " WHERE NOT is_deleted AND source_system = 'W4' AND cif >= $1 AND cif < $2",
    ),
    pair(
        "los reference",
        "los",
        "CIF",
        2,
        "SELECT primary_cif § ref_cif § relationship_type § name FROM reference_customer"
        " WHERE primary_cif >= %s AND primary_cif < %s",
        "SELECT cif § ref_cif § relationship_type § name FROM sync_entities.reference_customer"
        " WHERE NOT is_deleted AND cif >= $1 AND cif < $2",
    ),
    pair(
        "los loan collateral",
        "los",
        "CIF",
        2,
        "SELECT account_number § collateral_number § cif FROM loan_collateral"
        " WHERE cif >= %s AND cif < %s",
        "SELECT account_number § collateral_number § cif FROM sync_entities.loan_collateral"
        " WHERE NOT is_deleted AND cif >= $1 AND cif < $2",
    ),
)


def source_side(settings: Settings, customers: IndexRange) -> dict[str, tuple[int, str]]:
    out = {}
    for pair in PAIRS:
        low, high = customers.text(pair.prefix)
        with psycopg.connect(settings.source_dsn(pair.database)) as conn:
            row = conn.execute(pair.source_sql, (low, high)).fetchone()
        assert row is not None
        out[pair.name] = (int(row[0]), str(row[1]))
    return out


async def crm_side(db: asyncpg.Pool, customers: IndexRange) -> dict[str, tuple[int, str]]:
    out = {}
    for pair in PAIRS:
        low, high = customers.text(pair.prefix)
        row = await db.fetchrow(pair.crm_sql, low, high)
        assert row is not None
        out[pair.name] = (int(row[0]), str(row[1]))
    return out
