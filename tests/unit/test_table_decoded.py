"""A table's decoded values are kept while nothing else changes the key."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from crm.settings import Settings
from streams.app import create_app
from tables.raw import raw_keyed_table
from tests.unit.test_tables import _Publisher


class _Decoder:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    def __call__(self, value: Any) -> tuple[str, Any]:
        self.calls.append(value)
        return ("decoded", value)


def _table(tmp_path: Path) -> Any:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    publisher = _Publisher()
    publisher.gate.set()
    app._publisher = publisher  # type: ignore[assignment]
    # Not co-partitioned: the test writes outside any message's handling.
    return raw_keyed_table(app, "decoded-test")


class _CountingStore(MutableMapping[Any, Any]):
    """A store that counts its lookups (a RocksDB read each in the real one)."""

    should_stop = False

    def __init__(self) -> None:
        self.entries: dict[Any, Any] = {}
        self.lookups = 0

    def __getitem__(self, key: Any) -> Any:
        self.lookups += 1
        return self.entries[key]

    def __contains__(self, key: object) -> bool:
        self.lookups += 1
        return key in self.entries

    def __setitem__(self, key: Any, value: Any) -> None:
        self.entries[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.entries[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


async def test_a_stored_value_is_read_from_the_store_once(tmp_path: Path) -> None:
    table = _table(tmp_path)
    store = table._data = _CountingStore()
    store.entries["LD1"] = {"n": 1}
    assert table.stored("LD1") == {"n": 1}
    assert table.stored("LD404") is None
    assert store.lookups == 2
    # What `stored` saves: the table's own get asks `in`, then reads.
    assert table.get("LD1") == {"n": 1}
    assert store.lookups == 4


async def test_a_value_is_decoded_once(tmp_path: Path) -> None:
    table, decode = _table(tmp_path), _Decoder()
    table["LD1"] = {"n": 1}
    first = table.decoded("LD1", decode)
    second = table.decoded("LD1", decode)
    assert first == ({"n": 1}, ("decoded", {"n": 1}))
    assert second[1] is first[1]
    assert decode.calls == [{"n": 1}]


async def test_a_missing_key_is_decoded_from_none(tmp_path: Path) -> None:
    table, decode = _table(tmp_path), _Decoder()
    assert table.decoded("LD404", decode) == (None, ("decoded", None))


async def test_put_decoded_writes_the_table_and_keeps_the_decoded_value(tmp_path: Path) -> None:
    table, decode = _table(tmp_path), _Decoder()
    table.put_decoded("LD1", {"n": 2}, "two")
    assert table["LD1"] == {"n": 2}
    assert table.decoded("LD1", decode) == ({"n": 2}, "two")
    assert decode.calls == []


async def test_a_plain_write_or_delete_drops_the_decoded_value(tmp_path: Path) -> None:
    table, decode = _table(tmp_path), _Decoder()
    table.put_decoded("LD1", {"n": 2}, "two")
    table["LD1"] = {"n": 1}  # e.g. the agent putting back the value PostgreSQL refused
    assert table.decoded("LD1", decode) == ({"n": 1}, ("decoded", {"n": 1}))
    del table["LD1"]
    assert table.decoded("LD1", decode) == (None, ("decoded", None))


async def test_a_rebalance_drops_every_decoded_value(tmp_path: Path) -> None:
    table, decode = _table(tmp_path), _Decoder()
    table.put_decoded("LD1", {"n": 2}, "two")
    await table.on_rebalance(set(), set(), set())
    assert table.decoded("LD1", decode) == ({"n": 2}, ("decoded", {"n": 2}))


async def test_an_applied_changelog_entry_drops_its_key(tmp_path: Path) -> None:
    table, decode = _table(tmp_path), _Decoder()
    table.put_decoded("LD1", {"n": 2}, "two")
    table.put_decoded("LD2", {"n": 3}, "three")
    # A changelog entry as recovery reads it: the raw key, the value still serialised.
    entry = SimpleNamespace(
        key=b"LD1",
        value={"n": 9},
        message=SimpleNamespace(partition=0, value=b'{"n": 9}'),
    )
    table.apply_changelog_batch([entry])
    assert decode.calls == []
    assert table.decoded("LD1", decode)[1] != "two"
    assert decode.calls != []
    assert table.decoded("LD2", decode) == ({"n": 3}, "three")
