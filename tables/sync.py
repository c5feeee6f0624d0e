"""The sync service's RocksDB tables: which customers arrived, and what waits for one."""

from __future__ import annotations

from typing import cast

import faust
from faust.tables import Table

CUSTOMERS_TABLE = "sync-customers"
HELD_TABLE = "sync-held"


def _raw_keyed(app: faust.App, name: str) -> Table:
    """A table keyed by raw CIF, co-partitioned with sync.changes (keyed by the same CIF).

    Faust picks JSON for str keys, whose murmur2 differs from the source key's, and has
    already built the changelog topic with it: rebuild it with raw keys.
    """
    table = cast(
        "Table",
        app.Table(
            name,
            key_type=str,
            value_type=None,
            partitions=app.conf.topic_partitions,
            use_partitioner=True,
        ),
    )
    table.key_serializer = "raw"
    table.changelog_topic = table._new_changelog_topic()
    return table


def customers_seen(app: faust.App) -> Table:
    """CIF → True once the customer's record has arrived (deleted or not)."""
    return _raw_keyed(app, CUSTOMERS_TABLE)


def held_records(app: faust.App) -> Table:
    """CIF → the encoded entity changes (base64 text) waiting for that customer."""
    return _raw_keyed(app, HELD_TABLE)
