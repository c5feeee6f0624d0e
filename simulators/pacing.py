"""Run a step at a steady rate for a while: the change simulator's clock."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from simulators.progress import Progress


def run_paced(
    step: Callable[[], str],
    rate: float,
    *,
    duration: float | None = None,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Counter[str]:
    """Call `step` `rate` times a second until `duration` passes, `stop` is set or Ctrl-C."""
    done: Counter[str] = Counter()
    started = clock()
    due = started
    try:
        while not (stop and stop.is_set()):
            now = clock()
            if duration is not None and now - started >= duration:
                break
            if due > now:
                sleep(min(due - now, 0.5))
                continue
            done[step()] += 1
            if progress:
                progress.add(1)
            # After a stall, make up at most one second of lost changes, not the whole gap.
            due = max(due + 1 / rate, clock() - 1.0)
    except KeyboardInterrupt:
        # Ctrl-C is how an operator ends an open-ended churn run: report what was done.
        return done
    return done
