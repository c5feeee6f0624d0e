"""The event loop the service processes run on: uvloop unless configured otherwise.

Every worker spends much of its time in the loop itself: socket reads and writes for HTTP,
Kafka and PostgreSQL, callbacks and task switches. uvloop (libuv, Cython; Faust and mode
support it as a loop backend) does that work in C.
"""

from __future__ import annotations

import asyncio
import logging

from crm.settings import Settings

log = logging.getLogger(__name__)


def install(settings: Settings) -> None:
    """Make new event loops of this process the configured kind; call before any is made."""
    if settings.event_loop != "uvloop":
        return
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
