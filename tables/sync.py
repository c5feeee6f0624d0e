"""The sync service's RocksDB tables: which customers arrived, and what waits for one."""

from __future__ import annotations

import faust

from tables.raw import RawKeyedTable, raw_keyed_table

CUSTOMERS_TABLE = "sync-customers"
HELD_TABLE = "sync-held"


def customers_seen(app: faust.App) -> RawKeyedTable:
    """CIF → True once the customer's record has arrived (deleted or not)."""
    return raw_keyed_table(app, CUSTOMERS_TABLE)


def held_records(app: faust.App) -> RawKeyedTable:
    """CIF → the encoded entity changes (base64 text) waiting for that customer."""
    return raw_keyed_table(app, HELD_TABLE)
