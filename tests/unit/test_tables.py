"""Tables keep raw natural keys so their changelog partitions match the source topic's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiokafka.errors import KafkaError
from faust.types.tuples import TP, RecordMetadata

from crm.settings import Settings
from streams.app import create_app
from streams.partitioner import partition_for
from tables.payments import loan_ledger


def test_ledger_changelog_uses_the_raw_account_number_as_key(tmp_path: Path) -> None:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    table = loan_ledger(app)
    key, _ = table.changelog_topic.prepare_key("LD2401234567", None)
    assert key == b"LD2401234567"
    # table_route hashes exactly these bytes: same partition as the notification's key.
    assert partition_for(key, 4) == partition_for("LD2401234567", 4)
    assert table.use_partitioner


def _acked(offset: int) -> RecordMetadata:
    topic = "crm-payments-loan-ledger-changelog"
    return RecordMetadata(topic, 0, TP(topic, 0), offset)


async def test_changelog_durable_waits_for_kafka_to_take_every_entry(tmp_path: Path) -> None:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    table = loan_ledger(app)
    first = table.send_changelog(0, "LD2401234567", {"n": 1})
    second = table.send_changelog(0, "LD2401234567", {"n": 2})
    waiting = asyncio.ensure_future(table.changelog_durable())
    first.set_result(_acked(0))
    await asyncio.sleep(0.01)
    assert not waiting.done(), "returned with an entry not yet acknowledged"
    second.set_result(_acked(1))
    await asyncio.wait_for(waiting, 1)
    # Entries already waited for are not waited for again.
    await asyncio.wait_for(table.changelog_durable(), 1)


async def test_changelog_durable_raises_when_kafka_refused_an_entry(tmp_path: Path) -> None:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    table = loan_ledger(app)
    table.send_changelog(0, "LD2401234567", {"n": 1}).set_exception(KafkaError("not leader"))
    with pytest.raises(KafkaError):
        await table.changelog_durable()
