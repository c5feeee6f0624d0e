"""Saturate the webhook with wrk (bench.wrk), every notification signed beforehand.

The steady-rate latency runs stay in Python: they need an open loop at a fixed rate and each
payment's acceptance time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.wrk import WrkRun, http_request, replay
from security.webhook_signature import (
    CHANNEL_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)

# Requests signed beforehand per second of the run: above the 3,000/s goal, so a run that
# meets it still sends each notification once.
SIGNED_PER_SECOND = 4_000
# The webhook refuses a timestamp older than 5 minutes; every request is signed at the start.
MAX_SECONDS = 240.0


def saturate(
    url: str,
    path: str,
    channel: str,
    secret: str,
    body: Callable[[int], bytes],
    seconds: float,
    connections: int,
) -> WrkRun:
    """Closed loop: `connections` keep-alive connections, each sending as soon as answered."""
    if seconds > MAX_SECONDS:
        raise ValueError(f"requests signed beforehand go stale after {MAX_SECONDS:.0f} s")
    now = int(time.time())

    def signed(host: str, n: int) -> bytes:
        payload = body(n)
        headers = {
            "Content-Type": "application/json",
            CHANNEL_HEADER: channel,
            TIMESTAMP_HEADER: str(now),
            SIGNATURE_HEADER: sign(secret, now, payload),
        }
        return http_request(host, "POST", path, headers, payload)

    count = int(SIGNED_PER_SECOND * seconds)
    return replay(url, signed, count, seconds, connections, "webhook intake (saturating)")
