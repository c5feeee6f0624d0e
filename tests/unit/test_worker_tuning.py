"""What a worker sets up beside its app: batched Kafka fetches, GC settings and pause metrics."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from crm.settings import Settings
from streams import gc_pauses, gc_tuning
from streams.app import create_app


async def test_the_workers_consumer_fetches_with_the_configured_wait_and_minimum(
    tmp_path: Path,
) -> None:
    settings = Settings(
        store="memory://",
        data_dir=tmp_path,
        consumer_fetch_min_bytes=12_345,
        consumer_fetch_max_wait_ms=7,
    )
    app = create_app(settings, "payments")
    thread: Any = app.consumer._thread  # type: ignore[attr-defined]
    consumer = thread._create_worker_consumer(app.transport)
    # Faust itself would build it with a 1.5 s wait and a minimum of one byte.
    assert consumer._fetch_min_bytes == 12_345
    assert consumer._fetch_max_wait_ms == 7


def test_a_full_collection_is_counted_with_its_pause() -> None:
    gc_pauses.watch()
    gc_pauses.watch()  # once per process, however often asked
    assert gc.callbacks.count(gc_pauses._on_gc) == 1
    before = _count("2")
    gc.collect()
    assert _count("2") == before + 1


def _count(generation: str) -> float:
    for metric in gc_pauses.PAUSES.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels["generation"] == generation:
                return sample.value
    return 0.0


def test_settling_freezes_the_startup_heap_and_collects_young_objects_later() -> None:
    before = gc.get_threshold()
    try:
        gc_tuning.settle()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (gc_tuning.YOUNG_THRESHOLD, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
