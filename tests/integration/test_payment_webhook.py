"""The gateway's signed webhook through nginx: a signed notification becomes a payment; a refused
one never does, and says why."""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from crm.settings import Settings
from streams.topics import PAYMENTS_EVENTS
from tests.integration.conftest import apoll
from tests.integration.gateway import WEBHOOK, channel_secret, gateway_body, signed
from tests.integration.kafka_io import decode_with_repo_files, read_key

URL = WEBHOOK
notification = gateway_body


@pytest.fixture
def secret(system: Settings) -> str:
    return channel_secret(system)


@pytest.fixture
async def reader(token: str) -> Any:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as s:
        yield s


async def post(api: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any, Any]:
    async with aiohttp.ClientSession() as anon:
        async with anon.post(f"{api}{URL}", data=body, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None), resp.headers


async def stored(reader: aiohttp.ClientSession, api: str, ref: str) -> Any:
    async with reader.get(f"{api}/api/payments/{ref}") as resp:
        return await resp.json() if resp.status == 200 else None


async def test_signed_notification_becomes_a_payment(
    api: str, secret: str, reader: aiohttp.ClientSession, db: Any
) -> None:
    ref, account = f"GW{uuid.uuid4().hex[:12].upper()}", f"LD{uuid.uuid4().hex[:10].upper()}"
    body = json.dumps(notification(ref, account)).encode()
    for _ in range(2):  # the gateway's retry of the identical body is the same payment
        status, answer, headers = await post(api, body, signed(body, secret))
        assert status == 202, answer
        assert answer == {"referenceNumber": ref, "status": "ACCEPTED"}
        assert headers["Location"] == f"/api/payments/{ref}"

    payment = await apoll(
        lambda: stored(reader, api, ref), deadline_s=60, what="the gateway payment in PostgreSQL"
    )
    assert payment["loanAccountNumber"] == account  # type: ignore[index]
    assert Decimal(payment["amount"]) == Decimal("1750000")  # type: ignore[index]
    assert (payment["source"], payment["channel"]) == ("GATEWAY", "MOBILE")  # type: ignore[index]
    rows = await db.fetch("SELECT 1 FROM payments.payment WHERE reference_number = $1", ref)
    assert len(rows) == 1


async def test_refused_notifications_say_why_and_store_nothing(
    api: str, secret: str, reader: aiohttp.ClientSession, db: Any
) -> None:
    account = f"LD{uuid.uuid4().hex[:10].upper()}"
    refs = [f"GW{uuid.uuid4().hex[:12].upper()}" for _ in range(7)]
    body = [json.dumps(notification(ref, account)).encode() for ref in refs]
    tampered = body[2].replace(b"1750000", b"9750000")
    mismatch = json.dumps(notification(refs[4], account, channel="ATM")).encode()
    bad_amount = json.dumps(notification(refs[5], account, amount="-5")).encode()
    unsigned = {"Content-Type": "application/json", "Authorization": "Bearer not-a-signature"}
    cases = [
        (body[0], signed(body[0], "not-the-secret"), 401, "SIGNATURE_INVALID", None),
        (body[1], signed(body[1], secret, age_s=3600), 401, "TIMESTAMP_STALE", None),
        (tampered, signed(body[2], secret), 401, "SIGNATURE_INVALID", None),
        (body[3], unsigned, 401, "SIGNATURE_MISSING", None),
        (mismatch, signed(mismatch, secret), 400, "CHANNEL_MISMATCH", "channel"),
        (bad_amount, signed(bad_amount, secret), 400, "VALIDATION_ERROR", "amount"),
        (body[6], signed(body[6], secret, channel="MANUAL"), 401, "CHANNEL_UNKNOWN", None),
    ]
    for sent, headers, want_status, want_code, want_field in cases:
        status, problem, answer_headers = await post(api, sent, headers)
        assert (status, problem["code"]) == (want_status, want_code), problem
        assert problem.get("field") == want_field
        if status == 401:
            assert answer_headers["WWW-Authenticate"] == "Signature"

    # A notification accepted after the refused ones, on the same loan (same partition): once
    # it is stored, anything published before it would have been stored too.
    last = f"GW{uuid.uuid4().hex[:12].upper()}"
    ok = json.dumps(notification(last, account)).encode()
    assert (await post(api, ok, signed(ok, secret)))[0] == 202
    await apoll(lambda: stored(reader, api, last), deadline_s=60, what="the accepted payment")
    rows = await db.fetch(
        "SELECT reference_number FROM payments.payment WHERE loan_account_number = $1", account
    )
    assert [r["reference_number"] for r in rows] == [last]


async def test_a_hundred_concurrent_deliveries_are_one_payment(
    system: Settings, api: str, secret: str, reader: aiohttp.ClientSession, db: Any
) -> None:
    ref, account = f"GW{uuid.uuid4().hex[:12].upper()}", f"LD{uuid.uuid4().hex[:10].upper()}"
    body = json.dumps(notification(ref, account)).encode()
    async with aiohttp.ClientSession() as gateway:

        async def deliver() -> int:
            async with gateway.post(f"{api}{URL}", data=body, headers=signed(body, secret)) as r:
                return r.status

        statuses = await asyncio.gather(*(deliver() for _ in range(100)))
    assert statuses == [202] * 100
    await apoll(lambda: stored(reader, api, ref), deadline_s=60, what="the payment")
    # Every delivery was processed (each one re-publishes the same event): then count rows.
    topic = system.topic(PAYMENTS_EVENTS.name)
    events = read_key(system, topic, account, want=100, deadline_s=120)
    assert {decode_with_repo_files(e.value())["eventId"] for e in events} == {f"{ref}:suspense:1"}
    rows = await db.fetch("SELECT amount FROM payments.payment WHERE reference_number = $1", ref)
    assert [r["amount"] for r in rows] == [Decimal("1750000.00")]
    history = await db.fetchval(
        "SELECT count(*) FROM payments.payment_history WHERE reference_number = $1", ref
    )
    assert history == 1
