"""The synthetic bank: deterministic, collision-free, realistic, and readable by the CRM."""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from random import Random

import pytest

from crm.cli import main as crm_main
from domain.sync_entities import Collateral, Customer, DueSegmentation, Loan, Phone, transform
from domain.t24 import parse_record
from domain.t24_mapping import FieldMaps, load_field_maps_file
from simulators import keys, names
from simulators.cards import CONTACT_TYPES
from simulators.changes import CardState, LoanState, loan_state, next_card, next_loan, read_bill
from simulators.generator import Rows, generate
from simulators.loans import DPD_BUCKETS
from simulators.pacing import run_paced
from simulators.t24_xml import layout
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
    T24_TABLES,
    TABLES,
    Row,
    Table,
)

AS_OF = date(2026, 11, 29)
TS = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
# Primary keys (and other unique keys) as column positions of each table's rows.
UNIQUE_KEYS: dict[Table, list[tuple[int, ...]]] = {
    CUSTOMER: [(0,)],
    ARRANGEMENT: [(0,)],
    BILL: [(0,)],
    COLLATERAL: [(0,)],
    CARD_CONTRACT: [(0,)],
    CLIENT_CONTACT: [(0,), (1, 2)],
    APPLICATION: [(0,)],
    REFERENCE: [(0,), (2, 3)],
    LOAN_COLLATERAL: [(0, 1)],
}


@cache
def rows_of(customers: int, seed: int = 7, start: int = 0, chunk: int = 1000) -> Rows:
    """The generated rows per table (cached: treat as read-only)."""
    merged: Rows = {t: [] for t in TABLES}
    for batch in generate(customers, seed, start=start, as_of=AS_OF, chunk=chunk):
        for table, rows in batch.rows.items():
            merged[table].extend(rows)
    return merged


@pytest.fixture(scope="module")
def bank() -> Rows:
    return rows_of(1000)


@pytest.fixture(scope="module")
def maps() -> FieldMaps:
    return load_field_maps_file()


@pytest.fixture(scope="module")
def entities(bank: Rows, maps: FieldMaps) -> dict[Table, list[object]]:
    """What the CRM makes of every generated T24 record."""
    return {t: list(_entities(maps, t, bank[t])) for t in T24_TABLES}


def test_same_seed_same_rows_whatever_the_chunking() -> None:
    assert rows_of(150, chunk=1000) == rows_of(150, chunk=7)
    assert rows_of(150) != rows_of(150, seed=8)


def test_batches_cover_the_range_in_chunks() -> None:
    batches = list(generate(25, 1, start=10, as_of=AS_OF, chunk=10))
    assert [(b.first, b.customers) for b in batches] == [(10, 10), (20, 10), (30, 5)]
    assert [r[0] for b in batches for r in b.rows[CUSTOMER]] == [keys.cif(n) for n in range(10, 35)]


@pytest.mark.parametrize("table", TABLES, ids=str)
def test_keys_are_unique_per_table(bank: Rows, table: Table) -> None:
    for columns in UNIQUE_KEYS[table]:
        values = [tuple(row[c] for c in columns) for row in bank[table]]
        assert bank[table], f"{table} got no rows"
        assert len(values) == len(set(values)), f"{table} repeats {columns}"


@pytest.mark.parametrize("table", TABLES, ids=str)
def test_populations_with_other_starts_never_collide(table: Table) -> None:
    first, second = rows_of(300, start=0), rows_of(300, start=300, seed=99)
    for columns in UNIQUE_KEYS[table]:
        a = {tuple(r[c] for c in columns) for r in first[table]}
        b = {tuple(r[c] for c in columns) for r in second[table]}
        assert not a & b


@pytest.mark.parametrize("table", TABLES, ids=str)
def test_a_customer_range_is_a_key_range_in_every_table(table: Table) -> None:
    scope = keys.IndexRange(40, 60)
    low, high = table.bounds(scope)
    rows = rows_of(100)[table]
    key = table.columns.index(table.key)
    inside = {r[key] for r in rows if low <= r[key] < high}
    assert inside == {r[key] for r in rows_of(20, start=40)[table]}


