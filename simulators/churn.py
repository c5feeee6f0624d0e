"""Change simulator: a steady stream of small, separately committed changes to the sources.

Each change is one transaction in one source database, so CDC sees individual commits the
way it would from the bank's systems: repayments and arrears (loan XMLRECORD and its bills
rewritten together), card activity, new and closed loans, deleted contacts and references,
and now and then a new customer.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date
from random import Random
from typing import TextIO

import psycopg

from crm.settings import Settings
from domain.errors import ValidationError
from simulators import keys, people
from simulators.changes import (
    CardState,
    LoanChange,
    LoanState,
    close_loan,
    loan_state,
    next_card,
    next_loan,
    read_bill,
)
from simulators.db import source_dsn
from simulators.generator import Rows, add_loan, bank_today, customer_rows, empty_rows
from simulators.keys import EVERYTHING, IndexRange
from simulators.pacing import SKIPPED, run_paced
from simulators.progress import Progress
from simulators.sampler import KeyPool
from simulators.sources import LOS, SOURCES, T24, W4, Source
from simulators.t24_xml import layout
from simulators.tables import (
    ARRANGEMENT,
    BILL,
    CARD_CONTRACT,
    CLIENT_CONTACT,
    CUSTOMER,
    REFERENCE,
    Table,
)

# How often each kind of change happens, relative to the others.
KIND_WEIGHTS: dict[str, int] = {
    "loan_update": 40,
    "card_update": 25,
    "new_loan": 8,
    "close_loan": 5,
    "delete_contact": 8,
    "delete_reference": 7,
    "new_customer": 2,
}
_CARD_COLUMNS = (
    "CREDIT_LIMIT",
    "OUTSTANDING",
    "TOTAL_DUE",
    "MIN_PAY",
    "DUE_DATE",
    "DPD",
    "CONTRACT_STATUS",
)


class NewCustomers:
    """Hands out the indexes of customers the churn opens; shared by parallel churners."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: int | None = None

    def take(self, last_used: Callable[[], int]) -> int:
        """The next free index; `last_used` reads the sources' highest one on first use."""
        with self._lock:
            if self._next is None:
                self._next = last_used() + 1
            n, self._next = self._next, self._next + 1
            return n


