"""Wake a waiting request when the customer's worker has stored its decision.

POST /api/actions waits for the worker that owns the customer, which may be another process.
The worker, once an action's (or a promise's, whose id is its action's) row is committed,
sends a PostgreSQL NOTIFY naming the ids, with what it decided where the request can answer
from that alone; each web worker LISTENs on one connection of its own and wakes the matching
requests. A worker also settles the waiters of its own process directly: with one workflow
worker, every decision is local.
Polling the row every few milliseconds instead was most of the worker's database traffic, and
reading it back, before the wait and after the announcement, was two of an action's three
round trips.
A notification can be missed (the listening connection dropped), so a waiter still looks
at the row once a second: slower then, never wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "crm_action_decided"
# NOTIFY payloads must stay under 8000 bytes.
_PAYLOAD_BYTES = 7900
_FALLBACK_SECONDS = 1.0

R = TypeVar("R")


def payloads(outcomes: Mapping[str, Any]) -> list[str]:
    """JSON objects {id: outcome or null}, each small enough for one NOTIFY."""
    chunks: list[str] = []
    entries: list[str] = []
    size = 2
    for action_id, outcome in outcomes.items():
        entry = f"{json.dumps(action_id)}:{json.dumps(outcome, separators=(',', ':'))}"
        if len(entry.encode()) + 2 > _PAYLOAD_BYTES:
            # Too long to send: the waiter reads the row instead.
            entry = f"{json.dumps(action_id)}:null"
        if entries and size + len(entry.encode()) + 1 > _PAYLOAD_BYTES:
            chunks.append("{" + ",".join(entries) + "}")
            entries, size = [], 2
        entries.append(entry)
        size += len(entry.encode()) + 1
    if entries:
        chunks.append("{" + ",".join(entries) + "}")
    return chunks


def parse_payload(payload: str) -> dict[str, Any]:
    """The outcomes a NOTIFY carries. A bare comma-separated list of ids (what workers sent
    before outcomes were) still wakes its waiters, which then look at the rows."""
    if payload.startswith("{"):
        parsed = json.loads(payload)
        return parsed if isinstance(parsed, dict) else {}
    return dict.fromkeys(payload.split(","))


async def announce(
    pool: asyncpg.Pool, action_ids: Iterable[str], outcomes: Mapping[str, Any] | None = None
) -> None:
    """Tell every listener these actions' rows are committed (call after the commit).

    `outcomes` (JSON-ready) lets a waiter answer without reading the row; ids without one
    make it look."""
    given = outcomes or {}
    for payload in payloads({i: given.get(i) for i in action_ids}):
        await pool.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)


class Expected:
    """One request's wait for one action's decision, registered before the command is sent
    so that no announcement can come in between."""

    def __init__(self, waiter: DecisionWaiter, action_id: str) -> None:
        self._waiter = waiter
        self._id = action_id
        self._future = waiter._register(action_id)

    async def outcome(
        self,
        seconds: float,
        look: Callable[[], Awaitable[R | None]],
        use: Callable[[Any], R | None],
    ) -> R | None:
        """`use(outcome)` once announced, or `look()` when that gives nothing (no outcome
        sent) and each second without an announcement; None at the deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            left = deadline - loop.time()
            if left <= 0:
                return None
            done, _ = await asyncio.wait({self._future}, timeout=min(left, _FALLBACK_SECONDS))
            if done:
                answer = use(self._future.result())
                if answer is not None:
                    return answer
                # Armed again before looking: a later announcement is not lost.
                self._future = self._waiter._register(self._id)
            found = await look()
            if found:
                return found

    def forget(self) -> None:
        self._waiter._unregister(self._id, self._future)


class DecisionWaiter:
    """One LISTEN connection per process; requests wait on futures keyed by action id."""

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]]) -> None:
        self._connect = connect
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._waiting: dict[str, list[asyncio.Future[Any]]] = {}

    def settle(self, outcomes: Mapping[str, Any]) -> set[str]:
        """Wake this process's requests waiting for these actions with their outcomes;
        return the ids that had a request waiting here."""
        woken: set[str] = set()
        for action_id, outcome in outcomes.items():
            for future in self._waiting.pop(action_id, []):
                if not future.done():
                    future.set_result(outcome)
                    woken.add(action_id)
        return woken

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            outcomes = parse_payload(payload)
        except ValueError:
            log.warning("unreadable decision announcement: %.200s", payload)
            return
        self.settle(outcomes)

    def _register(self, action_id: str) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(action_id, []).append(future)
        return future

    def _unregister(self, action_id: str, future: asyncio.Future[Any]) -> None:
        waiting = self._waiting.get(action_id)
        if waiting is not None and future in waiting:
            waiting.remove(future)
            if not waiting:
                del self._waiting[action_id]

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

    @contextlib.asynccontextmanager
    async def expecting(self, action_id: str) -> AsyncIterator[Expected]:
        """Register for `action_id`'s announcement; send the command inside the block."""
        await self._listen()
        expected = Expected(self, action_id)
        try:
            yield expected
        finally:
            expected.forget()

    async def wait(self, action_id: str, seconds: float, look: Callable[[], Awaitable[Any]]) -> Any:
        """`look()` now, then once the action is announced (or each second); its first truthy
        answer. For a command that may have been decided before the wait began."""
        async with self.expecting(action_id) as expected:
            found = await look()
            if found:
                return found
            return await expected.outcome(seconds, look, lambda _outcome: None)
