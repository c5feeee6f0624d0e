"""Tables keyed by a raw string, co-partitioned with the topic their agent reads."""

from __future__ import annotations

import asyncio
from typing import Any

import faust
from faust.tables import Table
from faust.types import FutureMessage


class RawKeyedTable(Table):
    """A table that can wait until Kafka holds every changelog entry written to it.

    Faust sends changelog entries through its producer buffer in the background, and only
    a sent entry survives the worker: a restart rebuilds the table from the changelog. An
    agent that writes PostgreSQL from the table's state must first wait for the entries
    behind that state (`changelog_durable`); otherwise a crash can leave PostgreSQL ahead
    of the table, and replayed messages are then decided again against an older state.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unsent: list[FutureMessage] = []

    def send_changelog(self, *args: Any, **kwargs: Any) -> FutureMessage:
        fut: FutureMessage = super().send_changelog(*args, **kwargs)
        self._unsent.append(fut)
        return fut

    async def changelog_durable(self) -> None:
        """Return once every entry written so far is acknowledged; raise if one failed."""
        unsent, self._unsent = self._unsent, []
        if unsent:
            await asyncio.gather(*unsent)


def raw_keyed_table(app: faust.App, name: str) -> RawKeyedTable:
    """A table whose changelog entry for key K lands in the partition the source key K does.

    Raw string keys and the producer's murmur2 partitioner put every changelog entry in the
    partition number of the message that caused it, which table_route relies on. Faust picks
    JSON for str keys ('"LD1"'), whose murmur2 differs from the source key's, and has already
    built the changelog topic with it: it is rebuilt with raw keys.
    """
    table = RawKeyedTable(
        app,
        name=name,
        key_type=str,
        value_type=None,
        partitions=app.conf.topic_partitions,
        use_partitioner=True,
        beacon=app.tables.beacon,
    )
    app.tables.add(table)
    table.key_serializer = "raw"
    table.changelog_topic = table._new_changelog_topic()
    return table