@pytest.mark.parametrize("ignore_dash", [False, True], ids=["C collation", "locale collation"])
def test_bill_range_holds_one_accounts_bills(bank: Rows, ignore_dash: bool) -> None:
    # Locale collations (en_US and the like) skip "-" when comparing; the C collation does not.
    def order(key: str) -> str:
        return key.replace("-", "") if ignore_dash else key

    recids = [r[0] for r in bank[BILL]] + [r[0] for r in bank[ARRANGEMENT]]
    for account, _xml in bank[ARRANGEMENT][:300]:
        bounds = keys.bill_range(account)
        assert bounds is not None
        inside = {r for r in recids if order(bounds[0]) <= order(r) < order(bounds[1])}
        assert inside == {account} | {r for r in recids if r.startswith(f"{account}-")}
    assert keys.bill_range("AA00000000599") == ("AA00000000599", "AA00000000600")
    assert keys.bill_range("AA24001ABC12") is None


def test_the_churn_range_is_refused() -> None:
    with pytest.raises(ValueError, match="below"):
        generate(10, 1, start=keys.CHURN_FIRST_INDEX - 5)


def _entities(maps: FieldMaps, table: Table, rows: list[Row]) -> Iterator[object]:
    for recid, xml in rows:
        yield from transform(table.name, parse_record(recid, xml), maps, TS)


@pytest.mark.parametrize("table", T24_TABLES, ids=str)
def test_every_t24_record_passes_the_crm_transform(
    bank: Rows, maps: FieldMaps, table: Table
) -> None:
    assert len(bank[table]) >= 200, "a few hundred records of every table"
    made = list(_entities(maps, table, bank[table]))
    expected = {
        CUSTOMER: Customer,
        ARRANGEMENT: Loan,
        BILL: DueSegmentation,
        COLLATERAL: Collateral,
    }
    assert sum(isinstance(e, expected[table]) for e in made) == len(bank[table])


def test_loans_are_consistent_with_their_bills(entities: dict[Table, list[object]]) -> None:
    loans = [e for e in entities[ARRANGEMENT] if isinstance(e, Loan)]
    bills: dict[str, list[DueSegmentation]] = defaultdict(list)
    for bill in entities[BILL]:
        assert isinstance(bill, DueSegmentation)
        bills[bill.account_number].append(bill)
    for loan in loans:
        mine = bills.get(loan.account_number, [])
        assert 0 <= loan.due_amount <= loan.outstanding <= loan.original_amount
        assert loan.due_amount == sum(b.principal + b.interest + b.fees + b.penalty for b in mine)
        assert (loan.dpd > 0) == bool(mine)
        if mine:
            assert loan.dpd == (AS_OF - min(b.due_date for b in mine)).days
        if loan.status == "CLOSED":
            assert loan.close_date is not None and loan.outstanding == 0
        assert loan.currency in ("VND", "USD")
        if loan.currency == "VND":
            assert loan.original_amount == loan.original_amount.to_integral_value()
    assert set(bills) <= {loan.account_number for loan in loans}


def test_dpd_distribution_is_mostly_current(
    bank: Rows, entities: dict[Table, list[object]]
) -> None:
    weights = [w for w, _, _ in DPD_BUCKETS]
    assert weights == sorted(weights, reverse=True), "shares fall with every bucket"
    loans = [e for e in entities[ARRANGEMENT] if isinstance(e, Loan)]
    assert 1.5 <= len(loans) / len(bank[CUSTOMER]) <= 2.5, "about two loans per customer"
    for weight, low, high in DPD_BUCKETS:
        share = sum(low <= loan.dpd <= high for loan in loans) / len(loans)
        # Closed loans count as current; delinquent bounds shift a little to the 28th.
        assert abs(share * 100 - weight) < 3 + (5 if low == 0 else 0), (low, high, share)
    assert sum(loan.dpd == 0 for loan in loans) / len(loans) > 0.7


def test_customers_look_vietnamese(entities: dict[Table, list[object]]) -> None:
    customers = [e for e in entities[CUSTOMER] if isinstance(e, Customer)]
    people = [c for c in customers if c.customer_type == "INDIVIDUAL"]
    companies = [c for c in customers if c.customer_type == "ORGANIZATION"]
    assert 0.02 < len(companies) / len(customers) < 0.08
    assert all(c.name.startswith(("Công ty", "Doanh nghiệp")) for c in companies)
    surnames = {s for s, _ in names.SURNAMES}
    assert all(p.name.split()[0] in surnames for p in people)
    non_ascii = [p for p in people if any(ord(ch) > 127 for ch in p.name)]
    assert len(non_ascii) / len(people) > 0.9, "names keep their diacritics"
    assert unicodedata.is_normalized("NFC", "".join(p.name for p in people))
    assert all(p.national_id and len(p.national_id) == 12 for p in people)
    assert all(p.short_name and p.short_name.isascii() for p in people)
    assert Counter(c.status for c in customers).most_common(1)[0][0] == "ACTIVE"


