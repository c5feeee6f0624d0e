"""Python's garbage collector pauses the whole worker: each pause goes into a histogram.

A full (generation 2) collection walks every live object, and a worker holding large
caches has millions; its pause is added to every request and batch in flight, so it shows
in tail latencies and is worth watching (`crm_gc_pause_seconds`).
"""

from __future__ import annotations

import gc
import time
from typing import Any

from prometheus_client import Histogram

PAUSES = Histogram(
    "crm_gc_pause_seconds",
    "Garbage collector pauses by generation",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)

_started: list[float] = []


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started.append(time.perf_counter())
    elif _started:
        PAUSES.labels(str(info["generation"])).observe(time.perf_counter() - _started.pop())


def watch() -> None:
    """Start observing collections (once per process)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)
