"""How a long-running worker sets Python's garbage collector.

A full collection walks every tracked object and pauses the worker meanwhile (see
gc_pauses). Two settings make those pauses shorter and rarer:

- Everything imported and built before the worker starts (modules, the app, its agents)
  lives as long as the process. `gc.freeze` moves it out of the collector's sight, so a
  full collection walks only what was made since.
- A batch's objects live for one batch (a few hundred milliseconds). With Python's default
  first threshold (700 allocations) they were collected young about every 50 ms while still
  in use, promoted, and left for a full collection to find: at 1,000 payments/s the
  payments worker made three full collections in 20 s, about 200 ms each.
"""

from __future__ import annotations

import gc

# Allocations (net of deallocations) between young collections: long enough for a batch's
# objects to die young. Python's default is 700.
YOUNG_THRESHOLD = 50_000


def settle() -> None:
    """Freeze what exists now and collect young objects less eagerly (once at start)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
