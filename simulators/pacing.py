"""Run a step at a steady rate for a while: the change simulator's clock."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from simulators.progress import Progress

# What a step returns when it changed nothing (the row it picked was gone, closed or not
# the generator's); any other value is the kind of change it made.
SKIPPED = "skipped"
# Consecutive skipped steps retried in one slot.
SKIP_RETRIES = 10


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
    """Call `step` `rate` times a second until `duration` passes, `stop` is set or Ctrl-C.

    A step that returns SKIPPED made no change and is tried again at once, up to
    SKIP_RETRIES times in a row, so that a scope with nothing left to change cannot spin.
    """
    done: Counter[str] = Counter()
    retries = 0
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
            kind = step()
            done[kind] += 1
            if progress and kind != SKIPPED:
                progress.add(1)
            if kind == SKIPPED and retries < SKIP_RETRIES:
                # Nothing changed (the row picked was gone or closed): the slot is still owed,
                # or the rate made would be the rate asked less the skips.
                retries += 1
                continue
            retries = 0
            # After a stall, make up at most one second of lost changes, not the whole gap.
            due = max(due + 1 / rate, clock() - 1.0)
    except KeyboardInterrupt:
        # Ctrl-C is how an operator ends an open-ended churn run: report what was done.
        return done
    return done
