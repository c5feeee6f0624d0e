"""Wake a waiting request when the customer's worker has stored its decision.

POST /api/actions waits for the worker that owns the customer, which may be another process.
The worker, once an action's (or a promise's, whose id is its action's) row is committed,
sends a PostgreSQL NOTIFY naming the ids; each web worker LISTENs on one connection of its
own and wakes the matching requests.
Polling the row every few milliseconds instead was most of the worker's database traffic.
A notification can be missed (the listening connection dropped), so a waiter still looks
at the row once a second: slower then, never wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "crm_action_decided"
# NOTIFY payloads are limited to 8000 bytes: 200 UUIDs and their commas fit.
_IDS_PER_NOTIFY = 200
_FALLBACK_SECONDS = 1.0


async def announce(pool: asyncpg.Pool, action_ids: Iterable[str]) -> None:
    """Tell every listener these actions' rows are committed (call after the commit)."""
    ids = list(action_ids)
    for i in range(0, len(ids), _IDS_PER_NOTIFY):
        await pool.execute(
            "SELECT pg_notify($1, $2)", CHANNEL, ",".join(ids[i : i + _IDS_PER_NOTIFY])
        )


class DecisionWaiter:
    """One LISTEN connection per process; requests wait on futures keyed by action id."""

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]]) -> None:
        self._connect = connect
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._waiting: dict[str, list[asyncio.Future[None]]] = {}

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        for action_id in payload.split(","):
            for future in self._waiting.pop(action_id, []):
                if not future.done():
                    future.set_result(None)

    async def _listen(self) -> None:
        async with self._lock:
            if self._connection is not None and not self._connection.is_closed():
                return
            try:
                self._connection = await self._connect()
                await self._connection.add_listener(CHANNEL, self._notified)
            except (OSError, asyncpg.PostgresError) as exc:
                # Waiters fall back to looking at the row once a second.
                log.warning("cannot listen for decisions: %s", exc)
                self._connection = None

    async def wait(self, action_id: str, seconds: float, look: Callable[[], Awaitable[Any]]) -> Any:
        """`look()` once the action is announced (or each second); its first truthy answer."""
        await self._listen()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            future: asyncio.Future[None] = loop.create_future()
            # Registered before looking: an announcement in between is not lost.
            self._waiting.setdefault(action_id, []).append(future)
            try:
                found = await look()
                if found:
                    return found
                left = deadline - loop.time()
                if left <= 0:
                    return None
                # No announcement within a second: look again anyway (one may have been missed).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(future, min(left, _FALLBACK_SECONDS))
            finally:
                waiting = self._waiting.get(action_id)
                if waiting is not None and future in waiting:
                    waiting.remove(future)
                    if not waiting:
                        del self._waiting[action_id]
