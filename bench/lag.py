"""Waiting until a service's workers have caught up with a topic (between measurements)."""

from __future__ import annotations

import asyncio
import sys
import time

from crm.settings import Settings
from streams.sync_lag import end_offsets as topic_ends
from streams.sync_lag import group_lag


async def drained(
    settings: Settings, service: str, topic_name: str, deadline_s: float = 600
) -> None:
    """Wait until the service's consumer group has committed every message of the topic."""
    topic = settings.topic(topic_name)
    group = settings.topic(f"crm-{service}")
    end = time.perf_counter() + deadline_s
    while time.perf_counter() < end:
        lag = (await group_lag(settings, group, [topic])).get(topic)
        print(
            f"  {service} still to handle on {topic}: {lag if lag is not None else '?'}",
            file=sys.stderr,
        )
        if lag == 0:
            return
        await asyncio.sleep(2.0)
    raise TimeoutError(f"{service} did not catch up with {topic} within {deadline_s:.0f}s")


async def end_offsets(settings: Settings, topics: list[str]) -> int:
    """How many messages the topics have ever received, all together."""
    ends = await topic_ends(settings, topics)
    unknown = [t for t, n in ends.items() if n is None]
    if unknown:
        raise RuntimeError(f"the broker did not say how far {', '.join(unknown)} reach")
    return sum(n or 0 for n in ends.values())
