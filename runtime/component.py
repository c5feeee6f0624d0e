"""What the manager knows about each runtime component: how to start, check and stop it."""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass

from crm.settings import Settings
from runtime import processes


@dataclass(frozen=True)
class Component:
    """One process of the runtime, found again later through its PID file and marker."""

    name: str
    # A string the process's command line must contain for the PID to count as ours.
    marker: Callable[[Settings], str]
    # Start the process and block until healthy; raises RuntimeStartError with the log to read.
    start: Callable[[Settings], None]
    # None when healthy, else a short reason.
    check: Callable[[Settings], str | None]
    stop_timeout: float = 30.0
    # PostgreSQL shuts down fast on SIGINT; SIGTERM would wait for every client to leave.
    stop_signal: signal.Signals = signal.SIGTERM

    def pid(self, settings: Settings) -> int | None:
        return processes.running_pid(settings, self.name, self.marker(settings))

    def stop(self, settings: Settings) -> bool:
        """Stop the recorded process; True if one was running."""
        marker = self.marker(settings)
        return processes.stop(settings, self.name, marker, self.stop_timeout, self.stop_signal)

    def state(self, settings: Settings) -> tuple[int | None, str, str]:
        """Return (pid, healthy|unhealthy|stopped, detail)."""
        pid = self.pid(settings)
        if pid is None:
            return None, "stopped", ""
        problem = self.check(settings)
        if problem is None:
            return pid, "healthy", ""
        return pid, "unhealthy", problem
