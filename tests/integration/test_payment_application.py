"""Payments applied against the core's loans: allocation, suspense, the core's own balance."""

from __future__ import annotations

import functools
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crm.settings import Settings
from domain.payments import PaymentNotification
from streams.topics import PAYMENTS_EVENTS
from tests.integration.conftest import apoll, poll
from tests.integration.feed import core_loan as loan
from tests.integration.feed import core_segment as segment
from tests.integration.feed import notification, send_all, send_core
from tests.integration.kafka_io import decode_with_repo_files, read_key
from tests.integration.workers import WorkerProcess

D = Decimal
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def worker(isolated: Settings, log_dir: Path) -> Iterator[WorkerProcess]:
    w = WorkerProcess(isolated, "payments", 5, log_dir)
    w.start()
    try:
        w.wait_healthy()
        yield w
    finally:
        w.stop()


def ledger_of(worker: WorkerProcess, account: str, token: str) -> dict[str, Any] | None:
    return worker.get_json(f"/api/payments/loan/{account}/ledger", token)


def settled(worker: WorkerProcess, account: str, token: str) -> dict[str, Any] | None:
    """The view once the core's record contains every payment (nothing pending)."""
    body = ledger_of(worker, account, token)
    return body if body is not None and not body["pendingReferences"] else None


def pay(ref: str, account: str, amount: str, **kw: Any) -> PaymentNotification:
    return replace(notification(ref, account, D(amount)), **kw)


async def row_of(db: Any, ref: str, status: str) -> Any:
    return await db.fetchrow(
        "SELECT status, version, reason, cif FROM payments.payment"
        " WHERE reference_number = $1 AND status = $2",
        ref,
        status,
    )


async def test_payment_on_a_known_loan_is_allocated_oldest_due_first(
    isolated: Settings, worker: WorkerProcess, db: Any, token: str
) -> None:
    tag = isolated.topic_prefix.strip(".")
    account = f"LD{tag}A"
    send_core(
        isolated,
        [
            loan(account, "50000000", NOW - timedelta(hours=1)),
            segment(account, date(2026, 10, 5), "50000", "300000", "1000000"),
            segment(account, date(2026, 11, 5), "0", "250000", "1000000"),
        ],
    )
    poll(
        lambda: (b := ledger_of(worker, account, token)) and len(b["openSegments"]) == 2,
        deadline_s=120,
        what="the loan and both segments in the payments view",
    )
    send_all(isolated, [pay(f"{tag}-A1", account, "1500000")])
    await apoll(lambda: row_of(db, f"{tag}-A1", "APPLIED"), deadline_s=120, what="APPLIED row")

    lines = await db.fetch(
        "SELECT component, due_date, amount FROM payments.payment_allocation"
        " WHERE reference_number = $1 ORDER BY line_no",
        f"{tag}-A1",
    )
    assert [(r["component"], r["due_date"], r["amount"]) for r in lines] == [
        ("PENALTY", date(2026, 10, 5), D("50000.00")),
        ("INTEREST", date(2026, 10, 5), D("300000.00")),
        ("PRINCIPAL", date(2026, 10, 5), D("1000000.00")),
        ("INTEREST", date(2026, 11, 5), D("150000.00")),
    ]
    view = ledger_of(worker, account, token)
    assert view is not None
    assert D(view["outstanding"]) == D("48500000")
    assert D(view["dueAmount"]) == D("1100000")
    events = read_key(
        isolated, isolated.topic(PAYMENTS_EVENTS.name), account, want=1, deadline_s=30
    )
    event = decode_with_repo_files(events[0].value())
    assert (event["eventType"], event["status"], event["cif"]) == (
        "PAYMENT_RECEIVED",
        "APPLIED",
        "CIF900000001",
    )
    assert sum(line["amount"] for line in event["allocation"]) == D("1500000")


