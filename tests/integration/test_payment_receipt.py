"""Receipts through nginx: JSON and PDF, languages, and the payments that have none."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import asyncpg
import pytest

from crm.settings import Settings

PAID_AT = datetime(2026, 11, 20, 3, 15, tzinfo=UTC)  # 10:15 in Ho Chi Minh City


async def insert_payment(db: asyncpg.Pool, ref: str, cif: str, status: str) -> None:
    await db.execute(
        "INSERT INTO payments.payment (reference_number, loan_account_number, cif, amount,"
        " currency, paid_at, channel, payer, source, kind, original_reference_number, status,"
        " content_hash, received_at, applied_at, version, reason)"
        " VALUES ($1, $2, $3, $4, 'VND', $5, 'BRANCH', 'NGUYEN VAN AN', 'MANUAL', 'PAYMENT',"
        " NULL, $6, 'h', $5, $7, 1, NULL)",
        ref,
        f"LD-{ref}",
        cif,
        Decimal("1500000.00"),
        PAID_AT,
        status,
        PAID_AT if status == "APPLIED" else None,
    )


@pytest.fixture
async def rows(system: Settings, db: asyncpg.Pool) -> AsyncIterator[dict[str, str]]:
    """An APPLIED payment with two allocation lines and its customer, a SUSPENSE one."""
    tag = uuid.uuid4().hex[:10].upper()
    made = {"applied": f"RC{tag}A", "held": f"RC{tag}S", "cif": f"CIFRC{tag}"}
    await db.execute(
        "INSERT INTO sync_entities.customer (cif, customer_type, name, name_folded, status,"
        " source_system, source_record_id, source_ts, last_synced_at)"
        " VALUES ($1, 'INDIVIDUAL', 'Nguyễn Văn An', 'nguyen van an', 'ACTIVE', 'T24', $1,"
        " now(), now())",
        made["cif"],
    )
    await insert_payment(db, made["applied"], made["cif"], "APPLIED")
    await insert_payment(db, made["held"], made["cif"], "SUSPENSE")
    await db.executemany(
        "INSERT INTO payments.payment_allocation"
        " (reference_number, line_no, component, due_date, amount) VALUES ($1, $2, $3, $4, $5)",
        [
            (made["applied"], 1, "INTEREST", date(2026, 10, 5), Decimal("300000.00")),
            (made["applied"], 2, "PRINCIPAL", date(2026, 10, 5), Decimal("1200000.00")),
        ],
    )
    try:
        yield made
    finally:
        refs = [made["applied"], made["held"]]
        await db.execute(
            "DELETE FROM payments.payment_allocation WHERE reference_number = ANY($1)", refs
        )
        await db.execute("DELETE FROM payments.payment WHERE reference_number = ANY($1)", refs)
        await db.execute("DELETE FROM sync_entities.customer WHERE cif = $1", made["cif"])


@pytest.fixture
async def http(token: str) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as s:
        yield s


async def get(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, str, Any]:
    async with http.get(url, headers=headers) as resp:
        body = await resp.read() if resp.content_type == "application/pdf" else await resp.json()
        return resp.status, resp.content_type, body


async def test_receipt_as_json_in_vietnamese_and_english(
    api: str, http: aiohttp.ClientSession, rows: dict[str, str]
) -> None:
    status, kind, body = await get(http, f"{api}/api/payments/receipt/{rows['applied']}")
    assert (status, kind) == (200, "application/json"), body
    assert body["referenceNumber"] == rows["applied"]
    assert body["customer"] == {"cif": rows["cif"], "name": "Nguyễn Văn An"}
    assert (body["amountText"], body["amountInWords"]) == (
        "1.500.000 VND",
        "Một triệu năm trăm nghìn đồng",
    )
    assert body["paidAt"] == "2026-11-20T10:15:00+07:00"
    assert [(a["component"], a["dueDate"], a["amount"]) for a in body["allocation"]] == [
        ("INTEREST", "2026-10-05", "300000.00"),
        ("PRINCIPAL", "2026-10-05", "1200000.00"),
    ]
    assert (body["status"], body["reversed"]) == ("APPLIED", False)

    status, _, english = await get(http, f"{api}/api/payments/receipt/{rows['applied']}?lang=en")
    assert status == 200
    assert (english["title"], english["amountInWords"]) == (
        "PAYMENT RECEIPT",
        "One million five hundred thousand dong",
    )


async def test_receipt_as_pdf(api: str, http: aiohttp.ClientSession, rows: dict[str, str]) -> None:
    url = f"{api}/api/payments/receipt/{rows['applied']}"
    async with http.get(url, headers={"Accept": "application/pdf"}) as resp:
        assert resp.status == 200, await resp.text()
        assert resp.content_type == "application/pdf"
        assert resp.headers["Content-Disposition"] == (
            f'inline; filename="receipt-{rows["applied"]}.pdf"'
        )
        first = await resp.read()
    assert first.startswith(b"%PDF-")
    async with http.get(url, headers={"Accept": "application/pdf"}) as resp:
        assert await resp.read() == first  # the same receipt, the same bytes


@pytest.mark.parametrize(
    ("which", "query", "status", "code", "field"),
    [
        ("applied", "?lang=fr", 400, "INVALID_LANG", "lang"),
        ("held", "", 409, "RECEIPT_NOT_AVAILABLE", None),
        ("unknown", "", 404, "PAYMENT_NOT_FOUND", "referenceNumber"),
    ],
)
async def test_receipt_problems(
    api: str,
    http: aiohttp.ClientSession,
    rows: dict[str, str],
    which: str,
    query: str,
    status: int,
    code: str,
    field: str | None,
) -> None:
    ref = rows.get(which, f"RC{uuid.uuid4().hex[:10].upper()}X")
    got, kind, body = await get(http, f"{api}/api/payments/receipt/{ref}{query}")
    assert (got, kind) == (status, "application/problem+json"), body
    assert (body["code"], body.get("field")) == (code, field)
    if which == "held":
        assert "suspense" in body["detail"]


async def test_receipt_needs_a_token(api: str, rows: dict[str, str]) -> None:
    async with (
        aiohttp.ClientSession() as anon,
        anon.get(f"{api}/api/payments/receipt/{rows['applied']}") as resp,
    ):
        assert resp.status == 401
        assert (await resp.json())["code"] == "UNAUTHORIZED"
