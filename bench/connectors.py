"""Holding the Debezium connectors back while a benchmark fills the source databases.

The initial load is meant to measure the path from rows already in the source databases
(what a bank has when it first connects the CRM), not the synthetic generator writing them:
the generator takes most of a core of its own on these 2-core machines. While paused, a
PostgreSQL connector reads nothing; its replication slot keeps the WAL, and on resume
Debezium streams every row written meanwhile.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from crm.settings import Settings
from runtime.connect import rest
from runtime.connectors import config_files

# Connect applies a pause or resume asynchronously; each connector's tasks follow.
STATE_DEADLINE_S = 60.0


def _all_in(settings: Settings, names: list[str], state: str) -> bool:
    for name in names:
        status = rest(settings, "GET", f"/connectors/{name}/status")
        tasks = status.get("tasks", [])
        if status["connector"]["state"] != state or not tasks:
            return False
        if any(task["state"] != state for task in tasks):
            return False
    return True


def _set(settings: Settings, names: list[str], action: str, state: str) -> None:
    for name in names:
        rest(settings, "PUT", f"/connectors/{name}/{action}")
    deadline = time.monotonic() + STATE_DEADLINE_S
    while not _all_in(settings, names, state):
        if time.monotonic() > deadline:
            raise TimeoutError(f"connectors {names} not {state} after {STATE_DEADLINE_S:.0f}s")
        time.sleep(0.2)


@contextmanager
def paused(settings: Settings) -> Iterator[Callable[[], None]]:
    """Pause every connector; yield a function that resumes them (also done on the way out)."""
    names = [path.stem for path in config_files(None)]
    _set(settings, names, "pause", "PAUSED")
    print(f"  connectors paused: {', '.join(names)}", file=sys.stderr)
    resumed = False

    def resume() -> None:
        nonlocal resumed
        _set(settings, names, "resume", "RUNNING")
        resumed = True

    try:
        yield resume
    finally:
        if not resumed:
            _set(settings, names, "resume", "RUNNING")