def test_phones_are_vietnamese_numbers(bank: Rows, entities: dict[Table, list[object]]) -> None:
    phones = [e for e in entities[CUSTOMER] if isinstance(e, Phone)]
    mobiles = [p.number for p in phones if p.type == "MOBILE1"]
    assert len(mobiles) == len(bank[CUSTOMER])
    for number in mobiles:
        local = "0" + number[3:] if number.startswith("+84") else number
        assert len(local) == 10 and local[:2] in ("03", "05", "07", "08", "09"), number
    assert any(n.startswith("+84") for n in mobiles)
    # The card system's contact types are its own: one (cif, type) never has two sources.
    assert {p.type for p in phones}.isdisjoint(CONTACT_TYPES)


def test_card_contracts_and_contacts(bank: Rows) -> None:
    cards = bank[CARD_CONTRACT]
    assert 0.25 < len(cards) / len(bank[CUSTOMER]) < 0.35
    cifs = {r[0] for r in bank[CUSTOMER]}
    for card in cards:
        limit, outstanding, total_due, min_pay = card[4:8]
        assert card[1] in cifs
        assert 0 <= min_pay <= total_due <= outstanding <= limit
        assert card[10] in ("ACTIVE", "BLOCKED", "CLOSED")
    holders = {r[1] for r in cards}
    contacts = bank[CLIENT_CONTACT]
    assert {r[2] for r in contacts} <= set(CONTACT_TYPES) and "MOBILE1" not in CONTACT_TYPES
    assert {r[1] for r in contacts} <= holders
    per_client = Counter(r[1] for r in contacts)
    assert max(per_client.values()) <= 2


def test_los_rows_link_to_t24(bank: Rows) -> None:
    accounts = {r[0] for r in bank[ARRANGEMENT]}
    collaterals = {r[0] for r in bank[COLLATERAL]}
    assert {(r[0], r[1]) for r in bank[LOAN_COLLATERAL]} <= {
        (a, c) for a in accounts for c in collaterals if a[2:] == c[3:]
    }
    assert len(bank[LOAN_COLLATERAL]) == len(collaterals)
    disbursed = [r for r in bank[APPLICATION] if r[4] == "DISBURSED"]
    rejected = [r for r in bank[APPLICATION] if r[4] == "REJECTED"]
    assert {r[5] for r in disbursed} == accounts
    assert rejected and all(r[5] is None for r in rejected)
    references = bank[REFERENCE]
    assert 0.25 < len({r[2] for r in references}) / len(bank[CUSTOMER]) < 0.35
    assert all(r[3] not in accounts and r[3].startswith("REF") for r in references)


def test_update_rewrites_fields_and_keeps_the_rest() -> None:
    loans = layout(ARRANGEMENT.name)
    xml = loans.render("AA1", {"cif": "CIF1", "dpd": 5, "status": "OPEN", "product_type": "A&B"})
    assert "<c2>A&amp;B</c2>" in xml
    changed = loans.update("AA1", xml, {"dpd": 0, "close_date": AS_OF, "status": None})
    assert loans.read("AA1", changed) == {
        "cif": "CIF1",
        "product_type": "A&B",
        "dpd": "0",
        "close_date": "20261129",
    }


def _apply(xml: str, bills: dict[date, str], account: str, state_change: object) -> str:
    from simulators.changes import LoanChange

    assert isinstance(state_change, LoanChange)
    for due in state_change.remove:
        del bills[due]
    for bill in state_change.add:
        recid = keys.bill(account, bill.due_date)
        assert bill.due_date not in bills
        bills[bill.due_date] = layout(BILL.name).render(recid, bill.fields(account))
    return layout(ARRANGEMENT.name).update(account, xml, state_change.fields)


def _state(account: str, xml: str, bills: dict[date, str]) -> LoanState:
    parsed = [read_bill(layout(BILL.name).read(keys.bill(account, d), x)) for d, x in bills.items()]
    return loan_state(layout(ARRANGEMENT.name).read(account, xml), parsed)


