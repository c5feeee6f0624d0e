"""Named points where a test makes a worker die on purpose, as a crash at that point would.

`CRM_FAILPOINT=<name>:<n>` arms one point. `reached` ends the process (exit 137, like
SIGKILL) when `<name>` has been passed n times (a pass may count for several, e.g. one per
message of a batch): no flush, no commit, no shutdown hook. `hit` only says when, for a
point that misbehaves otherwise (e.g. loses one message, as Faust can). Tests use them to
reach states a real crash could only hit by luck. Production ignores them.
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


def hit(name: str, count: int = 1) -> bool:
    """Count `count` passes through `name`; True once, on the pass that reaches the armed number."""
    armed = _armed()
    if armed is None or armed[0] != name:
        return False
    before = _hits[name]
    _hits[name] += count
    return before < armed[1] <= _hits[name]


def reached(name: str, count: int = 1) -> None:
    """Count `count` passes through `name`; die here if that reaches the armed number."""
    if hit(name, count):
        log.warning("failpoint %s reached (pass %d): exiting", name, _hits[name])
        logging.shutdown()
        os._exit(KILLED)
