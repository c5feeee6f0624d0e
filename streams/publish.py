"""Publish a batch of already-encoded events and wait until the broker has all of them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from streams.app import CrmApp
from streams.metrics import PUBLISHED


async def publish_all(app: CrmApp, topic: str, records: Sequence[tuple[bytes, bytes]]) -> None:
    """Send keyed records (acks=all) and wait for every delivery before returning."""
    if not records:
        return
    pending = [
        await app.producer.send(topic, key, value, partition=None, timestamp=None, headers=None)
        for key, value in records
    ]
    await asyncio.gather(*pending)
    PUBLISHED.labels(app.service_name, topic).inc(len(records))