def test_loan_changes_keep_every_invariant(bank: Rows, maps: FieldMaps) -> None:
    rng = Random(3)
    bills_of: dict[str, dict[date, str]] = defaultdict(dict)
    for recid, xml in bank[BILL]:
        account, day = recid.rsplit("-", 1)
        bills_of[account][datetime.strptime(day, "%Y%m%d").date()] = xml
    kinds: Counter[str] = Counter()
    for account, xml in bank[ARRANGEMENT][:300]:
        bills = bills_of[account]
        for _ in range(8):
            state = _state(account, xml, bills)
            if state.status != "OPEN":
                break
            change = next_loan(rng, state, AS_OF)
            kinds[change.kind] += 1
            xml = _apply(xml, bills, account, change)
            [loan] = transform(ARRANGEMENT.name, parse_record(account, xml), maps, TS)
            assert isinstance(loan, Loan)
            after = _state(account, xml, bills)
            assert 0 <= after.due <= after.outstanding <= after.original
            assert after.due == sum((b.total for b in after.bills), Decimal(0))
            assert (after.dpd > 0) == bool(after.bills)
            if after.bills:
                assert after.dpd == (AS_OF - after.bills[0].due_date).days
    assert {"paid", "missed", "cured", "partial", "rolled"} <= set(kinds)


def test_card_changes_keep_every_invariant(bank: Rows) -> None:
    rng = Random(5)
    kinds: Counter[str] = Counter()
    for row in bank[CARD_CONTRACT]:
        card = CardState(*row[4:11])
        if card.status == "CLOSED":
            continue
        for _ in range(10):
            kind, card = next_card(rng, card, AS_OF)
            kinds[kind] += 1
            assert 0 <= card.min_pay <= card.total_due <= card.outstanding <= card.limit
            assert card.dpd == 0 or card.due_date == date.fromordinal(AS_OF.toordinal() - card.dpd)
            assert card.status != "BLOCKED" or card.dpd > 0 or row[10] == "BLOCKED"
    assert set(kinds) == {"spent", "statement", "paid", "missed"}


def test_paced_run_keeps_the_rate() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    def step() -> str:
        now[0] += 0.001
        return "loan_update"

    done = run_paced(step, 20, duration=3, clock=lambda: now[0], sleep=sleep)
    assert 59 <= done["loan_update"] <= 61


def test_a_skipped_step_is_retried_in_its_slot_a_few_times_at_most() -> None:
    now = [0.0]
    outcomes = iter(["skipped", "skipped", "loan_update"] * 50)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    def step() -> str:
        now[0] += 0.001
        return next(outcomes, "skipped")

    done = run_paced(step, 10, duration=3, clock=lambda: now[0], sleep=sleep)
    # Every slot ends in a change: the skips do not lower the rate made.
    assert 29 <= done["loan_update"] <= 31
    # (A run that ends inside a slot has its last skips without the change.)
    assert 2 * done["loan_update"] <= done["skipped"] <= 2 * done["loan_update"] + 2

    now[0] = 0.0
    done = run_paced(lambda: "skipped", 10, duration=2, clock=lambda: now[0], sleep=sleep)
    # Nothing left to change: each slot gives up after its retries instead of spinning.
    assert 19 * 11 <= done["skipped"] <= 21 * 11


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "generate", "--customers", "0"],
        ["demo", "generate", "--customers", "5", "--start", "-1"],
        ["demo", "generate", "--customers", "5", "--start", str(keys.CHURN_FIRST_INDEX)],
        ["demo", "generate", "--customers", "5", "--as-of", "2026-13-01"],
        ["demo", "churn", "--rate", "0"],
        ["demo", "churn", "--rate", "5", "--duration", "-1"],
        ["demo", "churn", "--rate", "5", "--start", "-3"],
    ],
)
def test_bad_demo_arguments_exit_2(argv: list[str]) -> None:
    assert crm_main(argv) == 2


def test_missing_demo_arguments_exit_2() -> None:
    with pytest.raises(SystemExit) as info:
        crm_main(["demo", "churn"])
    assert info.value.code == 2


def test_key_bounds_of_the_last_range_still_contain_its_keys() -> None:
    from simulators.keys import CHURN_FIRST_INDEX, MAX_INDEX, IndexRange, cif

    low, high = IndexRange(CHURN_FIRST_INDEX, MAX_INDEX + 1).text("CIF")
    for n in (CHURN_FIRST_INDEX, CHURN_FIRST_INDEX + 1, MAX_INDEX - 1):
        assert low <= cif(n) < high
    low, high = IndexRange(5, 10).text("CIF")
    assert low <= cif(9) < high and not cif(10) < high
