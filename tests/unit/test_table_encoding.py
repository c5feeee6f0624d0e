"""A RocksDB-backed table encodes each written value once, for its changelog and its store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import faust.utils.json
import pytest

from crm.settings import Settings
from streams.app import create_app
from streams.batching import processing
from tables.raw import raw_keyed_table
from tests.unit.test_tables import _Publisher


class _Event:
    """What the store and table ask of the message being handled: its partition, and the
    consumer generation it was fetched in (none here)."""

    def __init__(self, partition: int) -> None:
        self.message = SimpleNamespace(partition=partition, generation_id=None)


async def test_a_write_is_encoded_once_and_both_copies_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(Settings(store="rocksdb://", data_dir=tmp_path), "payments")
    publisher = _Publisher()
    publisher.gate.set()
    app._publisher = publisher  # type: ignore[assignment]
    table = raw_keyed_table(app, "encoding-test")
    encoded: list[Any] = []
    dumps = faust.utils.json.dumps

    def counting_dumps(obj: Any, *args: Any, **kwargs: Any) -> Any:
        encoded.append(obj)
        return dumps(obj, *args, **kwargs)

    monkeypatch.setattr(faust.utils.json, "dumps", counting_dumps)
    event = _Event(partition=1)
    with processing(event):
        table["CIF1"] = {"attempts": [["a1", "2026-11-30T09:00:00+07:00"]]}
        assert table.stored("CIF1") == {"attempts": [["a1", "2026-11-30T09:00:00+07:00"]]}
    await table.changelog_durable()
    await asyncio.sleep(0)

    assert len(encoded) == 1
    [batch] = publisher.sent
    [(key, value)] = [record for records in batch.values() for record in records]
    assert (key, value) == (b"CIF1", b'{"attempts":[["a1","2026-11-30T09:00:00+07:00"]]}')
