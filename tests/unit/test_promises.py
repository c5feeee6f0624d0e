"""Promises to pay: matched oldest first, kept when covered, broken when due and short."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.promises import (
    Book,
    Change,
    Payment,
    Promise,
    PromiseStatus,
    approve,
    due,
    make,
    next_due,
    pay,
    prune,
    reverse,
)

D = Decimal
MADE = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
DUE = date(2026, 12, 5)


def promise(pid: str, amount: str = "1000000", *, made: datetime = MADE, **kw: object) -> Promise:
    fields: dict[str, object] = {
        "promise_id": pid,
        "cif": "100234",
        "account_number": "LD1",
        "amount": D(amount),
        "currency": "VND",
        "due_date": DUE,
        "created_at": made,
        "created_by": "u-1",
        "status": PromiseStatus.PENDING,
        **kw,
    }
    return Promise(**fields)  # type: ignore[arg-type]


def payment(ref: str, amount: str, day: int = 2, currency: str = "VND") -> Payment:
    at = datetime(2026, 12, day, 2, 0, tzinfo=UTC)
    return Payment(ref, D(amount), currency, at, at.date())


def book(*promises: Promise) -> Book:
    result: Book | None = None
    for p in promises:
        result, _ = make(result, p)
    assert result is not None
    return result


def status(b: Book) -> dict[str, str]:
    return {p.promise_id: p.status.value for p in b.promises}


def test_a_payment_covering_the_promise_keeps_it() -> None:
    kept, changes = pay(book(promise("P1")), payment("FT1", "1000000"), MADE)
    assert status(kept) == {"P1": "KEPT"}
    assert [c.change for c in changes] == [Change.KEPT]


def test_payments_go_to_the_oldest_open_promise_first_and_add_up() -> None:
    b = book(promise("P1", "600000"), promise("P2", "600000", made=MADE + timedelta(hours=1)))
    b, changes = pay(b, payment("FT1", "800000"), MADE)
    # P2 changed too (part-covered) but without an event of its own.
    assert [(c.promise.promise_id, c.change) for c in changes] == [
        ("P1", Change.KEPT),
        ("P2", None),
    ]
    assert status(b) == {"P1": "KEPT", "P2": "PENDING"}
    assert b.promises[1].covered == D("200000")
    b, _ = pay(b, payment("FT2", "400000"), MADE)
    assert status(b) == {"P1": "KEPT", "P2": "KEPT"}


def test_the_same_payment_twice_counts_once() -> None:
    b, _ = pay(book(promise("P1")), payment("FT1", "600000"), MADE)
    again, changes = pay(b, payment("FT1", "600000"), MADE)
    assert again == b and changes == []


def test_payments_before_the_promise_or_after_its_day_or_in_another_currency_do_not_count() -> None:
    early = Payment("FT0", D("1000000"), "VND", MADE - timedelta(hours=1), MADE.date())
    for p in (early, payment("FT9", "1000000", day=6), payment("FTU", "1000000", currency="USD")):
        b, changes = pay(book(promise("P1")), p, MADE)
        assert status(b) == {"P1": "PENDING"} and changes == []


def test_a_short_promise_breaks_the_day_after_it_is_due() -> None:
    b, _ = pay(book(promise("P1")), payment("FT1", "999999"), MADE)
    still, none = due(b, DUE, MADE)
    assert status(still) == {"P1": "PENDING"} and none == []
    broken, changes = due(b, DUE + timedelta(days=1), MADE)
    assert status(broken) == {"P1": "BROKEN"} and [c.change for c in changes] == [Change.BROKEN]
    assert next_due(broken) is None and next_due(b) == DUE


def test_a_reversal_reopens_a_kept_promise_before_its_day_and_breaks_it_after() -> None:
    kept, _ = pay(book(promise("P1")), payment("FT1", "1000000"), MADE)
    reopened, changes = reverse(kept, "FT1", DUE, MADE)
    assert status(reopened) == {"P1": "PENDING"} and reopened.promises[0].covered == 0
    assert [c.change for c in changes] == [Change.REOPENED]
    late, changes = reverse(kept, "FT1", DUE + timedelta(days=1), MADE)
    assert status(late) == {"P1": "BROKEN"} and [c.change for c in changes] == [Change.BROKEN]
    # A reversal of a payment no promise used changes nothing.
    assert reverse(kept, "FT-OTHER", DUE, MADE) == (kept, [])


def test_approval_opens_a_promise_above_the_limit_once() -> None:
    b = book(promise("P1", status=PromiseStatus.PENDING_APPROVAL))
    b, changes = approve(b, "P1", MADE)
    assert status(b) == {"P1": "PENDING"} and [c.change for c in changes] == [Change.APPROVED]
    assert approve(b, "P1", MADE) == (b, [])


def test_a_promise_made_twice_is_one_promise() -> None:
    b = book(promise("P1"))
    again, changes = make(b, promise("P1"))
    assert again == b and changes == []


def test_versions_only_grow() -> None:
    b, _ = pay(book(promise("P1")), payment("FT1", "400000"), MADE)
    b, _ = pay(b, payment("FT2", "600000"), MADE)
    assert b.promises[0].version == 3  # made, part-covered, kept


def test_old_closed_promises_and_payments_are_forgotten() -> None:
    kept, _ = pay(book(promise("P1")), payment("FT1", "1000000"), MADE)
    assert prune(kept, MADE + timedelta(days=30)).promises != ()
    assert prune(kept, MADE + timedelta(days=90)) == Book()


def test_a_book_survives_its_table_json() -> None:
    from tables.workflow import book_from_json, book_to_json

    b, _ = pay(
        book(promise("P1"), promise("P2", made=MADE + timedelta(hours=2))),
        payment("FT1", "1500000"),
        MADE,
    )
    assert book_from_json(book_to_json(b)) == b
