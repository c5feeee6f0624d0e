"""When accepted payments become readable, watched without loading what is measured.

Polling `GET /api/payments/:ref` for every sample until it answers 200 was most of the load
once payments fell behind: each read is authenticated and audited, and the number of
samples waiting grows with the latency, so the readers made the latency they measured (at
250 payments/s, p99 14 s with ten samples a second polled every 100 ms; 0.4 s with one).

Here one query every POLL_SECONDS asks PostgreSQL which waiting samples have their row (the
row is what the API reads), and each sample found is then read once through the API, which
is when it counts as readable. The latencies are therefore at most POLL_SECONDS coarse.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import asyncpg

from crm.settings import Settings

POLL_SECONDS = 0.05
_FOUND = "SELECT reference_number FROM payments.payment WHERE reference_number = ANY($1::text[])"


@dataclass(frozen=True)
class Visible:
    """Seconds from 202 to readable, sorted, and how many samples never became readable."""

    latencies: list[float]
    missing: int

    def quantile_ms(self, q: float) -> float:
        """A quantile in ms; samples never readable count as slower than any that were."""
        total = len(self.latencies) + self.missing
        if not total:
            return float("nan")
        index = min(total - 1, int(q * total))
        if index >= len(self.latencies):
            return float("inf")
        return self.latencies[index] * 1000


class VisibilityWatch:
    def __init__(self, pool: asyncpg.Pool, session: aiohttp.ClientSession, api: str, token: str):
        self._pool = pool
        self._session = session
        self._api = api
        self._auth = {"Authorization": f"Bearer {token}"}
        self._waiting: dict[str, float] = {}
        self._reading: set[asyncio.Task[None]] = set()
        self._latencies: list[float] = []

    def expect(self, reference: str, accepted_at: float) -> None:
        """Watch a payment the API accepted (202) at `accepted_at` (perf_counter)."""
        self._waiting[reference] = accepted_at

    async def _read(self, reference: str, accepted_at: float) -> None:
        url = f"{self._api}/api/payments/{reference}"
        while True:
            try:
                async with self._session.get(url, headers=self._auth) as resp:
                    await resp.read()
                    if resp.status == 200:
                        self._latencies.append(time.perf_counter() - accepted_at)
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass  # a dropped keep-alive connection: ask again
            await asyncio.sleep(POLL_SECONDS)

    async def poll(self) -> None:
        """Hand each waiting sample whose row exists to a single read through the API."""
        while True:
            if self._waiting:
                rows = await self._pool.fetch(_FOUND, list(self._waiting))
                for row in rows:
                    reference = row["reference_number"]
                    task = asyncio.create_task(self._read(reference, self._waiting.pop(reference)))
                    self._reading.add(task)
                    task.add_done_callback(self._reading.discard)
            await asyncio.sleep(POLL_SECONDS)

    async def settle(self, deadline_s: float) -> Visible:
        """Wait for the samples still waiting or being read, at most `deadline_s`."""
        end = time.perf_counter() + deadline_s
        while time.perf_counter() < end:
            if not (self._waiting or self._reading):
                break
            await asyncio.sleep(POLL_SECONDS)
        missing = len(self._waiting) + len(self._reading)
        for task in list(self._reading):
            task.cancel()
        return Visible(sorted(self._latencies), missing)


@contextlib.asynccontextmanager
async def watching(
    settings: Settings, session: aiohttp.ClientSession, api: str, token: str
) -> AsyncIterator[VisibilityWatch]:
    pool = await asyncpg.create_pool(settings.asyncpg_dsn(), min_size=1, max_size=1)
    watch = VisibilityWatch(pool, session, api, token)
    poller = asyncio.create_task(watch.poll())
    try:
        yield watch
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
        await pool.close()
