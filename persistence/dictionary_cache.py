"""The action dictionaries as a worker reads them: one snapshot, reloaded every little while.

An administrator's change reaches every worker within `max_age_seconds`; in between, each
decision reads one consistent snapshot instead of a query per action.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from domain.action_dictionary import Dictionaries

Loader = Callable[[], Awaitable[Dictionaries]]


class DictionaryCache:
    def __init__(
        self,
        load: Loader,
        max_age_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._max_age = max_age_seconds
        self._clock = clock
        self._snapshot: Dictionaries | None = None
        self._loaded_at = 0.0

    async def get(self) -> Dictionaries:
        if self._snapshot is None or self._clock() - self._loaded_at > self._max_age:
            self._snapshot = await self._load()
            self._loaded_at = self._clock()
        return self._snapshot

    def invalidate(self) -> None:
        """Reload at the next read (this worker just changed the dictionaries)."""
        self._snapshot = None
