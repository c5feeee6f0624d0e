"""Faust hands each fetched message to its streams without four asyncio tasks per message.

Faust's fetch loop delivers every message as `wait_first(callback(message),
suspend_flow.wait())`, so that a rebalance can abandon a delivery that waits for room in a
full stream buffer. `wait_first` wraps the delivery, the suspend event and the consumer's
stopped and crashed events in a task each, waits for the first, and cancels the rest. That
took 138 µs a message (a loop of 20,000 trivial deliveries, on this machine while busy),
against well under a microsecond to await the delivery itself: much of what a Faust worker
spends per message before any agent sees it, and sync pays it twice per entity.

While the flow runs, the delivery is awaited directly instead. It can still wait (a full
stream buffer, Faust's producer buffer, the flow control of a rebalance that begins
meanwhile), but not for ever: a rebalance clears the stream buffers and resumes the flow
once partitions are assigned, and a stopping consumer cancels the fetch loop. A message
delivered late like that carries the old consumer generation, and the stream skips it
without acknowledging it (streams.faust_fixes), so it is read again, as one abandoned by
`wait_first` is. While the flow is suspended, or the consumer is stopping, Faust's own
`wait_first` runs as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from faust.transport.consumer import Consumer
from mode.services import WaitResults

_original_wait_first = Consumer.wait_first
_applied = False


def _is_suspend_wait(self: Any, awaitable: object) -> bool:
    """Is this the (unstarted) coroutine of the consumer's `suspend_flow.wait()`?"""
    frame = getattr(awaitable, "cr_frame", None)
    return (
        frame is not None
        and frame.f_code is asyncio.Event.wait.__code__
        and frame.f_locals.get("self") is self.suspend_flow
    )


# Same signature as mode's Service.wait_first, which it replaces on Faust's consumer.
async def _wait_first(self: Any, *coros: Any, timeout: Any = None) -> WaitResults:  # noqa: ASYNC109
    if (
        len(coros) == 2
        and timeout is None
        and isinstance(coros[0], Coroutine)
        and _is_suspend_wait(self, coros[1])
        and not self.suspend_flow.is_set()
        and not self._stopped.is_set()
        and not self._crashed.is_set()
    ):
        delivery, suspended = coros
        suspended.close()  # never started: nothing to wait for
        result = await delivery
        return WaitResults([delivery], [result], False)
    return await _original_wait_first(self, *coros, timeout=timeout)


def apply() -> None:
    """Install (idempotent)."""
    global _applied
    if not _applied:
        Consumer.wait_first = _wait_first  # type: ignore[method-assign]
        _applied = True
