"""List reads of the synchronized entities: customer search and the delinquent-loans list.

Both page by keyset: rows after the sort key of the previous page's last row, never OFFSET.
Every branch of the search is answered by an index (see persistence/models/sync.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

import asyncpg

from persistence.sync_read import CUSTOMER_COLUMNS, LOAN_COLUMNS, E

# A list query slower than this gives its pool connection back and the caller a 503.
LIST_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class SortKey:
    column: str
    # What a cursor's value must be for this sort (checked before it reaches SQL).
    kind: type[str] | type[int] | type[Decimal]


# Sort name (API) → column; every sort ends with the row's key so the order is total.
CUSTOMER_SORTS: Mapping[str, SortKey] = {
    "name": SortKey("name_folded", str),
    "cif": SortKey("cif", str),
}
DELINQUENT_SORTS: Mapping[str, SortKey] = {
    "dpd": SortKey("dpd", int),
    "outstanding": SortKey("outstanding", Decimal),
    "dueAmount": SortKey("due_amount", Decimal),
    "accountNumber": SortKey("account_number", str),
}


@dataclass(frozen=True)
class Keyset:
    sort: str
    descending: bool
    limit: int
    # (sort value, row key) of the previous page's last row; None on the first page.
    after: tuple[Any, str] | None = None


@dataclass(frozen=True)
class SearchTerms:
    """What one search box entry may be: a key, words of a name, a phone or id fragment."""

    exact: str
    words: tuple[str, ...] = ()
    phone_digits: str | None = None
    id_fragment: str | None = None


@dataclass(frozen=True)
class CustomerSearch:
    terms: SearchTerms
    page: Keyset
    status: str | None = None
    customer_type: str | None = None
    segment: str | None = None
    # None: every customer; otherwise only these CIFs (the caller's row-level scope).
    cifs: frozenset[str] | None = None


@dataclass(frozen=True)
class DelinquentQuery:
    page: Keyset
    dpd_min: int | None = None
    dpd_max: int | None = None
    delinquency_status: str | None = None
    # Exact product, or a family: "CREDIT_CARD" also matches "CREDIT_CARD:GOLD".
    product: str | None = None
    cifs: frozenset[str] | None = None


class _Sql:
    """Numbered parameters for a statement assembled from optional conditions."""

    def __init__(self) -> None:
        self.args: list[Any] = []
        self.where: list[str] = []

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def after(self, alias: str, column: str, key: str, page: Keyset) -> None:
        """Only rows past the previous page's last (sort value, key)."""
        if page.after is not None:
            value, last_key = page.after
            op = "<" if page.descending else ">"
            self.where.append(
                f"({alias}{column}, {alias}{key}) {op} ({self.arg(value)}, {self.arg(last_key)})"
            )

    def order(self, alias: str, column: str, key: str, page: Keyset, limit: str) -> str:
        way = "DESC" if page.descending else "ASC"
        return f"ORDER BY {alias}{column} {way}, {alias}{key} {way} LIMIT {limit}"


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_tsquery(words: tuple[str, ...]) -> str:
    """Every word in any order, the last one a prefix: what the user typed so far.

    Asked of ix_customer_name_tokens as the chain of its word pairs: "nguyen van a" is
    '+nguyen+van' & '+van+a':*. Both orders of every pair are indexed, so the chain holds
    exactly when every word does, and each link is far rarer than either of its words.
    Words are runs of [a-z0-9] (search_terms), so nothing in them is tsquery syntax.
    """
    *typed, last = words
    whole = list(dict.fromkeys(typed))
    # "nguyen ng": a whole word that starts with the prefix already satisfies it.
    prefix = None if any(w.startswith(last) for w in whole) else last
    if not whole:
        return f"'{last}':*"
    if prefix is None and len(whole) == 1:
        return f"'{whole[0]}'"
    chain = [f"'+{a}+{b}'" for a, b in pairwise(whole)]
    if prefix is not None:
        chain.append(f"'+{whole[-1]}+{prefix}':*")
    return " & ".join(chain)


def _key_hits(q: _Sql, terms: SearchTerms) -> str:
    """CIFs the entry finds as a key or a fragment of one: few rows, each branch on its index."""
    exact = q.arg(terms.exact)
    branches = [
        f"SELECT cif FROM {E}.customer WHERE cif = {exact}",
        f"SELECT cif FROM {E}.customer WHERE national_id = {exact}",
        f"SELECT cif FROM {E}.loan WHERE account_number = {exact} AND NOT is_deleted",
    ]
    if terms.id_fragment:
        pattern = q.arg(f"%{like_escape(terms.id_fragment)}%")
        branches.append(f"SELECT cif FROM {E}.customer WHERE national_id LIKE {pattern}")
    if terms.phone_digits:
        pattern = q.arg(f"%{like_escape(terms.phone_digits)}%")
        branches.append(f"SELECT cif FROM {E}.phone WHERE number LIKE {pattern} AND NOT is_deleted")
    return " UNION ".join(branches)


def _matching_names(q: _Sql, s: CustomerSearch) -> str:
    """The distinct names with every typed word, from customer_name: far fewer than customers."""
    where = [
        f"{E}.name_search_tokens(n.name_folded) @@ {q.arg(name_tsquery(s.terms.words))}::tsquery"
    ]
    if s.page.after is not None and s.page.sort == "name":
        # Names before the cursor's cannot be on this page; not asking for them saves the
        # scan a descent into each.
        where.append(
            f"n.name_folded {'<=' if s.page.descending else '>='} {q.arg(s.page.after[0])}"
        )
    return f"SELECT n.name_folded FROM {E}.customer_name n WHERE {' AND '.join(where)}"