async def test_core_balance_and_payment_count_once_in_either_order(
    isolated: Settings, worker: WorkerProcess, db: Any, token: str
) -> None:
    tag = isolated.topic_prefix.strip(".")
    before, after = f"LD{tag}B", f"LD{tag}C"
    send_core(isolated, [loan(a, "50000000", NOW - timedelta(hours=1)) for a in (before, after)])
    poll(
        lambda: all((ledger_of(worker, a, token) or {}).get("loanKnown") for a in (before, after)),
        deadline_s=120,
        what="both loans in the payments view",
    )
    paid_at = NOW - timedelta(minutes=30)
    # Payment first, then the core's record that already contains it.
    send_all(isolated, [pay(f"{tag}-B1", before, "2000000", paid_at=paid_at)])
    await apoll(lambda: row_of(db, f"{tag}-B1", "APPLIED"), deadline_s=120, what="B1 applied")
    send_core(isolated, [loan(before, "48000000", NOW - timedelta(minutes=10))])
    # The core's record first, then the payment it already contains.
    send_core(isolated, [loan(after, "48000000", NOW - timedelta(minutes=10))])
    poll(
        lambda: (ledger_of(worker, after, token) or {}).get("coreOutstanding") == "48000000.00",
        deadline_s=120,
        what="the core's new balance",
    )
    send_all(isolated, [pay(f"{tag}-C1", after, "2000000", paid_at=paid_at)])
    await apoll(lambda: row_of(db, f"{tag}-C1", "APPLIED"), deadline_s=120, what="C1 applied")

    for account in (before, after):
        view = poll(
            functools.partial(settled, worker, account, token),
            deadline_s=120,
            what=f"{account} settled",
        )
        assert D(view["outstanding"]) == D("48000000"), account
        assert view["paymentCount"] == 1


async def test_payment_for_an_unknown_loan_waits_in_suspense_until_it_arrives(
    isolated: Settings, worker: WorkerProcess, db: Any, token: str
) -> None:
    tag = isolated.topic_prefix.strip(".")
    account = f"LD{tag}S"
    send_all(isolated, [pay(f"{tag}-S1", account, "700000")])
    held: Any = await apoll(
        lambda: row_of(db, f"{tag}-S1", "SUSPENSE"), deadline_s=120, what="held"
    )
    assert held["version"] == 1
    send_core(isolated, [loan(account, "10000000", NOW - timedelta(hours=3))])
    applied: Any = await apoll(
        lambda: row_of(db, f"{tag}-S1", "APPLIED"), deadline_s=120, what="applied"
    )
    assert applied["version"] == 2 and applied["cif"] == "CIF900000001"

    async def history() -> list[str]:
        rows = await db.fetch(
            "SELECT status FROM payments.payment_history WHERE reference_number = $1 ORDER BY id",
            f"{tag}-S1",
        )
        return [r["status"] for r in rows]

    # The history line is written beside the payment row, not in its transaction: wait for it.
    async def both_lines() -> bool:
        return len(await history()) >= 2

    await apoll(both_lines, deadline_s=120, what="the APPLIED history line")
    assert await history() == ["SUSPENSE", "APPLIED"]
    view = ledger_of(worker, account, token)
    assert view is not None and D(view["outstanding"]) == D("9300000")
    assert view["suspenseCount"] == 0


async def test_thousands_of_notifications_in_suspense_for_one_loan_are_all_kept(
    isolated: Settings, worker: WorkerProcess, db: Any, token: str
) -> None:
    # About 520 bytes of ledger each: 4,000 make an entry of 2 MB, past the broker's
    # default record limit (the worker used to crash on it for good).
    tag = isolated.topic_prefix.strip(".")
    account = f"LD{tag}M"
    send_all(isolated, [pay(f"{tag}-M{i}", account, "1000") for i in range(4000)])

    async def all_held() -> bool:
        held = await db.fetchval(
            "SELECT count(*) FROM payments.payment"
            " WHERE loan_account_number = $1 AND status = 'SUSPENSE'",
            account,
        )
        return bool(held == 4000)

    await apoll(all_held, deadline_s=240, what="4,000 payments held in suspense")
    view = ledger_of(worker, account, token)
    assert view is not None and view["suspenseCount"] == 4000


async def test_payment_in_another_currency_than_the_loan_fails_with_the_reason(
    isolated: Settings, worker: WorkerProcess, db: Any, token: str
) -> None:
    tag = isolated.topic_prefix.strip(".")
    account = f"LD{tag}F"
    send_core(isolated, [loan(account, "10000000", NOW - timedelta(hours=3))])
    poll(
        lambda: (ledger_of(worker, account, token) or {}).get("loanKnown"),
        deadline_s=120,
        what="the loan in the payments view",
    )
    send_all(isolated, [pay(f"{tag}-F1", account, "25.50", currency="USD")])
    failed: Any = await apoll(
        lambda: row_of(db, f"{tag}-F1", "FAILED"), deadline_s=120, what="failed"
    )
    assert failed["reason"] == "CURRENCY_MISMATCH: the loan is in VND"
    events = read_key(
        isolated, isolated.topic(PAYMENTS_EVENTS.name), account, want=1, deadline_s=30
    )
    assert decode_with_repo_files(events[0].value())["eventType"] == "PAYMENT_FAILED"
    view = ledger_of(worker, account, token)
    assert view is not None and D(view["outstanding"]) == D("10000000")


