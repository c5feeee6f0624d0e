"""Fan workflow events out to the dashboards connected to this web process.

Each subscriber (one open event stream) has a bounded queue of ready-to-send SSE messages
and a cached row scope. A subscriber whose queue is full is dropped rather than buffered
without limit: its stream ends, the page reconnects and reads the summary again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import Counter, Gauge

from security.row_rules import Caller, Scope
from web.dashboard_events import (
    DashboardEvent,
    control_message,
    needs_refresh,
    sse_message,
    visible,
)

SUBSCRIBERS = Gauge("crm_dashboard_subscribers", "Open dashboard event streams")
DROPPED = Counter("crm_dashboard_ended_total", "Dashboard streams the server ended", ["reason"])
# How long row scopes may lag behind a CUSTOMER_ASSIGNED event (the view settles in ~1 s).
SETTLE_SECONDS = 5.0

ScopeOf = Callable[[Caller], Awaitable[Scope]]
# A message waiting to be sent, with the customer it names (audited when it leaves).
Outgoing = tuple[str | None, bytes]


class HubFull(Exception):
    """This process already serves as many streams as it may."""


class Subscriber:
    """One open stream: whose it is, what it may see, what waits to be sent (None ends it)."""

    def __init__(
        self, caller: Caller, agent_id: str | None, scope: Scope, now: float, limit: int
    ) -> None:
        self.caller = caller
        self.agent_id = agent_id
        self.scope = scope
        self.scope_at = now
        self.queue: asyncio.Queue[Outgoing | None] = asyncio.Queue(maxsize=limit)
        self.ended: str | None = None


class Hub:
    def __init__(
        self,
        scope_of: ScopeOf,
        *,
        queue_limit: int = 256,
        max_subscribers: int = 5000,
        scope_every: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._scope_of = scope_of
        self._queue_limit = queue_limit
        self._max = max_subscribers
        self._scope_every = scope_every
        self._clock = clock
        self._subscribers: set[Subscriber] = set()
        self._settling_until = 0.0

    def __len__(self) -> int:
        return len(self._subscribers)

    async def subscribe(self, caller: Caller, agent_id: str | None) -> Subscriber:
        if len(self._subscribers) >= self._max:
            raise HubFull
        scope = await self._scope_of(caller)
        sub = Subscriber(caller, agent_id, scope, self._clock(), self._queue_limit)
        self._subscribers.add(sub)
        SUBSCRIBERS.set(len(self._subscribers))
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subscribers.discard(sub)
        SUBSCRIBERS.set(len(self._subscribers))

    def listening(self) -> bool:
        """Whether any stream is open: with none, the feed need not read what it receives."""
        return bool(self._subscribers)

    def passed_unread(self) -> None:
        """Events went by unread (no stream was open): assignments among them may still be
        settling into the row scopes of the streams that open next."""
        self._settling_until = self._clock() + SETTLE_SECONDS

    async def publish(self, events: Sequence[DashboardEvent]) -> None:
        """Queue each event for every subscriber allowed to see it."""
        for event in events:
            if event.event_type == "CUSTOMER_ASSIGNED":
                self._settling_until = self._clock() + SETTLE_SECONDS
            # Framed once, and only for an event someone sees.
            message: bytes | None = None
            for sub in list(self._subscribers):
                if await self._sees(sub, event):
                    message = message or sse_message(event)
                    self._offer(sub, (event.cif, message))

    def resync(self) -> None:
        """Events may have been missed (the feed restarted): every page re-reads its data."""
        message = control_message("resync")
        for sub in list(self._subscribers):
            self._offer(sub, (None, message))

    def close(self) -> None:
        """End every stream (the process stops); the pages reconnect to another worker."""
        for sub in list(self._subscribers):
            self._end(sub, "SHUTDOWN")

    async def _sees(self, sub: Subscriber, event: DashboardEvent) -> bool:
        if visible(event, sub.scope, sub.agent_id):
            return True
        now = self._clock()
        if not needs_refresh(now, sub.scope_at, self._settling_until, every=self._scope_every):
            return False
        sub.scope, sub.scope_at = await self._scope_of(sub.caller), now
        return visible(event, sub.scope, sub.agent_id)

    def _offer(self, sub: Subscriber, message: Outgoing) -> None:
        try:
            sub.queue.put_nowait(message)
        except asyncio.QueueFull:
            self._end(sub, "SLOW_CONSUMER")

    def _end(self, sub: Subscriber, reason: str) -> None:
        self.unsubscribe(sub)
        sub.ended = reason
        DROPPED.labels(reason).inc()
        # What was queued is dropped so the end marker fits; the page re-reads the summary.
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)
