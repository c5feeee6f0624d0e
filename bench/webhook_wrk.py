"""Load the webhook with wrk (bench.wrk), every notification signed beforehand: as fast as
it answers (saturate) or at a fixed rate (pace)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Webhook:
    """Where notifications go and how each is made and signed."""

    url: str
    path: str
    channel: str
    secret: str
    body: Callable[[int], bytes]  # notification n's JSON


def saturate(hook: Webhook, seconds: float, connections: int) -> WrkRun:
    """Closed loop: `connections` keep-alive connections, each sending as soon as answered."""
    count = int(SIGNED_PER_SECOND * seconds)
    return _signed_replay(hook, count, seconds, connections, "webhook intake (saturating)")


def pace(hook: Webhook, rate: float, seconds: float, connections: int) -> WrkRun:
    """`rate` notifications a second for `seconds`, whatever the answers' latency, as long as
    fewer than `connections` wait for one."""
    count = int(rate * seconds) + connections
    return _signed_replay(hook, count, seconds, connections, f"webhook at {rate:,.0f}/s", rate)


def _signed_replay(
    hook: Webhook,
    count: int,
    seconds: float,
    connections: int,
    label: str,
    rate: float | None = None,
) -> WrkRun:
    if seconds > MAX_SECONDS:
        raise ValueError(f"requests signed beforehand go stale after {MAX_SECONDS:.0f} s")
    now = int(time.time())

    def signed(host: str, n: int) -> bytes:
        payload = hook.body(n)
        headers = {
            "Content-Type": "application/json",
            CHANNEL_HEADER: hook.channel,
            TIMESTAMP_HEADER: str(now),
            SIGNATURE_HEADER: sign(hook.secret, now, payload),
        }
        return http_request(host, "POST", hook.path, headers, payload)

    return replay(hook.url, signed, count, seconds, connections, label, rate)