def post_json(url: str, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


async def test_reversal_restores_the_balance_and_a_second_one_changes_nothing(
    isolated: Settings, worker: WorkerProcess, db: Any, token: str
) -> None:
    tag = isolated.topic_prefix.strip(".")
    account, ref = f"LD{tag}R", f"{tag}-R1"
    send_core(isolated, [loan(account, "10000000", NOW - timedelta(hours=3))])
    poll(
        lambda: (ledger_of(worker, account, token) or {}).get("loanKnown"),
        deadline_s=120,
        what="the loan in the payments view",
    )
    send_all(isolated, [pay(ref, account, "400000")])
    await apoll(lambda: row_of(db, ref, "APPLIED"), deadline_s=120, what="the payment applied")

    url = f"{worker.url}/api/payments/{ref}/reversal"
    status, body = post_json(url, {"reason": "customer disputed"}, token)
    assert (status, body["referenceNumber"], body["reverses"]) == (202, f"RV-{ref}", ref)
    reversed_row = await apoll(lambda: row_of(db, ref, "REVERSED"), deadline_s=120, what="REVERSED")
    assert reversed_row["version"] == 2  # type: ignore[index]
    reversal = await db.fetchrow(
        "SELECT kind, status, original_reference_number, amount FROM payments.payment"
        " WHERE reference_number = $1",
        f"RV-{ref}",
    )
    assert dict(reversal) == {
        "kind": "REVERSAL",
        "status": "APPLIED",
        "original_reference_number": ref,
        "amount": D("400000.00"),
    }
    view = ledger_of(worker, account, token)
    assert view is not None and D(view["outstanding"]) == D("10000000")

    # The same request again, and another reversal of the same payment: both change nothing.
    assert post_json(url, {"reason": "clicked twice"}, token)[0] == 202
    status, _ = post_json(url, {"reason": "again", "referenceNumber": f"{tag}-R1-B"}, token)
    assert status == 202
    events_topic = isolated.topic(PAYMENTS_EVENTS.name)
    events = read_key(isolated, events_topic, account, want=4, deadline_s=120)
    decoded = [decode_with_repo_files(e.value()) for e in events]
    reversed_events = [e for e in decoded if e["eventType"] == "PAYMENT_REVERSED"]
    assert {e["eventId"] for e in reversed_events} == {f"{ref}:reversed:2"}
    assert reversed_events[0]["reversalReferenceNumber"] == f"RV-{ref}"
    assert (
        await db.fetchval(
            "SELECT count(*) FROM payments.payment WHERE reference_number = $1", f"{tag}-R1-B"
        )
        == 0
    )
    view = ledger_of(worker, account, token)
    assert view is not None and D(view["outstanding"]) == D("10000000")

    status, problem = post_json(
        f"{worker.url}/api/payments/{tag}-NONE/reversal", {"reason": "x"}, token
    )
    assert (status, problem["code"]) == (404, "PAYMENT_NOT_FOUND")
    status, problem = post_json(url, {}, token)
    assert (status, problem["field"]) == (400, "reason")


async def test_old_suspense_is_reported(
    isolated: Settings, worker: WorkerProcess, db: Any, token: str
) -> None:
    tag = isolated.topic_prefix.strip(".")
    send_all(isolated, [pay(f"{tag}-Q1", f"LD{tag}Q", "123000")])
    await apoll(lambda: row_of(db, f"{tag}-Q1", "SUSPENSE"), deadline_s=120, what="held")
    report = worker.get_json(
        f"/api/payments/reports/suspense?olderThanMinutes=0&loanAccountNumber=LD{tag}Q", token
    )
    assert report is not None
    assert f"{tag}-Q1" in {item["referenceNumber"] for item in report["items"]}
    assert report["count"] == 1 and D(report["amountByCurrency"]["VND"]) == D("123000")
    # Held for seconds only: not in the default report (a day).
    default = worker.get_json(f"/api/payments/reports/suspense?loanAccountNumber=LD{tag}Q", token)
    assert default is not None
    assert f"{tag}-Q1" not in {item["referenceNumber"] for item in default["items"]}
