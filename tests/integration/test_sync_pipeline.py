"""Source rows through Debezium and both sync stages into PostgreSQL and the entity topics."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from confluent_kafka import Producer

from crm.settings import Settings
from domain.sync_entities import Loan
from streams.avro import load_codec
from streams.sync_avro import schema_name, to_avro
from tests.integration.conftest import apoll
from tests.integration.kafka_io import read_key
from tests.integration.sources import customer_xml, execute, loan_xml, unique, upsert_t24

pytestmark = pytest.mark.integration

# Debezium snapshot + both stages; generous for a busy 2-core machine.
DEADLINE = 90.0


async def row(db: asyncpg.Pool, sql: str, *args: Any) -> asyncpg.Record | None:
    result: asyncpg.Record | None = await db.fetchrow(sql, *args)
    return result


async def test_a_loan_before_its_customer_is_held_then_released(
    system: Settings, db: asyncpg.Pool
) -> None:
    cif, account = unique("CIF"), unique("AA")
    upsert_t24(system, "FBNK_AA_ARRANGEMENT", account, loan_xml(account, cif, dpd=45))
    orphan = "SELECT * FROM sync_metadata.orphan WHERE entity_type = 'loan' AND natural_key = $1"
    await apoll(lambda: row(db, orphan, account), deadline_s=DEADLINE, what="the orphan listed")
    loan_sql = "SELECT cif, dpd FROM sync_entities.loan WHERE account_number = $1"
    assert await row(db, loan_sql, account) is None, "held, not stored, until the customer"

    upsert_t24(system, "FBNK_CUSTOMER", cif, customer_xml(cif, "Phạm Thị Chờ"))
    stored = await apoll(lambda: row(db, loan_sql, account), deadline_s=DEADLINE, what="loan")
    assert isinstance(stored, asyncpg.Record) and (stored["cif"], stored["dpd"]) == (cif, 45)

    async def unlisted() -> bool:
        return await row(db, orphan, account) is None

    await apoll(unlisted, deadline_s=30, what="the released orphan leaving the list")


async def test_a_malformed_record_is_recorded_and_the_rest_flows(
    system: Settings, db: asyncpg.Pool
) -> None:
    bad, good = unique("CIF"), unique("CIF")
    upsert_t24(system, "FBNK_CUSTOMER", bad, f'<row id="{bad}"><c1>Không đóng thẻ')
    upsert_t24(system, "FBNK_CUSTOMER", good, customer_xml(good, "Lê Văn Tốt"))
    error_sql = (
        'SELECT reason, raw_record, topic, partition, "offset" FROM sync_metadata.sync_error'
        " WHERE natural_key = $1"
    )
    error = await apoll(lambda: row(db, error_sql, bad), deadline_s=DEADLINE, what="sync_error")
    assert isinstance(error, asyncpg.Record)
    assert "well-formed" in error["reason"] and json.loads(error["raw_record"])["RECID"] == bad
    customer = "SELECT name FROM sync_entities.customer WHERE cif = $1"
    assert await apoll(lambda: row(db, customer, good), deadline_s=DEADLINE, what="good record")
    assert await row(db, customer, bad) is None
    dlq = read_key(
        system,
        system.topic("cdc.t24.FBNK_CUSTOMER.dlq"),
        f'{{"RECID":"{bad}"}}',
        want=1,
        deadline_s=30,
    )
    assert dlq, "the bad change is on the dead-letter topic with its original key"
    headers = dict(dlq[0].headers() or [])
    error_header = headers["crm-error"]
    assert isinstance(error_header, bytes) and b"well-formed" in error_header


async def test_source_delete_marks_deleted_and_tombstones_the_topic(
    system: Settings, db: asyncpg.Pool
) -> None:
    cif = unique("CIF")
    upsert_t24(
        system, "FBNK_CUSTOMER", cif, customer_xml(cif, "Võ Văn Xoá", [("0901234567", "MOBILE1")])
    )
    phone = "SELECT is_deleted FROM sync_entities.phone WHERE cif = $1 AND type = 'MOBILE1'"
    await apoll(lambda: row(db, phone, cif), deadline_s=DEADLINE, what="phone stored")
    execute(system, "t24", 'DELETE FROM "FBNK_CUSTOMER" WHERE "RECID" = %s', cif)

    async def deleted() -> bool:
        found = await row(db, phone, cif)
        return bool(found and found["is_deleted"])

    await apoll(deleted, deadline_s=DEADLINE, what="phone marked deleted")
    customer = await row(db, "SELECT is_deleted FROM sync_entities.customer WHERE cif = $1", cif)
    assert customer is not None and customer["is_deleted"], "kept for history, marked deleted"
    messages = read_key(system, system.topic("sync.customer"), cif, want=2, deadline_s=30)
    assert [m.value() is None for m in messages] == [False, True]


async def test_a_late_older_change_does_not_overwrite_a_newer_one(
    system: Settings, db: asyncpg.Pool
) -> None:
    cif, account = unique("CIF"), unique("AA")
    upsert_t24(system, "FBNK_CUSTOMER", cif, customer_xml(cif, "Đỗ Thị Muộn"))
    upsert_t24(system, "FBNK_AA_ARRANGEMENT", account, loan_xml(account, cif, dpd=30))
    loan_sql = "SELECT dpd, source_ts FROM sync_entities.loan WHERE account_number = $1"
    stored = await apoll(lambda: row(db, loan_sql, account), deadline_s=DEADLINE, what="loan")
    assert isinstance(stored, asyncpg.Record)
    # The same loan as another source would send it, committed an hour before: stage 2 must
    # keep the newer values although this change arrives last.
    late = Loan(
        source_system="W4",
        source_record_id=account,
        source_ts=stored["source_ts"] - timedelta(hours=1),
        account_number=account,
        cif=cif,
        product_type="PERSONAL_LOAN",
        currency="VND",
        original_amount=Decimal(1),
        outstanding=Decimal(1),
        due_amount=Decimal(0),
        dpd=999,
        status="OPEN",
    )
    codec = load_codec()
    producer = Producer(
        {"bootstrap.servers": system.kafka_bootstrap, "partitioner": "murmur2_random"}
    )
    producer.produce(
        system.topic("sync.changes"),
        key=cif.encode(),
        value=codec.encode(schema_name(late), to_avro(late)),
    )
    assert producer.flush(10) == 0
    # A fresh change after the late one proves the late one was processed (same partition).
    upsert_t24(system, "FBNK_CUSTOMER", cif, customer_xml(cif, "Đỗ Thị Muộn Mới"))
    name_sql = "SELECT name FROM sync_entities.customer WHERE cif = $1"

    async def renamed() -> bool:
        found = await row(db, name_sql, cif)
        return bool(found and found["name"].endswith("Mới"))

    await apoll(renamed, deadline_s=DEADLINE, what="the later change applied")
    now = await row(db, loan_sql, account)
    assert now is not None and now["dpd"] == 30
    assert datetime.now(UTC) - now["source_ts"] < timedelta(minutes=10)


async def test_w4_contact_deleted_in_the_source_is_hidden(
    system: Settings, db: asyncpg.Pool
) -> None:
    cif = unique("CIF")
    contact_id = int(datetime.now(UTC).timestamp() * 1_000_000)
    upsert_t24(system, "FBNK_CUSTOMER", cif, customer_xml(cif, "Hồ Văn Thẻ"))
    execute(
        system,
        "w4",
        'INSERT INTO "CLIENT_CONTACT" ("CONTACT_ID", "CLIENT_CIF", "CONTACT_TYPE",'
        ' "CONTACT_VALUE", "IS_VERIFIED") VALUES (%s, %s, %s, %s, %s)',
        contact_id,
        cif,
        "MOBILE2",
        "0387654321",
        "Y",
    )
    phone = (
        "SELECT number, is_verified, is_deleted FROM sync_entities.phone"
        " WHERE cif = $1 AND type = 'MOBILE2'"
    )
    stored = await apoll(lambda: row(db, phone, cif), deadline_s=DEADLINE, what="W4 phone")
    assert isinstance(stored, asyncpg.Record)
    assert (stored["number"], stored["is_verified"], stored["is_deleted"]) == (
        "0387654321",
        True,
        False,
    )
    execute(system, "w4", 'DELETE FROM "CLIENT_CONTACT" WHERE "CONTACT_ID" = %s', contact_id)

    async def gone() -> bool:
        found = await row(db, phone, cif)
        return bool(found and found["is_deleted"])

    await apoll(gone, deadline_s=DEADLINE, what="W4 phone marked deleted")
