"""A minimal Faust agent run in-process: consumed msgs/s with and without a table update."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import faust

from bench.kafka import DEADLINE_S, admin, delete_topics, fresh_topic, produce
from bench.report import Progress, Result
from crm.settings import Settings
from streams import faust_delivery


@dataclass
class _Seen:
    count: int = 0
    first: float = 0.0
    last: float = 0.0
    progress: Progress | None = None


async def _consume_with_worker(
    settings: Settings, topic_name: str, partitions: int, count: int, app_id: str, table: bool
) -> float:
    """Start a Faust worker on `topic_name`, stop it after `count` events; return msgs/s."""
    app = faust.App(
        app_id,
        broker=settings.kafka_broker_url,
        store="memory://",
        # Faust writes a data folder even with a memory store; keep it out of the work tree.
        datadir=str(settings.data_dir / "bench" / f"{app_id}-data"),
        web_enabled=False,
        topic_partitions=partitions,
        topic_replication_factor=settings.topic_replication,
        consumer_auto_offset_reset="earliest",
    )
    topic = app.topic(
        topic_name, partitions=partitions, key_serializer="raw", value_serializer="raw"
    )
    counts = app.Table("counts", default=int, partitions=partitions)
    seen = _Seen()
    done = asyncio.Event()
    label = f"faust agent ({'table' if table else 'no table'})"

    @app.agent(topic)
    async def count_loans(stream: faust.StreamT[bytes]) -> None:
        async for key, _value in stream.items():
            if table:
                # Faust tables are keyed per source partition, so no group_by is needed here.
                counts[key.decode()] += 1
            seen.count += 1
            if seen.count == 1:
                seen.first = time.perf_counter()
                # Rates count from the first event, not from worker start-up and rebalance.
                seen.progress = Progress(label, count)
            if seen.progress and (seen.count % 500 == 0 or seen.count == count):
                seen.progress.update(seen.count)
            if seen.count == count:
                seen.last = time.perf_counter()
                done.set()

    worker = faust.Worker(
        app,
        quiet=True,
        loglevel="WARNING",
        override_logging=False,
        redirect_stdouts=False,
        daemon=False,
        loop=asyncio.get_running_loop(),
    )
    # The start-up spinner writes terminal escapes into the bench's output.
    worker.spinner = None
    await worker.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=DEADLINE_S)
    finally:
        await asyncio.wait_for(worker.stop(), timeout=60)
    return (seen.count - 1) / max(seen.last - seen.first, 1e-9)


def _delete_app_topics(settings: Settings, app_id: str) -> None:
    topics = admin(settings).list_topics(timeout=30).topics
    delete_topics(settings, [name for name in topics if name.startswith(app_id)])


def agent_rates(settings: Settings, count: int) -> list[Result]:
    """Feed `count` messages with the confluent producer, then drain them with a Faust agent."""
    partitions = settings.topic_partitions
    results = []
    # Faust as released first; the CRM's delivery (streams/faust_delivery.py) last, since it
    # stays installed in this process once applied.
    for table, ours in ((False, False), (True, False), (False, True)):
        if ours:
            faust_delivery.apply()
        app_id = f"bench-faust-{uuid.uuid4().hex[:12]}"
        try:
            with fresh_topic(settings, app_id, partitions) as topic:
                produce(settings, topic, count, label="faust feed")
                msgs_per_s = asyncio.run(
                    _consume_with_worker(settings, topic, partitions, count, app_id, table)
                )
        finally:
            # Faust creates its changelog and assignor topics under the app id.
            _delete_app_topics(settings, app_id)
        name = "Faust agent + table update" if table else "Faust agent (no table)"
        if ours:
            name += ", CRM's message delivery"
        results.append(Result(name, msgs_per_s, "msgs/s", note="CPU-bound; memory:// store"))
    return results
