"""Accumulate rows until a batch is due by size or age; de-duplicate a batch by key."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from crm.settings import Settings

Row = Mapping[str, Any]
Clock = Callable[[], float]


def dedupe_last(rows: Iterable[Row], key_columns: Sequence[str]) -> list[Row]:
    """Keep one row per key, the last one seen, in the order keys first appeared."""
    key_of = itemgetter(*key_columns)
    # Assigning an existing key keeps its slot: dict order stays first-seen.
    by_key = {key_of(row): row for row in rows}
    return list(by_key.values())


class BatchBuffer:
    """Rows waiting to be written; due when full or when the oldest row is old enough."""

    def __init__(self, max_rows: int, max_age_seconds: float, clock: Clock = time.monotonic):
        if max_rows < 1 or max_age_seconds <= 0:
            raise ValueError("max_rows must be >= 1 and max_age_seconds > 0")
        self.max_rows = max_rows
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._rows: list[Row] = []
        self._first_added_at: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> BatchBuffer:
        """Size the buffer with sink_batch_size and sink_flush_seconds."""
        return cls(settings.sink_batch_size, settings.sink_flush_seconds, clock)

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, *rows: Row) -> None:
        """Append rows; the age of the batch counts from the first row since the last drain."""
        if rows and self._first_added_at is None:
            self._first_added_at = self._clock()
        self._rows.extend(rows)

    def seconds_until_due(self) -> float | None:
        """Return how long until the batch is due by age (0 if due now), None when empty."""
        if self._first_added_at is None:
            return None
        if len(self._rows) >= self.max_rows:
            return 0.0
        age = self._clock() - self._first_added_at
        return max(0.0, self.max_age_seconds - age)

    def due(self) -> bool:
        """Tell whether the rows should be written now."""
        return self.seconds_until_due() == 0.0

    def drain(self) -> list[Row]:
        """Take every buffered row and start a new batch."""
        rows, self._rows = self._rows, []
        self._first_added_at = None
        return rows
