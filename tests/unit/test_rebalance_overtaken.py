"""A message fetched before the worker's latest rebalance, or reached while the worker stops,
is neither handled, acked nor written to a table: it is read again, here or by the
partition's next owner."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from faust.streams import Stream

from crm.settings import Settings
from streams.app import CrmApp, create_app
from streams.batching import consume_in_batches, processing
from tables.raw import TableClosedError, raw_keyed_table
from tests.unit.test_tables import _Publisher


class _Message:
    def __init__(self, offset: int, generation_id: int | None) -> None:
        self.topic, self.partition, self.offset = "sync.changes", 0, offset
        self.generation_id = generation_id


class _Event:
    """Weak-referenceable, as Faust's current-event context needs."""

    def __init__(self, offset: int, generation_id: int | None) -> None:
        self.message = _Message(offset, generation_id)


class _Stream(Stream):
    """Hands out prepared batches and records acknowledgements; nothing of Faust's own."""

    def __init__(self, batches: list[list[_Event]]) -> None:
        self.batches = batches
        self.acked: list[int] = []

    async def noack_take(
        self, max_: int, within: timedelta | float | str
    ) -> AsyncGenerator[Sequence[Any], None]:
        for batch in self.batches:
            yield batch

    async def ack(self, event: Any) -> bool:
        self.acked.append(event.message.offset)
        return True


def _app(tmp_path: Path, generation: int) -> CrmApp:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "sync")
    app.consumer_generation_id = generation
    return app


async def test_a_batch_leaves_out_what_was_fetched_before_the_rebalance(tmp_path: Path) -> None:
    app = _app(tmp_path, generation=3)
    stream = _Stream([[_Event(10, 2), _Event(11, 2), _Event(12, 3), _Event(13, None)]])
    handled: list[int] = []

    async def handle(events: list[Any]) -> None:
        handled.extend(e.message.offset for e in events)

    await consume_in_batches(app, stream, 10, 1.0, handle)
    assert handled == [12, 13]
    assert stream.acked == [12, 13]


async def test_a_rebalance_during_the_batch_leaves_it_unacknowledged(tmp_path: Path) -> None:
    app = _app(tmp_path, generation=3)
    stream = _Stream([[_Event(20, 3), _Event(21, 3)], [_Event(22, 4)]])
    handled: list[int] = []

    async def handle(events: list[Any]) -> None:
        handled.extend(e.message.offset for e in events)
        app.consumer_generation_id = 4  # joined a new generation while the batch ran

    await consume_in_batches(app, stream, 10, 1.0, handle)
    # The first batch is read again from the committed offset; the next one counts.
    assert handled == [20, 21, 22]
    assert stream.acked == [22]


async def test_a_table_drops_writes_for_a_message_fetched_before_the_rebalance(
    tmp_path: Path,
) -> None:
    app = _app(tmp_path, generation=5)
    publisher = _Publisher()
    publisher.gate.set()
    app._publisher = publisher  # type: ignore[assignment]
    table = raw_keyed_table(app, "overtaken-test")
    with processing(_Event(1, 5)):
        table["CIF1"] = ["held"]
        table["CIF2"] = ["held"]
    await table.changelog_durable()
    assert len(publisher.sent) == 1

    with processing(_Event(2, 4)):
        table["CIF3"] = ["held"]
        table.pop("CIF1", None)
        del table["CIF2"]
        table.put_decoded("CIF4", ["held"], ("decoded",))
    await asyncio.sleep(0)
    await table.changelog_durable()
    # Nothing reached the store or the changelog: not the writes, nor the deletes.
    assert table.stored("CIF1") == ["held"] and table.stored("CIF2") == ["held"]
    assert table.stored("CIF3") is None and table.stored("CIF4") is None
    assert len(publisher.sent) == 1


async def test_a_stopping_worker_leaves_its_next_batch_unhandled(tmp_path: Path) -> None:
    app = _app(tmp_path, generation=3)
    stream = _Stream([[_Event(30, 3)]])
    handled: list[Any] = []

    async def handle(events: list[Any]) -> None:
        handled.extend(events)

    app._stopped.set()
    await consume_in_batches(app, stream, 10, 1.0, handle)
    assert handled == [] and stream.acked == []


def test_a_table_refuses_to_be_used_once_its_store_stopped(tmp_path: Path) -> None:
    # A stopped RocksDB store answers every lookup with nothing: a customer seen long ago
    # would look unknown, and what hangs off it would be held for good.
    table = raw_keyed_table(_app(tmp_path, generation=1), "closed-test")
    cast(Any, table.data)._stopped.set()
    with pytest.raises(TableClosedError):
        _ = "CIF1" in table
    with pytest.raises(TableClosedError):
        table.stored("CIF1")
    with pytest.raises(TableClosedError):
        table.get("CIF1")
    with pytest.raises(TableClosedError):
        table["CIF1"] = True
    with pytest.raises(TableClosedError):
        del table["CIF1"]
