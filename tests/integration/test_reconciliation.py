"""Reconciliation through nginx against the real payments service and PostgreSQL.

Each test reconciles a day of its own (far in the future, picked at random) and uses its own
reference prefix, so other tests' payments neither show up in its report nor in its issues.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest

from crm.settings import Settings
from tests.integration.auth_client import login

HEADER = "reference_number,loan_account_number,amount,currency,booked_at\n"


@dataclass
class Day:
    day: date
    prefix: str
    zone: ZoneInfo

    def at(self, days: int, hour: int, minute: int = 0) -> datetime:
        """A moment `days` after the test's day, in the bank's local time."""
        return datetime.combine(self.day + timedelta(days=days), time(hour, minute), self.zone)

    def ref(self, name: str) -> str:
        return f"{self.prefix}{name}"


@pytest.fixture
async def day(system: Settings, db: asyncpg.Pool) -> AsyncIterator[Day]:
    picked = date(2041, 1, 1) + timedelta(days=random.randrange(20_000))
    mine = Day(picked, f"RC{uuid.uuid4().hex[:10].upper()}-", ZoneInfo(system.bank_timezone))
    yield mine
    like = f"{mine.prefix}%"
    async with db.acquire() as conn, conn.transaction():
        runs = await conn.fetch(
            "SELECT DISTINCT run_id FROM reconciliation.reconciliation_issue"
            " WHERE reference_number LIKE $1",
            like,
        )
        await conn.execute(
            "DELETE FROM reconciliation.reconciliation_issue WHERE reference_number LIKE $1", like
        )
        await conn.execute(
            "DELETE FROM reconciliation.reconciliation_run r WHERE r.id = ANY($1::bigint[])"
            " AND NOT EXISTS (SELECT 1 FROM reconciliation.reconciliation_issue i"
            " WHERE i.run_id = r.id)",
            [r["run_id"] for r in runs],
        )
        await conn.execute(
            "DELETE FROM reconciliation.bank_transaction WHERE reference_number LIKE $1", like
        )
        await conn.execute("DELETE FROM payments.payment WHERE reference_number LIKE $1", like)


async def insert_payment(
    db: asyncpg.Pool,
    reference: str,
    amount: str,
    paid_at: datetime,
    *,
    kind: str = "PAYMENT",
    status: str = "RECEIVED",
) -> None:
    await db.execute(
        "INSERT INTO payments.payment (reference_number, loan_account_number, cif, amount,"
        " currency, paid_at, channel, payer, source, kind, status, content_hash, received_at)"
        " VALUES ($1, $2, NULL, $3, 'VND', $4, 'BRANCH', NULL, 'MANUAL', $5, $6, 'h', $4)",
        reference,
        f"LD-{reference}",
        Decimal(amount),
        paid_at,
        kind,
        status,
    )


def csv_line(reference: str, amount: str, booked_at: datetime) -> str:
    return f"{reference},LD-{reference},{amount},VND,{booked_at.isoformat()}\n"


async def call(method: str, url: str, token: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    async with (
        aiohttp.ClientSession() as s,
        s.request(method, url, headers=headers, **kwargs) as resp,
    ):
        body = await resp.json(content_type=None)
        return resp.status, body


async def upload(api: str, token: str, text: str) -> tuple[int, dict[str, Any]]:
    return await call(
        "POST",
        f"{api}/api/payments/reconciliation/statements",
        token,
        data=text.encode(),
        headers={"Content-Type": "text/csv"},
    )


async def reconcile(api: str, token: str, start: date, end: date) -> tuple[int, dict[str, Any]]:
    body = {"startDate": start.isoformat(), "endDate": end.isoformat()}
    return await call("POST", f"{api}/api/payments/reconciliation", token, json=body)


def subject_of(token: str) -> str:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    subject: str = claims["sub"]
    return subject


async def all_open_issues(api: str, token: str, kind: str, prefix: str) -> list[dict[str, Any]]:
    """Walk every page of open issues of a kind; keep this test's own."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = f"kind={kind}&limit=200" + (f"&cursor={cursor}" if cursor else "")
        status, page = await call("GET", f"{api}/api/payments/reconciliation/issues?{query}", token)
        assert status == 200, page
        found += [i for i in page["items"] if i["referenceNumber"].startswith(prefix)]
        assert all(i["kind"] == kind and i["status"] == "OPEN" for i in page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            return found


async def test_reconciliation_classifies_stores_lists_and_resolves(
    api: str, token: str, db: asyncpg.Pool, day: Day
) -> None:
    d = day
    await insert_payment(db, d.ref("M1"), "1000000.00", d.at(0, 9))
    await insert_payment(db, d.ref("M2"), "2000000.00", d.at(0, 23, 50))
    await insert_payment(db, d.ref("AM"), "300000.00", d.at(0, 10))
    await insert_payment(db, d.ref("DM"), "400000.00", d.at(0, 11))
    await insert_payment(db, d.ref("MB"), "500000.00", d.at(0, 12))
    # Reversed: not paid, so the bank's line for it is missing in the CRM.
    await insert_payment(db, d.ref("RV"), "600000.00", d.at(0, 13), status="REVERSED")
    # A reversal notification is not a payment of its own.
    await insert_payment(db, d.ref("RK"), "700000.00", d.at(0, 14), kind="REVERSAL")
    # Outside the range and without a counterpart: not in this report.
    await insert_payment(db, d.ref("OUT"), "1.00", d.at(-2, 12))
    statement = HEADER + "".join(
        [
            csv_line(d.ref("M1"), "1000000.00", d.at(0, 9, 5)),
            # Booked after midnight: one day later in the bank's zone, within the tolerance.
            csv_line(d.ref("M2"), "2000000", d.at(1, 0, 30)),
            csv_line(d.ref("AM"), "290000.00", d.at(0, 10)),
            csv_line(d.ref("DM"), "400000.00", d.at(3, 9)),
            csv_line(d.ref("RV"), "600000.00", d.at(0, 13)),
            csv_line(d.ref("MC"), "800000.00", d.at(0, 15)),
        ]
    )

    status, loaded = await upload(api, token, statement)
    assert status == 201, loaded
    assert loaded["rowCount"] == 6 and loaded["storedRows"] == 6
    assert loaded["alreadyLoaded"] is False
    status, again = await upload(api, token, statement)
    assert status == 200, again
    assert again == {**loaded, "storedRows": 0, "alreadyLoaded": True}
    stored = await db.fetch(
        "SELECT reference_number, amount, statement_id FROM reconciliation.bank_transaction"
        " WHERE reference_number LIKE $1",
        f"{d.prefix}%",
    )
    assert len(stored) == 6
    assert {r["statement_id"] for r in stored} == {loaded["statementId"]}

    status, report = await reconcile(api, token, d.day, d.day)
    assert status == 200, report
    assert (report["startDate"], report["endDate"]) == (d.day.isoformat(), d.day.isoformat())
    assert report["toleranceDays"] == 1 and report["newIssues"] == 5
    totals = report["totals"]
    assert {k: v["count"] for k, v in totals.items()} == {
        "MATCHED": 2,
        "AMOUNT_MISMATCH": 1,
        "DATE_MISMATCH": 1,
        "MISSING_IN_BANK": 1,
        "MISSING_IN_CRM": 2,
    }
    expect = {
        "MATCHED": ({"VND": "3000000.00"}, {"VND": "3000000.00"}),
        "AMOUNT_MISMATCH": ({"VND": "300000.00"}, {"VND": "290000.00"}),
        "DATE_MISMATCH": ({"VND": "400000.00"}, {"VND": "400000.00"}),
        "MISSING_IN_BANK": ({"VND": "500000.00"}, {}),
        "MISSING_IN_CRM": ({}, {"VND": "1400000.00"}),
    }
    for kind, (crm, bank) in expect.items():
        assert (totals[kind]["crmAmount"], totals[kind]["bankAmount"]) == (crm, bank), kind

    issues = await db.fetch(
        "SELECT id, run_id, kind, reference_number, crm_amount, bank_amount, status"
        " FROM reconciliation.reconciliation_issue WHERE reference_number LIKE $1",
        f"{d.prefix}%",
    )
    assert sorted((r["kind"], r["reference_number"]) for r in issues) == sorted(
        [
            ("AMOUNT_MISMATCH", d.ref("AM")),
            ("DATE_MISMATCH", d.ref("DM")),
            ("MISSING_IN_BANK", d.ref("MB")),
            ("MISSING_IN_CRM", d.ref("MC")),
            ("MISSING_IN_CRM", d.ref("RV")),
        ]
    )
    assert {r["run_id"] for r in issues} == {report["runId"]}
    amounts = {r["reference_number"]: (r["crm_amount"], r["bank_amount"]) for r in issues}
    assert amounts[d.ref("AM")] == (Decimal("300000.00"), Decimal("290000.00"))
    assert amounts[d.ref("MC")] == (None, Decimal("800000.00"))
    run = await db.fetchrow(
        "SELECT start_date, started_by, finished_at >= started_at AS ordered, new_issues"
        " FROM reconciliation.reconciliation_run WHERE id = $1",
        report["runId"],
    )
    assert run is not None and run["ordered"] and run["new_issues"] == 5
    assert (run["start_date"], run["started_by"]) == (d.day, subject_of(token))

    # A later run finds the same discrepancies but opens none of them again.
    status, second = await reconcile(api, token, d.day, d.day)
    assert status == 200 and second["newIssues"] == 0 and second["totals"] == totals
    assert second["runId"] != report["runId"]
    count = await db.fetchval(
        "SELECT count(*) FROM reconciliation.reconciliation_issue WHERE reference_number LIKE $1",
        f"{d.prefix}%",
    )
    assert count == 5

    missing = await all_open_issues(api, token, "MISSING_IN_CRM", d.prefix)
    assert sorted(i["referenceNumber"] for i in missing) == [d.ref("MC"), d.ref("RV")]
    mc = next(i for i in missing if i["referenceNumber"] == d.ref("MC"))
    assert (mc["bankAmount"], mc["crmAmount"], mc["loanAccountNumber"]) == (
        "800000.00",
        None,
        f"LD-{d.ref('MC')}",
    )

    url = f"{api}/api/payments/reconciliation/issues/{mc['id']}/resolve"
    body = {"resolution": "CORRECTED_IN_CRM", "note": "Branch payment keyed late; entered."}
    status, resolved = await call("POST", url, token, json=body)
    assert status == 200, resolved
    assert resolved["status"] == "RESOLVED" and resolved["resolution"] == "CORRECTED_IN_CRM"
    assert resolved["resolvedBy"] == subject_of(token) and resolved["note"] == body["note"]
    status, twice = await call("POST", url, token, json={**body, "note": "again"})
    assert status == 409 and twice["code"] == "ISSUE_ALREADY_RESOLVED", twice
    row = await db.fetchrow(
        "SELECT status, note, resolved_by FROM reconciliation.reconciliation_issue WHERE id = $1",
        mc["id"],
    )
    assert row is not None and dict(row) == {
        "status": "RESOLVED",
        "note": body["note"],
        "resolved_by": subject_of(token),
    }
    left = await all_open_issues(api, token, "MISSING_IN_CRM", d.prefix)
    assert [i["referenceNumber"] for i in left] == [d.ref("RV")]

    status, unknown = await call(
        "POST", f"{api}/api/payments/reconciliation/issues/999999999999/resolve", token, json=body
    )
    assert status == 404 and unknown["code"] == "ISSUE_NOT_FOUND"


async def test_issue_pages_follow_each_other_by_id(
    api: str, token: str, db: asyncpg.Pool, day: Day
) -> None:
    for n in range(3):
        await insert_payment(db, day.ref(f"P{n}"), "10.00", day.at(0, 8 + n))
    status, report = await reconcile(api, token, day.day, day.day)
    assert status == 200 and report["newIssues"] == 3
    ids = [
        r["id"]
        for r in await db.fetch(
            "SELECT id FROM reconciliation.reconciliation_issue WHERE run_id = $1 ORDER BY id",
            report["runId"],
        )
    ]
    base = f"{api}/api/payments/reconciliation/issues?kind=MISSING_IN_BANK&limit=1"
    status, first = await call("GET", base, token)
    assert status == 200 and len(first["items"]) == 1 and first["nextCursor"]
    status, following = await call("GET", f"{base}&cursor={first['nextCursor']}", token)
    assert status == 200 and following["items"][0]["id"] > first["items"][0]["id"]
    # Walking every page yields this run's issues once each, in id order.
    seen: list[int] = []
    status, page = await call("GET", base.replace("limit=1", "limit=200"), token)
    while True:
        seen += [i["id"] for i in page["items"] if i["id"] in ids]
        if page["nextCursor"] is None:
            break
        status, page = await call(
            "GET", f"{base.replace('limit=1', 'limit=200')}&cursor={page['nextCursor']}", token
        )
    assert seen == ids
    status, bad = await call("GET", f"{api}/api/payments/reconciliation/issues?kind=NOPE", token)
    assert status == 400 and bad["field"] == "kind"


async def test_a_bad_statement_line_refuses_the_whole_file(
    api: str, token: str, db: asyncpg.Pool, day: Day
) -> None:
    text = HEADER + csv_line(day.ref("OK"), "10.00", day.at(0, 9))
    text += f"{day.ref('BAD')},LD1,12,5,VND,{day.at(0, 9).isoformat()}\n"
    text += f"{day.ref('BAD2')},LD1,abc,VND,{day.at(0, 9).isoformat()}\n"
    status, problem = await upload(api, token, text)
    assert status == 400, problem
    assert problem["code"] == "INVALID_STATEMENT"
    assert "line 3, line" in problem["detail"] and "line 4, amount" in problem["detail"]
    assert problem["field"] == "line"
    stored = await db.fetchval(
        "SELECT count(*) FROM reconciliation.bank_transaction WHERE reference_number LIKE $1",
        f"{day.prefix}%",
    )
    assert stored == 0
    status, wrong_type = await call(
        "POST", f"{api}/api/payments/reconciliation/statements", token, json={"x": 1}
    )
    assert status == 415, wrong_type


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"startDate": "2041-02-30", "endDate": "2041-03-01"}, "startDate"),
        ({"startDate": "2041-03-02", "endDate": "2041-03-01"}, "endDate"),
        ({"startDate": "2041-01-01", "endDate": "2041-04-04"}, "endDate"),
        ({"endDate": "2041-03-01"}, "startDate"),
    ],
)
async def test_bad_dates_name_the_field(
    api: str, token: str, body: dict[str, Any], field: str
) -> None:
    status, problem = await call("POST", f"{api}/api/payments/reconciliation", token, json=body)
    assert status == 400, problem
    assert problem["field"] == field


async def test_an_agent_may_not_reconcile(system: Settings, api: str) -> None:
    status, grant = await login(api, "agent1", "Paddy-Field-74!")
    assert status == 200, grant
    agent = grant["accessToken"]
    base = f"{api}/api/payments/reconciliation"
    for method, url, kwargs in (
        ("POST", base, {"json": {"startDate": "2041-01-01", "endDate": "2041-01-01"}}),
        ("POST", f"{base}/statements", {"data": HEADER, "headers": {"Content-Type": "text/csv"}}),
        ("GET", f"{base}/issues", {}),
        ("POST", f"{base}/issues/1/resolve", {"json": {"resolution": "OTHER", "note": "x"}}),
    ):
        status, problem = await call(method, url, agent, **kwargs)
        assert status == 403, (url, problem)
        assert problem["detail"] == "Permission payments:reconcile is required."
