"""Sync operations through nginx: ad-hoc snapshot jobs, status, orphans, stale records, replay."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from confluent_kafka import Consumer

from crm.settings import Settings
from streams.replay import replay
from tests.integration.auth_client import call, token_for
from tests.integration.conftest import apoll
from tests.integration.sources import customer_xml, execute, loan_xml, unique, upsert_t24

pytestmark = pytest.mark.integration


async def test_run_refuses_bad_input_and_callers_without_the_permission(
    api: str, token: str, system: Settings
) -> None:
    url = f"{api}/api/sync/run"
    status, body = await call("POST", url, token, json={"source": "CORE"})
    assert (status, body["code"], body["field"]) == (400, "BAD_SOURCE", "source")
    status, body = await call("POST", url, token, json={"source": "LOS", "entityType": "loan"})
    assert (status, body["code"], body["field"]) == (400, "BAD_ENTITY_TYPE", "entityType")
    assert (await call("POST", url, None, json={"source": "LOS"}))[0] == 401
    agent = (await token_for(api, system, "agent1"))["accessToken"]
    assert (await call("POST", url, agent, json={"source": "LOS"}))[0] == 403


async def test_a_job_snapshots_the_source_and_completes(
    api: str, token: str, system: Settings
) -> None:
    account = unique("AA")
    execute(
        system,
        "los",
        "INSERT INTO loan_collateral (account_number, collateral_number, cif) VALUES (%s, %s, %s)",
        account,
        unique("COL"),
        unique("CIF"),
    )
    body = {"source": "LOS", "entityType": "loan_collateral"}
    status, job = await call("POST", f"{api}/api/sync/run", token, json=body)
    assert status == 202, job
    assert (job["status"], job["sourceSystem"], job["entityType"]) == (
        "RUNNING",
        "LOS",
        "loan_collateral",
    )
    # One snapshot per source at a time.
    status, again = await call("POST", f"{api}/api/sync/run", token, json={"source": "los"})
    assert (status, again["code"]) == (409, "SYNC_JOB_RUNNING")

    async def finished() -> dict[str, Any] | None:
        status, now = await call("GET", f"{api}/api/sync/jobs/{job['id']}", token)
        assert status == 200
        return now if now["status"] != "RUNNING" and now["processed"] >= 1 else None

    done = await apoll(finished, deadline_s=180, what="the job to complete")
    assert isinstance(done, dict) and done["status"] == "COMPLETED" and done["finishedAt"]
    missing = await call("GET", f"{api}/api/sync/jobs/{uuid.uuid4()}", token)
    assert missing[0] == 404
    assert (await call("GET", f"{api}/api/sync/jobs/nope", token))[1]["field"] == "jobId"


async def test_status_shows_each_source_with_connector_and_entities(api: str, token: str) -> None:
    status, body = await call("GET", f"{api}/api/sync/status", token)
    assert status == 200, body
    sources = {s["source"]: s for s in body["sources"]}
    assert set(sources) == {"T24", "W4", "LOS"}
    for source in sources.values():
        assert source["connector"]["state"] == "RUNNING"
        assert all(t["state"] == "RUNNING" for t in source["connector"]["tasks"])
        assert all(v is None or v >= 0 for v in source["consumerLag"].values())
    assert "FBNK_CUSTOMER" in sources["T24"]["consumerLag"]
    # The WAL each source's server keeps for its connector (the operator's disk).
    for name, source in sources.items():
        slot = source["replicationSlot"]
        assert (slot["name"], slot["state"]) == (f"crm_{name.lower()}", "ACTIVE"), slot
        assert slot["retainedBytes"] >= slot["unconfirmedBytes"] >= 0, slot


async def test_orphans_and_stale_records_are_reported(
    api: str, token: str, system: Settings
) -> None:
    account, cif = unique("AA"), unique("NOCIF")
    upsert_t24(system, "FBNK_AA_ARRANGEMENT", account, loan_xml(account, cif, dpd=3))

    async def listed() -> dict[str, Any] | None:
        url = f"{api}/api/sync/orphans?olderThanMinutes=0&cif={cif}"
        status, body = await call("GET", url, token)
        assert status == 200, body
        hits = [o for o in body["items"] if o["naturalKey"] == account]
        return hits[0] if hits else None

    orphan = await apoll(listed, deadline_s=90, what="the loan reported as orphaned")
    assert isinstance(orphan, dict) and (orphan["cif"], orphan["entityType"]) == (cif, "loan")
    bad = await call("GET", f"{api}/api/sync/orphans?olderThanMinutes=soon", token)
    assert (bad[0], bad[1]["field"]) == (400, "olderThanMinutes")

    since = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    url = f"{api}/api/sync/stale?entityType=customer&limit=5"
    status, body = await call("GET", url, token, params={"since": since})
    assert status == 200 and body["total"] >= len(body["items"])
    assert all(set(i) >= {"cif", "sourceSystem", "lastSyncedAt"} for i in body["items"])
    for query, field in (
        ("entityType=pets&since=" + since, "entityType"),
        ("entityType=loan&since=yesterday", "since"),
        ("entityType=loan", "since"),
    ):
        status, body = await call("GET", f"{api}/api/sync/stale?{query}", token)
        assert (status, body["field"]) == (400, field), query


async def test_a_listing_outlived_by_its_applied_record_is_not_reported(
    api: str, token: str, system: Settings, db: asyncpg.Pool
) -> None:
    # After a rebalance a replayed batch can apply a held loan together with its customer,
    # and the first hold's listing stays behind: the record waits for nothing any more.
    cif, applied, waiting = unique("CIF"), unique("AA"), unique("AA")
    upsert_t24(system, "FBNK_CUSTOMER", cif, customer_xml(cif, "Trần Văn Đã Đến"))
    upsert_t24(system, "FBNK_AA_ARRANGEMENT", applied, loan_xml(applied, cif, dpd=5))

    async def stored() -> bool:
        return bool(
            await db.fetchval("SELECT 1 FROM sync_entities.loan WHERE account_number = $1", applied)
        )

    await apoll(stored, deadline_s=90, what="the loan stored under its customer")
    await db.executemany(
        "INSERT INTO sync_metadata.orphan (entity_type, natural_key, cif, source_system,"
        " first_seen_at) VALUES ('loan', $1, $2, 'T24', now() - interval '2 hours')",
        # `waiting` was never stored: a record whose hold is real.
        [(applied, cif), (waiting, cif)],
    )
    status, body = await call("GET", f"{api}/api/sync/orphans?olderThanMinutes=60&cif={cif}", token)
    assert status == 200, body
    assert [o["naturalKey"] for o in body["items"]] == [waiting] and body["total"] == 1


def test_replay_moves_a_group_back_to_a_time(system: Settings) -> None:
    group = f"it-replay-{uuid.uuid4().hex[:8]}"
    since = datetime.now(UTC) - timedelta(minutes=30)
    assert replay(system, group, since, ["sync.events"]) == 0
    consumer = Consumer(
        {
            "bootstrap.servers": system.kafka_bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([system.topic("sync.events")])
    try:
        deadline = time.monotonic() + 30
        message = None
        while message is None and time.monotonic() < deadline:
            got = consumer.poll(1.0)
            message = got if got is not None and got.error() is None else None
        assert message is not None, "the group reads again from the replay point"
        _, timestamp = message.timestamp()
        assert timestamp >= int(since.timestamp() * 1000)
    finally:
        consumer.close()
    assert replay(system, group, since.replace(tzinfo=None), ["sync.events"]) == 2
    assert replay(system, group, since, ["no.such.topic"]) == 2