def _name_part(q: _Sql, s: CustomerSearch, select: str, filters: str, limit: str) -> str:
    """Customers whose name has the typed words, sorted and limited like the page."""
    names = f"ARRAY({_matching_names(q, s)})"
    sort = CUSTOMER_SORTS[s.page.sort].column
    order = q.order("", sort, "cif", s.page, limit)
    if s.cifs is not None:
        # A caller limited to some customers searches those: read by primary key, kept when
        # their name matched, so the cost follows the scope. Left to choose, the planner
        # intersected a scope of 500 with every customer of the matched names (684,358 index
        # entries for "nguyen", 52 ms; this way 3.5-7 ms). = ANY of the names, not IN: run
        # as a prepared statement, as asyncpg runs it, IN took 10 ms for a full name with 500
        # CIFs and = ANY 1.6 ms (equal with custom plans forced, so PostgreSQL's generic plan
        # is the likely cause). The price: a two-letter prefix compares each scoped row with
        # thousands of names (22 ms with 500 CIFs, 190 ms with 5,000; 1 Dec 2026).
        scoped = f"WITH scoped AS MATERIALIZED ({select} WHERE {filters})"
        return f"{scoped} SELECT * FROM scoped WHERE name_folded = ANY({names}) {order}"
    named = f"{select} WHERE c.name_folded = ANY({names}) AND {filters}"
    if s.page.sort == "name":
        # ix_customer_name_order gives the customers of those names in page order, name by
        # name, and the scan stops when the page is full: a common name costs the page.
        return f"{named} {q.order('c.', sort, 'cif', s.page, limit)}"
    # In CIF order every match is read and sorted: found first, or the planner may walk the
    # primary key testing each customer's name until the page fills, which for a rare name
    # is every customer (a 5 s timeout in the tests, 30 Nov 2026).
    return f"WITH named AS MATERIALIZED ({named}) SELECT * FROM named {order}"


async def search_customers(conn: asyncpg.Connection, s: CustomerSearch) -> list[asyncpg.Record]:
    """Return customers any kind of term matches, in page order; up to page.limit + 1 rows."""
    # Keys and name words are two parts, each sorted and limited on its own: a key finds a
    # handful of rows by primary key, and a common name ("nguyen") never makes the planner
    # trade the key lookups for a scan of every customer.
    q = _Sql()
    keys = _key_hits(q, s.terms)
    q.where.append("NOT c.is_deleted")
    for column, value in (
        ("status", s.status),
        ("customer_type", s.customer_type),
        ("segment", s.segment),
    ):
        if value is not None:
            q.where.append(f"c.{column} = {q.arg(value)}")
    if s.cifs is not None:
        q.where.append(f"c.cif = ANY({q.arg(sorted(s.cifs))}::text[])")
    sort = CUSTOMER_SORTS[s.page.sort].column
    q.after("c.", sort, "cif", s.page)
    # One row past the page tells the caller whether another page follows.
    limit = q.arg(s.page.limit + 1)
    filters = " AND ".join(q.where)
    columns = ", ".join(f"c.{name.strip()}" for name in CUSTOMER_COLUMNS.split(","))
    select = f"SELECT {columns}, c.name_folded FROM {E}.customer c"
    order = q.order("c.", sort, "cif", s.page, limit)
    parts = [f"{select} WHERE c.cif = ANY(ARRAY({keys})) AND {filters} {order}"]
    if s.terms.words:
        parts.append(_name_part(q, s, select, filters, limit))
    union = " UNION ".join(f"({part})" for part in parts)
    sql = f"SELECT * FROM ({union}) AS found {q.order('', sort, 'cif', s.page, limit)}"
    rows: list[asyncpg.Record] = await conn.fetch(sql, *q.args, timeout=LIST_TIMEOUT_SECONDS)
    return rows


async def delinquent_loans(conn: asyncpg.Connection, d: DelinquentQuery) -> list[asyncpg.Record]:
    """Return open loans past due in page order; up to page.limit + 1 rows."""
    q = _Sql()
    # The partial index ix_loan_delinquent's predicate, so the planner can use it.
    q.where += ["NOT l.is_deleted", "l.status = 'OPEN'", "l.dpd > 0"]
    if d.dpd_min is not None:
        q.where.append(f"l.dpd >= {q.arg(d.dpd_min)}")
    if d.dpd_max is not None:
        q.where.append(f"l.dpd <= {q.arg(d.dpd_max)}")
    if d.delinquency_status is not None:
        q.where.append(f"l.delinquency_status = {q.arg(d.delinquency_status)}")
    if d.product is not None:
        exact = q.arg(d.product)
        family = q.arg(f"{like_escape(d.product)}:%")
        q.where.append(f"(l.product_type = {exact} OR l.product_type LIKE {family})")
    if d.cifs is not None:
        q.where.append(f"l.cif = ANY({q.arg(sorted(d.cifs))}::text[])")
    sort = DELINQUENT_SORTS[d.page.sort].column
    q.after("l.", sort, "account_number", d.page)
    order = q.order("l.", sort, "account_number", d.page, q.arg(d.page.limit + 1))
    columns = ", ".join(f"l.{name.strip()}" for name in LOAN_COLUMNS.split(","))
    sql = f"SELECT {columns} FROM {E}.loan l WHERE {' AND '.join(q.where)} {order}"
    rows: list[asyncpg.Record] = await conn.fetch(sql, *q.args, timeout=LIST_TIMEOUT_SECONDS)
    return rows