class Churner:
    """Make one change at a time against open connections (autocommit, one per source)."""

    def __init__(
        self,
        conns: Mapping[str, psycopg.Connection],
        rng: Random,
        *,
        today: date,
        scope: IndexRange = EVERYTHING,
        seed: int = 0,
        new_customers: NewCustomers | None = None,
    ) -> None:
        self.conns, self.rng, self.today, self.seed = conns, rng, today, seed
        self.pools = {
            t: KeyPool(conns[t.source.name], t, scope, rng)
            for t in (CUSTOMER, ARRANGEMENT, CARD_CONTRACT, CLIENT_CONTACT, REFERENCE)
        }
        self._new_customers = new_customers or NewCustomers()
        self._kinds = list(KIND_WEIGHTS)
        self._weights = list(KIND_WEIGHTS.values())

    def _conn(self, source: Source) -> psycopg.Connection:
        return self.conns[source.name]

    def step(self) -> str:
        """Make one change; return its kind, or SKIPPED when nothing could be changed."""
        kind = self.rng.choices(self._kinds, weights=self._weights)[0]
        action: Callable[[], bool] = getattr(self, f"_{kind}")
        try:
            return kind if action() else SKIPPED
        except (
            psycopg.errors.UniqueViolation,
            psycopg.errors.DeadlockDetected,
            ValidationError,
        ):
            # A concurrent writer (another churner too) took the key or the rows first, or
            # a row not made by the generator.
            return SKIPPED

    # --- loans -------------------------------------------------------------------------

    def _change_loan(self, decide: Callable[[LoanState], LoanChange]) -> bool:
        account = self.pools[ARRANGEMENT].take()
        # Only the generator's accounts: their bills can be found by a key range.
        bill_range = keys.bill_range(account) if isinstance(account, str) else None
        if not isinstance(account, str) or bill_range is None:
            return False
        conn = self._conn(T24)
        with conn.transaction():
            row = conn.execute(
                f'SELECT "XMLRECORD" FROM {ARRANGEMENT.qualified} WHERE "RECID" = %s FOR UPDATE',
                (account,),
            ).fetchone()
            if row is None:
                return False
            fields = layout(ARRANGEMENT.name).read(account, row[0])
            if fields.get("status") != "OPEN":
                return False
            bill_rows = conn.execute(
                f'SELECT "RECID", "XMLRECORD" FROM {BILL.qualified}'
                ' WHERE "RECID" >= %s AND "RECID" < %s',
                bill_range,
            ).fetchall()
            bills = {r[0]: read_bill(layout(BILL.name).read(r[0], r[1])) for r in bill_rows}
            change = decide(loan_state(fields, bills.values()))
            xml = layout(ARRANGEMENT.name).update(account, row[0], change.fields)
            conn.execute(
                f'UPDATE {ARRANGEMENT.qualified} SET "XMLRECORD" = %s WHERE "RECID" = %s',
                (xml, account),
            )
            by_date = {bill.due_date: recid for recid, bill in bills.items()}
            for due_date in change.remove:
                conn.execute(
                    f'DELETE FROM {BILL.qualified} WHERE "RECID" = %s', (by_date[due_date],)
                )
            for bill in change.add:
                recid = keys.bill(account, bill.due_date)
                xml = layout(BILL.name).render(recid, bill.fields(account))
                conn.execute(BILL.insert_sql(), (recid, xml))
        return True

    def _loan_update(self) -> bool:
        return self._change_loan(lambda state: next_loan(self.rng, state, self.today))

    def _close_loan(self) -> bool:
        return self._change_loan(lambda state: close_loan(state, self.today))

    def _new_loan(self) -> bool:
        cif = self.pools[CUSTOMER].take()
        n = keys.index_of_cif(cif) if isinstance(cif, str) else None
        if n is None:
            return False
        conn = self._conn(T24)
        row = conn.execute(
            f'SELECT "XMLRECORD" FROM {CUSTOMER.qualified} WHERE "RECID" = %s', (cif,)
        ).fetchone()
        if row is None:
            return False
        customer_type = layout(CUSTOMER.name).read(str(cif), row[0]).get("customer_type")
        if customer_type not in ("INDIVIDUAL", "ORGANIZATION"):
            return False
        low, high = (
            keys.account(n, keys.NEW_LOAN_SLOTS.start),
            keys.account(n, keys.NEW_LOAN_SLOTS.stop),
        )
        used = {
            r[0]
            for r in conn.execute(
                f'SELECT "RECID" FROM {ARRANGEMENT.qualified} WHERE "RECID" >= %s AND "RECID" < %s',
                (low, high),
            )
        }
        free = [s for s in keys.NEW_LOAN_SLOTS if keys.account(n, s) not in used]
        if not free:
            return False
        rows = empty_rows()
        where = people.city(self.rng)
        add_loan(rows, self.rng, n, free[0], customer_type, where, self.today, new=True)
        self._insert(rows, T24)
        self._insert(rows, LOS)
        return True

    # --- cards, contacts, references, customers ------------------------------------------

    def _card_update(self) -> bool:
        number = self.pools[CARD_CONTRACT].take()
        if number is None:
            return False
        conn = self._conn(W4)
        columns = ", ".join(f'"{c}"' for c in _CARD_COLUMNS)
        table = CARD_CONTRACT.qualified
        with conn.transaction():
            row = conn.execute(
                f'SELECT {columns} FROM {table} WHERE "CONTRACT_NUMBER" = %s FOR UPDATE', (number,)
            ).fetchone()
            if row is None or row[-1] == "CLOSED":
                return False
            _event, card = next_card(self.rng, CardState(*row), self.today)
            assignments = ", ".join(f'"{c}" = %s' for c in _CARD_COLUMNS)
            conn.execute(
                f'UPDATE {table} SET {assignments}, "AMND_DATE" = localtimestamp'
                ' WHERE "CONTRACT_NUMBER" = %s',
                (
                    card.limit,
                    card.outstanding,
                    card.total_due,
                    card.min_pay,
                    card.due_date,
                    card.dpd,
                    card.status,
                    number,
                ),
            )
        return True

    def _delete(self, table: Table, owner_column: str) -> bool:
        key = self.pools[table].take()
        if not isinstance(key, int):
            return False
        # Id n*10+k belongs to customer n only in generated rows: anything else is left alone.
        sql = f'DELETE FROM {table.qualified} WHERE "{table.key}" = %s AND "{owner_column}" = %s'
        owner = keys.cif(key // keys.PER_CUSTOMER)
        return self._conn(table.source).execute(sql, (key, owner)).rowcount > 0

    def _delete_contact(self) -> bool:
        return self._delete(CLIENT_CONTACT, "CLIENT_CIF")

    def _delete_reference(self) -> bool:
        return self._delete(REFERENCE, "primary_cif")

    def _new_customer(self) -> bool:
        n = self._new_customers.take(self._last_churn_index)
        if n > keys.MAX_INDEX:
            return False
        rows = customer_rows(n, self.seed, self.today)
        for source in SOURCES:
            self._insert(rows, source)
        return True

    def _last_churn_index(self) -> int:
        opened_here = IndexRange(keys.CHURN_FIRST_INDEX, keys.MAX_INDEX + 1)
        sql = f'SELECT max("RECID") FROM {CUSTOMER.qualified} WHERE {CUSTOMER.range_sql()}'
        row = self._conn(T24).execute(sql, CUSTOMER.bounds(opened_here)).fetchone()
        last = keys.index_of_cif(row[0]) if row and row[0] else None
        return keys.CHURN_FIRST_INDEX - 1 if last is None else last

    def _insert(self, rows: Rows, source: Source) -> None:
        conn = self._conn(source)
        with conn.transaction(), conn.cursor() as cur:
            for table, table_rows in rows.items():
                if table.source is source and table_rows:
                    cur.executemany(table.insert_sql(), table_rows)


# A churner waits on PostgreSQL's round trips (93% of py-spy's samples on 1 Dec 2026), and
# while the CRM applies the changes on the same cores it made 36-64 changes/s: asked for
# 1,000/s, 7 churners made 386-447/s, 25 made 906-950/s. Higher rates are split over
# churners with their own connections (three each: runtime/postgres.py allows for them).
RATE_PER_CHURNER = 40.0


def churners_for(rate: float) -> int:
    """How many churners share a rate."""
    return max(1, math.ceil(rate / RATE_PER_CHURNER))


def churn(
    settings: Settings,
    rate: float,
    *,
    duration: float | None = None,
    seed: int | None = None,
    scope: IndexRange = EVERYTHING,
    today: date | None = None,
    stop: threading.Event | None = None,
    out: TextIO | None = None,
) -> Counter[str]:
    """Change the source databases at `rate` changes/s; return how many of each kind were made.

    Above RATE_PER_CHURNER changes/s, several churners run in threads, each at its share of
    the rate, on its own connections and random stream (seed, seed+1, …); one churner's run
    is repeatable for a seed, several interleave as the database schedules them.
    """
    if rate <= 0:
        raise ValueError("rate must be above 0")
    rng = Random(seed)
    first_seed = rng.randrange(2**31) if seed is None else seed
    count = churners_for(rate)
    progress = Progress("churn", "changes", out=out)
    new_customers = NewCustomers()
    day = today or bank_today(settings.bank_timezone)
    # Ends every churner: the caller's stop, Ctrl-C, or one churner failing (the rate is
    # then no longer the one asked for). The caller's own event is only read.
    halt = threading.Event()
    results: list[Counter[str]] = [Counter() for _ in range(count)]
    failures: list[BaseException] = []

    def run(i: int) -> None:
        conns = {s.name: psycopg.connect(source_dsn(settings, s), autocommit=True) for s in SOURCES}
        try:
            own = rng if count == 1 else Random(first_seed + i)
            churner = Churner(
                conns, own, today=day, scope=scope, seed=first_seed + i, new_customers=new_customers
            )
            results[i] = run_paced(
                churner.step,
                rate / count,
                duration=duration,
                stop=stop if count == 1 else halt,
                progress=progress,
            )
        except BaseException as exc:
            failures.append(exc)
            halt.set()
        finally:
            for conn in conns.values():
                conn.close()

    if count == 1:
        run(0)
    else:
        threads = [threading.Thread(target=run, args=(i,), name=f"churn-{i}") for i in range(count)]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.5)
                    if stop is not None and stop.is_set():
                        halt.set()
        except KeyboardInterrupt:
            # Ctrl-C reaches this thread only: stop the churners and report what they made.
            halt.set()
            for thread in threads:
                thread.join()
    progress.report(final=True)
    if failures:
        raise failures[0]
    return sum(results, Counter())
