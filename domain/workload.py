"""Which agent of a team takes the next customer: the least loaded for their capacity.

Load is open assignments over capacity, so an agent with capacity 200 and 100 customers is
as busy as one with 50 and 25. Agents at capacity take nobody; ties go to the agent id so the
choice is the same on every run.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Seat:
    agent_id: str
    capacity: int
    open: int


class Workload:
    """A team's agents' loads, updated as customers are handed out."""

    def __init__(self, seats: Iterable[Seat]) -> None:
        # Exact fractions: 1/3 and 2/6 must tie, and floats would break the tie by rounding.
        self._heap = [
            (Fraction(s.open, s.capacity), s.agent_id, s.open, s.capacity)
            for s in seats
            if s.capacity > 0 and s.open < s.capacity
        ]
        heapq.heapify(self._heap)

    def take(self) -> str | None:
        """The agent for one more customer, or None when every agent is full."""
        if not self._heap:
            return None
        _, agent_id, open_, capacity = heapq.heappop(self._heap)
        if open_ + 1 < capacity:
            heapq.heappush(
                self._heap, (Fraction(open_ + 1, capacity), agent_id, open_ + 1, capacity)
            )
        return agent_id
