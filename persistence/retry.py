"""Retry a database call through an outage, as the sinks do: an agent must not die of one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from persistence.sink import RETRIES, TRANSIENT_ERRORS, backoff_delay

log = logging.getLogger(__name__)
T = TypeVar("T")


async def retrying(
    call: Callable[..., Awaitable[T]],
    *args: Any,
    what: str,
    pool: asyncpg.Pool | None = None,
    initial: float = 0.2,
    maximum: float = 5.0,
) -> T:
    """Await `call(*args)` until it succeeds; wait out transient errors with jittered backoff.

    `pool`, when given, has its connections replaced after one was cut mid-operation.
    """
    attempt = 0
    while True:
        try:
            return await call(*args)
        except TRANSIENT_ERRORS as exc:
            if pool is not None and isinstance(exc, asyncpg.InternalClientError):
                await pool.expire_connections()
            attempt += 1
            delay = backoff_delay(attempt, initial, maximum)
            RETRIES.labels(what).inc()
            log.warning("%s: attempt %d failed (%r); retrying in %.2fs", what, attempt, exc, delay)
            await asyncio.sleep(delay)
