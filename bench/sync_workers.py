"""The sync workers a benchmark runs: the runtime's worker 0, and a second one of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crm.settings import Settings
from runtime import manager
from runtime.priority import rank


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stop_worker0(settings: Settings) -> None:
    manager.BY_NAME["sync"].stop(settings)


def start_worker0(settings: Settings) -> int:
    """Start the runtime's sync worker (if stopped) and return its pid once healthy."""
    if manager.up(settings, only=["sync"]) != 0:
        raise RuntimeError("the runtime's sync worker did not start; see var/log/sync.log")
    pid = manager.BY_NAME["sync"].pid(settings)
    assert pid is not None
    return pid


@contextmanager
def second_worker(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """Run sync worker 1 next to the runtime's worker 0; stop it afterwards.

    In a session of its own and at sync's priority, as the runtime starts worker 0: Linux
    shares a busy machine's CPU per session first (runtime/priority.py), and in the bench's
    session worker 1 would share one session's part with the bench and its change simulator.
    """
    log = settings.log_dir / "bench-sync-1.log"
    env = {**os.environ, "CRM_WORKER_INDEX": "1"}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crm", "worker", "sync"],
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    rank(settings, "sync", proc.pid)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
