"""The gateway's webhook is taken by the intake process; while it is down, by the payments
worker, and nothing the gateway sends is lost either way."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from crm.settings import Settings
from runtime import manager, processes, services
from runtime.priority import priority_of
from tests.integration.conftest import apoll
from tests.integration.gateway import WEBHOOK, channel_secret, gateway_body, signed

REFUSED_METRIC = 'crm_payment_webhook_refused_total{code="SIGNATURE_INVALID"}'


def _refused_by_intake(system: Settings) -> float:
    """The intake's own count of bad signatures (its /metrics, not the payments worker's)."""
    url = f"http://127.0.0.1:{system.payments_intake_web_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as resp:
        text = resp.read().decode()
    for line in text.splitlines():
        if line.startswith(REFUSED_METRIC):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def intake_restored(system: Settings) -> Iterator[Any]:
    component = manager.BY_NAME[services.INTAKE]
    yield component
    assert manager.up(system, only=[services.INTAKE]) == 0


async def _post(api: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as anon:
        async with anon.post(f"{api}{WEBHOOK}", data=body, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)


async def _stored(api: str, token: str, ref: str) -> Any:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as s:
        async with s.get(f"{api}/api/payments/{ref}") as resp:
            return await resp.json() if resp.status == 200 else None


async def test_nginx_sends_the_webhook_to_the_intake(system: Settings, api: str) -> None:
    body = json.dumps(gateway_body(f"GW{uuid.uuid4().hex[:12].upper()}", "LD0000000001")).encode()
    headers = signed(body, "not-the-channel-secret")
    before = _refused_by_intake(system)
    status, answer = await _post(api, body, headers)
    assert status == 401, answer
    assert answer["code"] == "SIGNATURE_INVALID"
    assert _refused_by_intake(system) == before + 1


async def test_with_the_intake_down_the_payments_worker_takes_the_webhook(
    system: Settings, api: str, token: str, intake_restored: Any
) -> None:
    assert intake_restored.stop(system), "the intake was not running"
    ref = f"GW{uuid.uuid4().hex[:12].upper()}"
    account = f"LD{uuid.uuid4().hex[:10].upper()}"
    body = json.dumps(gateway_body(ref, account)).encode()
    status, answer = await _post(api, body, signed(body, channel_secret(system)))
    assert status == 202, answer
    assert answer == {"referenceNumber": ref, "status": "ACCEPTED"}
    payment: Any = await apoll(
        lambda: _stored(api, token, ref), deadline_s=60, what="the payment taken while down"
    )
    assert payment["loanAccountNumber"] == account


def test_the_intake_gets_the_cpu_before_the_workers(system: Settings) -> None:
    """On a saturated machine the gateway's requests wait for nothing the workers do."""
    intake = processes.read_pid(system, services.INTAKE)
    worker = processes.read_pid(system, "payments")
    assert intake is not None and worker is not None
    assert priority_of(intake) == system.service_nice[services.INTAKE] < 0
    assert priority_of(worker) == 0
