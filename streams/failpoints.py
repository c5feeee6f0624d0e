"""Named points where a test makes a worker die on purpose, as a crash at that point would.

`CRM_FAILPOINT=<name>:<n>` ends the process (exit 137, like SIGKILL) when `<name>` has been
reached n times (a pass may count for several, e.g. one per message of a batch): no flush,
no commit, no shutdown hook. Tests use it to crash a worker between
two steps a real kill could only hit by luck. Production ignores it.
"""

from __future__ import annotations

import logging
import os
from collections import Counter

log = logging.getLogger(__name__)

ENV = "CRM_FAILPOINT"
KILLED = 137
_hits: Counter[str] = Counter()


def _armed() -> tuple[str, int] | None:
    spec = os.environ.get(ENV, "")
    name, _, nth = spec.partition(":")
    if not name or not nth.isdigit():
        return None
    if os.environ.get("CRM_ENVIRONMENT", "").lower() == "production":
        return None
    return name, int(nth)


def reached(name: str, count: int = 1) -> None:
    """Count `count` passes through `name`; die here if that reaches the armed number."""
    armed = _armed()
    if armed is None or armed[0] != name:
        return
    _hits[name] += count
    if _hits[name] >= armed[1]:
        log.warning("failpoint %s reached (pass %d): exiting", name, _hits[name])
        logging.shutdown()
        os._exit(KILLED)
