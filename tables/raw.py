"""Tables keyed by a raw string, co-partitioned with the topic their agent reads."""

from __future__ import annotations

from typing import cast

import faust
from faust.tables import Table


def raw_keyed_table(app: faust.App, name: str) -> Table:
    """A table whose changelog entry for key K lands in the partition the source key K does.

    Raw string keys and the producer's murmur2 partitioner put every changelog entry in the
    partition number of the message that caused it, which table_route relies on. Faust picks
    JSON for str keys ('"LD1"'), whose murmur2 differs from the source key's, and has already
    built the changelog topic with it: it is rebuilt with raw keys.
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
