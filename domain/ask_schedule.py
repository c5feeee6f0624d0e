"""When the queue filler looks for open customers decided with an older strategy book.

The look reads every open case (persistence.placement.ask_again): on a stack with about 1.7
million cases it took about 1.1 s of PostgreSQL, every filler run (30 s), also on the days
when no segment or strategy had changed and nothing was found. Once a look has found
everyone decided with the current book, the next ones can wait, as long as

- the book has not changed since (a new version is looked for at once);
- the look ran once every worker's cached book was that version: a worker that decided
  with the book it cached before the change recorded the older version, and only a later
  look finds those customers;
- a customer asked but never decided is asked again (the search's own safety net): a look
  that asked someone is not a settling one, and a look every `recheck` afterwards still
  finds whoever was lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class _Settled:
    version: datetime
    next_look: datetime


class AskSchedule:
    def __init__(self, caches_refreshed: timedelta, recheck: timedelta) -> None:
        """`caches_refreshed`: how long after a change every worker decides with it;
        `recheck`: the longest wait between two looks once settled."""
        self._caches_refreshed = caches_refreshed
        self._recheck = recheck
        self._settled: _Settled | None = None

    def due(self, version: datetime, now: datetime) -> bool:
        """Whether to look now for customers decided before `version`."""
        settled = self._settled
        return settled is None or settled.version != version or now >= settled.next_look

    def looked(self, version: datetime, now: datetime, asked: int | None) -> None:
        """Record a look at `now` for `version`: `asked` customers were asked (None: another
        worker was looking)."""
        if asked != 0 or now < version + self._caches_refreshed:
            # More may be waiting, or decisions with an older cached book may still come.
            self._settled = None
        else:
            self._settled = _Settled(version, now + self._recheck)
