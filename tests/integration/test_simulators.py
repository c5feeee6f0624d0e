"""The synthetic bank loaded into the real source databases, then changed by the simulator."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from crm.cli import main as crm_main
from crm.settings import Settings
from domain.sync_entities import DueSegmentation, Loan, transform
from domain.t24 import parse_record
from domain.t24_mapping import load_field_maps_file
from simulators.churn import churn, churners_for
from simulators.db import connect_sources
from simulators.generator import bank_today, generate
from simulators.keys import CHURN_FIRST_INDEX, MAX_INDEX, IndexRange
from simulators.loader import populate
from simulators.tables import (
    ARRANGEMENT,
    BILL,
    CARD_CONTRACT,
    CLIENT_CONTACT,
    CUSTOMER,
    REFERENCE,
    TABLES,
    Table,
)

pytestmark = pytest.mark.integration

CUSTOMERS = 200


def fresh_start(size: int) -> int:
    """A customer range no earlier run used: random, far from the benchmark's 50M."""
    return random.SystemRandom().randrange(100_000_000, CHURN_FIRST_INDEX - size, 1000)


def rows_in(
    conns: dict[str, psycopg.Connection], table: Table, scope: IndexRange
) -> list[tuple[Any, ...]]:
    conn = conns[table.source.name]
    sql = f"SELECT * FROM {table.qualified} WHERE {table.range_sql()} ORDER BY 1"
    rows = conn.execute(sql, table.bounds(scope)).fetchall()
    conn.rollback()
    return rows


@pytest.fixture(scope="module")
def population(settings: Settings) -> Iterator[tuple[IndexRange, date]]:
    start, today = fresh_start(CUSTOMERS), bank_today(settings.bank_timezone)
    written = populate(settings, CUSTOMERS, seed=11, start=start, as_of=today)
    assert written[str(CUSTOMER)] == CUSTOMERS
    yield IndexRange(start, start + CUSTOMERS), today


def test_generate_loads_every_table(
    settings: Settings, population: tuple[IndexRange, date]
) -> None:
    scope, today = population
    expected: Counter[str] = Counter()
    for batch in generate(CUSTOMERS, 11, start=scope.lo, as_of=today):
        expected.update({str(t): len(r) for t, r in batch.rows.items()})
    with connect_sources(settings) as conns:
        stored = {str(t): len(rows_in(conns, t, scope)) for t in TABLES}
    assert stored == dict(expected)
    assert all(stored[str(t)] > 0 for t in TABLES)


def test_cli_loads_once_and_refuses_a_taken_range(settings: Settings) -> None:
    start = fresh_start(20)
    argv = ["demo", "generate", "--customers", "20", "--start", str(start), "--seed", "3"]
    assert crm_main(argv) == 0
    assert crm_main(argv) == 2  # the same range again would collide
    with connect_sources(settings) as conns:
        assert len(rows_in(conns, CUSTOMER, IndexRange(start, start + 20))) == 20


def _t24_consistent(conns: dict[str, psycopg.Connection], scope: IndexRange) -> None:
    """Every record still reads, and every loan's due amount is the sum of its bills."""
    maps, ts = load_field_maps_file(), datetime.now(UTC)
    due: defaultdict[str, Decimal] = defaultdict(Decimal)
    for recid, xml in rows_in(conns, BILL, scope):
        [bill] = transform(BILL.name, parse_record(recid, xml), maps, ts)
        assert isinstance(bill, DueSegmentation)
        due[bill.account_number] += bill.principal + bill.interest + bill.fees + bill.penalty
    for recid, xml in rows_in(conns, ARRANGEMENT, scope):
        [loan] = transform(ARRANGEMENT.name, parse_record(recid, xml), maps, ts)
        assert isinstance(loan, Loan)
        assert loan.due_amount == due[recid], recid
        assert 0 <= loan.due_amount <= loan.outstanding <= loan.original_amount


def _count_opened_by_churn(conns: dict[str, psycopg.Connection]) -> int:
    opened = IndexRange(CHURN_FIRST_INDEX, MAX_INDEX + 1)
    return len(rows_in(conns, CUSTOMER, opened))


def test_churn_changes_the_population(
    settings: Settings, population: tuple[IndexRange, date]
) -> None:
    scope, _today = population
    with connect_sources(settings) as conns:
        before = {t: rows_in(conns, t, scope) for t in TABLES}
        opened_before = _count_opened_by_churn(conns)
    done = churn(settings, 50, duration=3, seed=5, scope=scope)
    with connect_sources(settings) as conns:
        after = {t: rows_in(conns, t, scope) for t in TABLES}
        opened_after = _count_opened_by_churn(conns)
        _t24_consistent(conns, scope)

    assert sum(done.values()) >= 60, f"far below 50/s for 3s: {done}"
    changed_loans = set(before[ARRANGEMENT]) - set(after[ARRANGEMENT])
    assert len(changed_loans) >= 1
    new_loans = {r[0] for r in after[ARRANGEMENT]} - {r[0] for r in before[ARRANGEMENT]}
    assert len(new_loans) == done["new_loan"]
    assert len(before[CLIENT_CONTACT]) - len(after[CLIENT_CONTACT]) == done["delete_contact"]
    assert len(before[REFERENCE]) - len(after[REFERENCE]) == done["delete_reference"]
    assert done["delete_contact"] + done["delete_reference"] > 0
    if done["card_update"]:
        assert set(before[CARD_CONTRACT]) != set(after[CARD_CONTRACT])
    assert opened_after - opened_before >= done["new_customer"]


def test_parallel_churners_keep_the_sources_consistent(
    settings: Settings, population: tuple[IndexRange, date]
) -> None:
    # Above one churner's share the rate is split over churners with their own connections:
    # they pick the same rows at times, and what they report must still be what happened.
    rate = 400
    assert churners_for(rate) > 1
    scope, _today = population
    with connect_sources(settings) as conns:
        before = {t: rows_in(conns, t, scope) for t in TABLES}
        opened_before = _count_opened_by_churn(conns)
    done = churn(settings, rate, duration=3, seed=11, scope=scope)
    with connect_sources(settings) as conns:
        after = {t: rows_in(conns, t, scope) for t in TABLES}
        opened_after = _count_opened_by_churn(conns)
        _t24_consistent(conns, scope)

    new_loans = {r[0] for r in after[ARRANGEMENT]} - {r[0] for r in before[ARRANGEMENT]}
    assert len(new_loans) == done["new_loan"]
    assert len(before[CLIENT_CONTACT]) - len(after[CLIENT_CONTACT]) == done["delete_contact"]
    assert len(before[REFERENCE]) - len(after[REFERENCE]) == done["delete_reference"]
    assert opened_after - opened_before == done["new_customer"]
