"""CPU priority of the components the embedded runtime starts on one machine.

Every component leads its own session (runtime/processes.py), and with autogroup scheduling,
which Debian's kernels enable, Linux shares the CPU out per session before it looks at a
process's nice value: a nice value set on a process then ranks it only against the other
threads of its own session, and a busy machine gives each session the same share. So the
priority is set on the session's group (/proc/<pid>/autogroup) when the kernel groups by
session, and on the process otherwise.

A bank running the services under systemd gives them CPUWeight= instead.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from crm.settings import Settings

log = logging.getLogger(__name__)

_AUTOGROUP_SWITCH = Path("/proc/sys/kernel/sched_autogroup_enabled")


def _autogroup_enabled() -> bool:
    try:
        return _AUTOGROUP_SWITCH.read_text().strip() == "1"
    except OSError:
        return False


def set_priority(pid: int, nice: int) -> bool:
    """Give a process just started in a session of its own the nice value `nice`.

    A nice below 0 needs CAP_SYS_NICE; without it the process keeps the default priority,
    and this says so in the log: it runs either way.
    """
    try:
        if _autogroup_enabled():
            Path(f"/proc/{pid}/autogroup").write_text(f"{nice}\n")
        else:
            # Threads the process starts later take its nice value with them.
            os.setpriority(os.PRIO_PROCESS, pid, nice)
    except OSError as exc:
        log.warning("process %d keeps the default CPU priority, not nice %d: %s", pid, nice, exc)
        return False
    return True


def rank(settings: Settings, name: str, pid: int) -> None:
    """Give the component `name`, just started as `pid`, its configured priority, if any."""
    nice = settings.service_nice.get(name)
    if nice is not None:
        set_priority(pid, nice)


def priority_of(pid: int) -> int:
    """The nice value that ranks the process against the machine's other sessions."""
    if _autogroup_enabled():
        # "/autogroup-123 nice -5"
        return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])
    return os.getpriority(os.PRIO_PROCESS, pid)
