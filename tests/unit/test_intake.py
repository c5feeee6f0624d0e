"""The webhook intake process: the gateway's route, health and metrics, and nothing else."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm.settings import Settings
from security.webhook_signature import sign
from streams import publish
from streams.avro import codec_for
from streams.intake import intake_application, intake_publisher
from streams.topics import PAYMENTS_NOTIFICATIONS


class _Publisher:
    """Stands in for librdkafka: keeps what would have gone to Kafka."""

    def __init__(self) -> None:
        self.published: list[tuple[str, list[Any]]] = []
        self.connected = False
        self.closed = False

    def connect(self) -> None:
        self.connected = True

    def close(self) -> None:
        self.closed = True

    async def publish(self, topic: str, records: list[Any]) -> None:
        self.published.append((topic, records))


@pytest.fixture
def publisher() -> _Publisher:
    return _Publisher()


@pytest.fixture
async def client(tmp_path: Path, publisher: _Publisher) -> AsyncIterator[TestClient]:
    settings = Settings(store="memory://", data_dir=tmp_path)
    app = intake_application(settings, publisher)  # type: ignore[arg-type]
    async with TestClient(TestServer(app)) as c:
        yield c


async def test_the_producer_connects_at_start_and_closes_at_the_end(
    tmp_path: Path, publisher: _Publisher
) -> None:
    app = intake_application(Settings(store="memory://", data_dir=tmp_path), publisher)  # type: ignore[arg-type]
    async with TestClient(TestServer(app)):
        assert publisher.connected
        assert not publisher.closed
    assert publisher.closed


async def test_health_names_the_intake(client: TestClient) -> None:
    resp = await client.get("/health")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "service": "payments-intake"}


async def test_metrics_are_prometheus_text(client: TestClient) -> None:
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert "crm_payment_webhook_refused_total" in await resp.text()


async def test_an_unsigned_notification_is_a_401_problem_and_nothing_is_published(
    client: TestClient, publisher: _Publisher
) -> None:
    resp = await client.post("/api/payments/notification", data=b"{}")
    assert resp.status == 401
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert (await resp.json())["code"] == "SIGNATURE_MISSING"
    assert publisher.published == []


async def test_only_the_webhook_is_served(client: TestClient) -> None:
    resp = await client.get("/api/payments/PAY-1")
    assert resp.status == 404
    assert resp.headers["Content-Type"].startswith("application/problem+json")


async def test_a_signed_notification_is_published_keyed_by_its_loan(
    tmp_path: Path, publisher: _Publisher
) -> None:
    settings = Settings(store="memory://", data_dir=tmp_path)
    settings.payment_webhook_secrets_path.mkdir(parents=True, exist_ok=True)
    (settings.payment_webhook_secrets_path / "MOBILE").write_text("intake-test-secret\n")
    body = json.dumps(
        {
            "referenceNumber": "GW-INTAKE-1",
            "loanAccountNumber": "LD2401234567",
            "amount": "150000",
            "currency": "VND",
            "paidAt": "2026-11-20T10:15:00+07:00",
            "channel": "MOBILE",
        }
    ).encode()
    now = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Payment-Channel": "MOBILE",
        "X-Payment-Timestamp": str(now),
        "X-Payment-Signature": sign("intake-test-secret", now, body),
    }
    app = intake_application(settings, publisher)  # type: ignore[arg-type]
    async with TestClient(TestServer(app)) as client:
        resp = await client.post("/api/payments/notification", data=body, headers=headers)
        assert resp.status == 202
        assert await resp.json() == {"referenceNumber": "GW-INTAKE-1", "status": "ACCEPTED"}
        assert resp.headers["Location"] == "/api/payments/GW-INTAKE-1"
    [(topic, [(key, value)])] = publisher.published
    assert topic == settings.topic(PAYMENTS_NOTIFICATIONS.name)
    assert key == b"LD2401234567"
    _, record = codec_for(settings).decode(value)
    assert record["referenceNumber"] == "GW-INTAKE-1"
    assert record["amount"] == Decimal("150000")


class _Producer:
    """Stands in for confluent_kafka.Producer: keeps the configuration it was made with."""

    made: list[dict[str, Any]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        _Producer.made.append(config)

    def poll(self, timeout: float) -> int:
        time.sleep(min(timeout, 0.01))
        return 0

    def flush(self, timeout: float) -> int:
        return 0


def test_the_intake_lingers_as_configured_and_other_publishers_do_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish, "Producer", _Producer)
    _Producer.made = []
    settings = Settings(store="memory://", data_dir=tmp_path, payments_intake_linger_ms=7)
    for made in (intake_publisher(settings), publish.EventPublisher(settings, "payments")):
        made.close()
    intake, other = _Producer.made
    assert (intake["linger.ms"], intake["acks"]) == (7, "all")
    assert (other["linger.ms"], other["acks"]) == (1, "all")
