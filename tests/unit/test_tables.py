"""Tables keep raw natural keys so their changelog partitions match the source topic's."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from crm.settings import Settings
from streams.app import create_app
from streams.partitioner import partition_for
from streams.publish import PublishError
from tables.payments import loan_ledger


def test_ledger_changelog_uses_the_raw_account_number_as_key(tmp_path: Path) -> None:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    table = loan_ledger(app)
    key, _ = table.changelog_topic.prepare_key("LD2401234567", None)
    assert key == b"LD2401234567"
    # table_route hashes exactly these bytes: same partition as the notification's key.
    assert partition_for(key, 4) == partition_for("LD2401234567", 4)
    # Co-partitioned: Faust reads and writes a key in its message's partition only.
    assert not table.use_partitioner


def test_a_key_of_another_partition_is_refused(tmp_path: Path) -> None:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    table = loan_ledger(app)
    count = app.conf.topic_partitions
    other = (partition_for("LD2401234567", count) + 1) % count

    async def send() -> None:
        table.send_changelog(other, "LD2401234567", {"n": 1})

    with pytest.raises(ValueError, match="belongs to partition"):
        asyncio.run(send())


class _Publisher:
    """Takes what the table sends; Kafka answers when the test opens the gate."""

    def __init__(self) -> None:
        self.sent: list[dict[str, list[Any]]] = []
        self.gate = asyncio.Event()
        self.refusal: Exception | None = None

    async def send(self, batches: dict[str, list[Any]]) -> dict[str, list[Any]]:
        self.sent.append(batches)
        return batches

    async def acknowledged(self, batches: dict[str, list[Any]]) -> dict[tuple[str, int], int]:
        await self.gate.wait()
        if self.refusal is not None:
            raise self.refusal
        return {(topic, 0): len(records) - 1 for topic, records in batches.items()}


def _ledger_with_publisher(tmp_path: Path) -> tuple[Any, _Publisher]:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    publisher = _Publisher()
    app._publisher = publisher  # type: ignore[assignment]
    return loan_ledger(app), publisher


async def test_changelog_durable_waits_for_kafka_to_take_every_entry(tmp_path: Path) -> None:
    table, publisher = _ledger_with_publisher(tmp_path)
    table.send_changelog(None, "LD2401234567", {"n": 1})
    table.send_changelog(None, "LD2401234567", {"n": 2})
    waiting = asyncio.ensure_future(table.changelog_durable())
    await asyncio.sleep(0.01)
    assert not waiting.done(), "returned before Kafka acknowledged"
    publisher.gate.set()
    await asyncio.wait_for(waiting, 1)
    # One send, in write order, keyed by the raw account number.
    [batch] = publisher.sent
    [(topic, records)] = batch.items()
    assert topic == table.changelog_topic.get_topic_name()
    assert [(k, json.loads(v)["n"]) for k, v in records] == [
        (b"LD2401234567", 1),
        (b"LD2401234567", 2),
    ]
    # Entries already waited for are not waited for again.
    await asyncio.wait_for(table.changelog_durable(), 1)
    assert len(publisher.sent) == 1


async def test_an_entry_nobody_waits_for_is_sent_anyway(tmp_path: Path) -> None:
    table, publisher = _ledger_with_publisher(tmp_path)
    publisher.gate.set()
    table.send_changelog(None, "LD2401234567", {"n": 1})
    await asyncio.sleep(0.01)
    assert len(publisher.sent) == 1


async def test_changelog_durable_raises_when_kafka_refused_an_entry(tmp_path: Path) -> None:
    table, publisher = _ledger_with_publisher(tmp_path)
    publisher.refusal = PublishError("not leader")
    publisher.gate.set()
    table.send_changelog(None, "LD2401234567", {"n": 1})
    with pytest.raises(PublishError):
        await table.changelog_durable()


def test_the_changelog_partition_is_the_source_keys(tmp_path: Path) -> None:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    table = loan_ledger(app)

    async def send() -> int | None:
        return table.send_changelog(None, "LD2401234567", {"n": 1}).message.partition

    partition = asyncio.run(send())
    assert partition == partition_for("LD2401234567", app.conf.topic_partitions)
