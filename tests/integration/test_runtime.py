"""The embedded runtime brings up real PostgreSQL, Kafka, Connect with Debezium, and nginx."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import TypeVar

import psycopg
import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, ConfigResource

from crm.settings import Settings, get_settings
from runtime import connect, connectors, manager, postgres
from simulators.sources import LOS
from streams.topics import PAYMENTS_EVENTS, SYNC_ENTITY_TOPICS, partitions_of

pytestmark = pytest.mark.integration

INFRA = ("postgres", "kafka", "connect", "nginx")
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll until the probe returns a value; fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value is not None:
            return value
        time.sleep(0.5)
    pytest.fail(f"{what} within {timeout:.0f}s")


@pytest.fixture(scope="session")
def settings() -> Settings:
    s = get_settings()
    assert manager.up(s, only=["infra"]) == 0
    return s


def _states(settings: Settings) -> dict[str, tuple[int | None, str, str]]:
    return {c.name: c.state(settings) for c in manager.COMPONENTS if c.name in INFRA}


def test_status_reports_infra_healthy(settings: Settings) -> None:
    states = _states(settings)
    assert {name: state for name, (_, state, _) in states.items()} == dict.fromkeys(
        INFRA, "healthy"
    )


def test_second_up_is_quick_and_keeps_processes(settings: Settings) -> None:
    before = {name: pid for name, (pid, _, _) in _states(settings).items()}
    started = time.monotonic()
    assert manager.up(settings, only=["infra"]) == 0
    assert time.monotonic() - started < 15
    assert {name: pid for name, (pid, _, _) in _states(settings).items()} == before


def test_topics_have_policy_and_partitions(settings: Settings) -> None:
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    specs = [SYNC_ENTITY_TOPICS[0], PAYMENTS_EVENTS]
    names = [settings.topic(spec.name) for spec in specs]
    metadata = admin.list_topics(timeout=10).topics
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in names]
    configs = {r.name: f.result() for r, f in admin.describe_configs(resources).items()}
    for spec, name in zip(specs, names, strict=True):
        assert len(metadata[name].partitions) == partitions_of(spec, settings)
        assert configs[name]["cleanup.policy"].value == spec.config()["cleanup.policy"]
    assert len(metadata["connect.configs"].partitions) == 1


def test_connect_lists_debezium_plugins(settings: Settings) -> None:
    assert set(connect.REQUIRED_PLUGINS) <= connect.installed_plugins(settings)


def test_nginx_answers_health_and_problem_404(settings: Settings) -> None:
    base = f"http://127.0.0.1:{settings.nginx_port}"
    with urllib.request.urlopen(base + "/health", timeout=5) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(base + "/api/no-such-thing", timeout=5)
    assert caught.value.code == 404
    assert json.loads(caught.value.read())["code"] == "NOT_FOUND"


def test_postgres_has_wal_room_for_a_load_and_compresses_page_images(settings: Settings) -> None:
    with psycopg.connect(settings.database_url("postgresql")) as conn:
        size = conn.execute(
            "SELECT setting::bigint * 1024 * 1024 FROM pg_settings WHERE name = 'max_wal_size'"
        ).fetchone()
        compression = conn.execute("SHOW wal_compression").fetchone()
    assert size is not None and size[0] >= 4 * 1024**3
    assert compression is not None and compression[0] == "lz4"


def test_postgres_is_logical_and_not_root(settings: Settings) -> None:
    with psycopg.connect(settings.database_url("postgresql")) as conn:
        row = conn.execute("SHOW wal_level").fetchone()
    assert row is not None and row[0] == "logical"
    pid = postgres.COMPONENT.pid(settings)
    assert pid is not None
    assert os.stat(f"/proc/{pid}").st_uid != 0


def test_los_row_reaches_cdc_topic(settings: Settings) -> None:
    # `crm up` applied every connector; applying again is an idempotent update.
    assert connectors.apply_connectors(settings, ["los"]) == 0

    def running() -> bool | None:
        try:
            state, tasks = connectors.states(settings, "los")
        except urllib.error.HTTPError as exc:
            # Right after the PUT, Connect may not have published the status yet.
            if exc.code == 404:
                return None
            raise
        ok = state == "RUNNING" and bool(tasks) and all(t == "RUNNING" for t, _ in tasks)
        return True if ok else None

    eventually(running, 60, "connector los RUNNING")
    stored = json.dumps(connect.rest(settings, "GET", "/connectors/los/config"))
    password = settings.database_password()
    assert password and password not in stored, "Connect must hold a reference, not the secret"
    account, collateral = f"IT{uuid.uuid4().hex[:12]}", f"COL{uuid.uuid4().hex[:10]}"
    dsn = settings.database_url("postgresql").rsplit("/", 1)[0] + f"/{LOS.database}"
    topic = settings.topic("cdc.los.loan_collateral")
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": f"it-{account}",
            "auto.offset.reset": "latest",
        }
    )
    consumer.subscribe([topic])
    try:
        # Wait for the assignment so the insert below lands after our starting offset.
        eventually(lambda: consumer.poll(0.5) or consumer.assignment() or None, 30, "assigned")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO loan_collateral (account_number, collateral_number, cif)"
                " VALUES (%s, %s, 'CIF-IT')",
                (account, collateral),
            )

        def change() -> dict[str, object] | None:
            message = consumer.poll(1.0)
            raw = None if message is None or message.error() else message.value()
            if raw is None:
                return None
            value: dict[str, object] = json.loads(raw)
            after = value.get("after")
            return value if isinstance(after, dict) and after["account_number"] == account else None

        event = eventually(change, 60, f"the change on {topic}")
    finally:
        consumer.close()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DELETE FROM loan_collateral WHERE account_number = %s", (account,))
    assert event["op"] == "c"
    after = event["after"]
    assert isinstance(after, dict)
    assert (after["collateral_number"], after["cif"]) == (collateral, "CIF-IT")
