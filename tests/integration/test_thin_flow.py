"""One real path through everything: HTTP → Kafka (Avro) → agent → RocksDB → sink → PostgreSQL
→ GET through nginx; and the bytes on Kafka decode with the repository's schema files alone."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from crm.settings import SERVICES, Settings
from streams.topics import PAYMENTS_EVENTS, PAYMENTS_NOTIFICATIONS
from tests.integration.conftest import apoll
from tests.integration.kafka_io import decode_with_repo_files, read_key


def payment(ref: str, account: str, amount: str = "2500000") -> dict[str, Any]:
    return {
        "referenceNumber": ref,
        "loanAccountNumber": account,
        "cif": "100234",
        "amount": amount,
        "currency": "VND",
        "paidAt": "2026-11-20T10:15:00+07:00",
        "channel": "BRANCH",
        "payer": "NGUYEN VAN A",
    }


@pytest.fixture
async def http(token: str) -> Any:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as s:
        yield s


async def get_json(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url) as resp:
        return await resp.json() if resp.status == 200 else None


async def test_manual_payment_goes_all_the_way(system: Settings, api: str, http: Any) -> None:
    ref, account = f"FT{uuid.uuid4().hex[:12].upper()}", f"LD{uuid.uuid4().hex[:10].upper()}"
    async with http.post(f"{api}/api/payments", json=payment(ref, account)) as resp:
        assert resp.status == 202, await resp.text()
        assert (await resp.json()) == {"referenceNumber": ref, "status": "ACCEPTED"}

    stored = await apoll(
        lambda: get_json(http, f"{api}/api/payments/{ref}"),
        deadline_s=60,
        what="the payment in PostgreSQL",
    )
    assert stored["loanAccountNumber"] == account  # type: ignore[index]
    assert Decimal(stored["amount"]) == Decimal("2500000")  # type: ignore[index]
    # No loan with this number came from the core: the bank holds the money in suspense.
    assert stored["status"] == "SUSPENSE"  # type: ignore[index]
    assert stored["paidAt"].startswith("2026-11-20T03:15:00")  # type: ignore[index]

    ledger = await get_json(http, f"{api}/api/payments/loan/{account}/ledger")
    assert ledger["receivedCount"] == 1
    assert Decimal(ledger["suspenseAmount"]) == Decimal("2500000")

    listed = await get_json(http, f"{api}/api/payments/loan/{account}")
    assert [p["referenceNumber"] for p in listed["items"]] == [ref]

    topic = system.topic(PAYMENTS_NOTIFICATIONS.name)
    (raw,) = read_key(system, topic, account, want=1, deadline_s=20)
    notification = decode_with_repo_files(raw.value())
    assert notification["referenceNumber"] == ref
    assert notification["amount"] == Decimal("2500000.00")

    events = read_key(system, system.topic(PAYMENTS_EVENTS.name), account, want=1, deadline_s=20)
    event = decode_with_repo_files(events[0].value())
    assert (event["eventType"], event["referenceNumber"]) == ("PAYMENT_RECEIVED", ref)


async def test_redelivery_is_one_payment_and_reuse_is_refused(
    system: Settings, api: str, http: Any, db: Any
) -> None:
    ref, account = f"FT{uuid.uuid4().hex[:12].upper()}", f"LD{uuid.uuid4().hex[:10].upper()}"
    for _ in range(3):
        async with http.post(f"{api}/api/payments", json=payment(ref, account)) as resp:
            assert resp.status == 202
    async with http.post(f"{api}/api/payments", json=payment(ref, account, "999")) as resp:
        assert resp.status == 202  # accepted for processing; the agent refuses it

    events = read_key(system, system.topic(PAYMENTS_EVENTS.name), account, want=4, deadline_s=60)
    kinds = sorted(decode_with_repo_files(e.value())["eventType"] for e in events)
    assert kinds == ["PAYMENT_FAILED", "PAYMENT_RECEIVED", "PAYMENT_RECEIVED", "PAYMENT_RECEIVED"]
    rows = await db.fetch("SELECT amount FROM payments.payment WHERE reference_number = $1", ref)
    assert [r["amount"] for r in rows] == [Decimal("2500000.00")]
    ledger = await get_json(http, f"{api}/api/payments/loan/{account}/ledger")
    assert ledger["receivedCount"] == 1


async def test_gateway_path_is_not_open_without_a_token(api: str) -> None:
    async with aiohttp.ClientSession() as anon:
        async with anon.post(f"{api}/api/payments", json=payment("FT1", "LD1")) as resp:
            assert resp.status == 401
            assert (await resp.json())["code"] == "UNAUTHORIZED"
        async with anon.get(f"{api}/api/nowhere") as resp:
            assert resp.status == 404


async def test_faust_builtin_endpoints_are_off(system: Settings, token: str) -> None:
    """Faust's /router and /table views would hand out table contents without any check."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as s:
        for service in SERVICES:
            base = f"http://127.0.0.1:{system.web_port(service)}"
            for path in ("/router/", "/table/", "/stats/", "/graph/"):
                async with s.get(base + path) as resp:
                    assert resp.status == 404, f"{service}{path} answered {resp.status}"
            async with s.get(f"{base}/ready") as resp:
                assert resp.status == 200
                assert (await resp.json())["ready"] is True
