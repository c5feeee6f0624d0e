"""A snapshot of admin-managed data as a worker reads it, reloaded every little while.

Action dictionaries, case dictionaries and others: an administrator's change reaches every
worker within `max_age_seconds`, and in between each decision reads one consistent snapshot
instead of a query per command.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SnapshotCache(Generic[T]):
    def __init__(
        self,
        load: Callable[[], Awaitable[T]],
        max_age_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._max_age = max_age_seconds
        self._clock = clock
        self._snapshot: T | None = None
        self._loaded_at = 0.0

    async def get(self) -> T:
        if self._snapshot is None or self._clock() - self._loaded_at > self._max_age:
            self._snapshot = await self._load()
            self._loaded_at = self._clock()
        return self._snapshot

    def invalidate(self) -> None:
        """Reload at the next read (this worker just changed the data)."""
        self._snapshot = None
