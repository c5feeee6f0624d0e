"""The event loop a service process runs on: uvloop for the services configured for it.

The workflow worker spends much of its time in the loop itself: socket reads and writes for
HTTP, Kafka and PostgreSQL, callbacks and task switches. uvloop (libuv, Cython; Faust and
mode support it as a loop backend) does that work in C. So does the webhook intake, a plain
aiohttp process: saturated through nginx (wrk, runs minutes apart), 2,519-2,723
notifications/s on the standard loop and 2,959-2,969/s in two of three on uvloop (the third
took 2,241/s, with Kafka at 43% of a core; the cause was not found). The other services stay
on the standard loop until measured there: in the one full benchmark run with the sync
workers on uvloop, their lost-message watch (streams/hole_watch.py) re-read partitions 24
times during the churn and freshness went from seconds to tens of seconds; the cause is not
known.
"""

from __future__ import annotations

import asyncio

from crm.settings import Settings


def install(settings: Settings, service: str) -> None:
    """Make this process's new event loops the kind `service` is configured for; call before
    any loop is made."""
    if service not in settings.uvloop_services:
        return
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
