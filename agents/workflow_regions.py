"""Customers' regions, for strategy segments: the core's addresses from sync.address.

The workflow service keeps its own small copy (workflow.customer_address: CIF, address type,
province, primary flag) rather than reading the sync service's tables. The strategy takes the
province of the customer's primary address, or of any address when none is primary.
A record from the source that is older than the one stored does not overwrite it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import faust
from faust.types import EventT

from domain.sync_entities import Address
from persistence.models.strategy import CustomerAddress
from persistence.sink import PostgresSink
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import consume_in_batches, processing
from streams.core_loans import sync_entity
from streams.dlq import BadMessage, dead_letter
from streams.topics import SYNC_ADDRESS


def address_row(key: bytes | None, value: bytes | None, decode: Any) -> dict[str, Any]:
    """The stored row for one sync.address record (a tombstone clears the region)."""
    if not key:
        raise BadMessage("a sync.address record has no key")
    cif, _, address_type = bytes(key).decode().partition("|")
    if not cif or not address_type:
        raise BadMessage("a sync.address key is not cif|type")
    if value is None:
        return {
            "cif": cif,
            "address_type": address_type,
            "region": None,
            "is_primary": False,
            "source_ts": datetime.now(UTC),
        }
    address = decode(value)
    if not isinstance(address, Address) or (address.cif, address.type) != (cif, address_type):
        raise BadMessage(f"sync.address record is not address {cif}|{address_type}")
    return {
        "cif": cif,
        "address_type": address_type,
        "region": None if address.is_deleted else (address.city or address.state),
        "is_primary": address.is_primary and not address.is_deleted,
        "source_ts": address.source_ts,
    }


def follow_addresses(app: CrmApp) -> None:
    codec = codec_for(app.settings)
    sink: list[PostgresSink] = []

    def decode(value: bytes) -> Any:
        return sync_entity(codec, value, "sync.address")

    async def write(batch: list[EventT]) -> None:
        rows = []
        for event in batch:
            with processing(event):
                try:
                    rows.append(address_row(event.message.key, event.message.value, decode))
                except BadMessage as exc:
                    await dead_letter(app, event.message, exc)
        if not rows:
            return
        if not sink:
            sink.append(
                await app.sink(
                    CustomerAddress.__table__, ["cif", "address_type"], version_column="source_ts"
                )
            )
        await sink[0].write(rows)

    @app.agent(app.raw_topic(SYNC_ADDRESS), name="workflow.customer-addresses")
    async def customer_addresses(stream: faust.StreamT) -> None:
        await consume_in_batches(
            app, stream, app.settings.sink_batch_size, app.settings.sink_flush_seconds, write
        )
