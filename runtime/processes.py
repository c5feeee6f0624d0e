"""Detached child processes tracked by PID files: start, check, stop, wait."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from crm.settings import Settings
from runtime.ownership import child_env
from runtime.priority import rank


class RuntimeStartError(RuntimeError):
    """A component did not start; `log` names the file that says why, when there is one."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(f"{message}; see {log}" if log is not None else message)
        self.log = log


def log_tail(path: Path, lines: int = 40) -> list[str]:
    """The last lines of a log, for a failure report that must stand on its own (CI keeps
    only what the command printed, not var/log)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]


def log_file(settings: Settings, name: str) -> Path:
    return settings.log_dir / f"{name}.log"


def pid_file(settings: Settings, name: str) -> Path:
    return settings.run_dir / f"{name}.pid"


def read_pid(settings: Settings, name: str) -> int | None:
    path = pid_file(settings, name)
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def record_pid(settings: Settings, name: str, pid: int) -> None:
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    pid_file(settings, name).write_text(f"{pid}\n")


def pid_matches(pid: int, marker: str) -> bool:
    """Tell whether the PID is alive and its command line contains the marker."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # A zombie still has a /proc entry but is gone for our purposes.
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    return marker.encode() in cmdline.replace(b"\0", b" ")


def running_pid(settings: Settings, name: str, marker: str) -> int | None:
    """Return the recorded PID when that process is alive and ours, else None."""
    pid = read_pid(settings, name)
    if pid is None or not pid_matches(pid, marker):
        return None
    return pid


def start(
    settings: Settings,
    name: str,
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> int:
    """Start a command in its own session, logging to <log_dir>/<name>.log; record its PID;
    give it its configured CPU priority (runtime/priority.py).

    The log file is opened here (as the caller), so a child running as another user
    needs no access to the log directory.
    """
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    with log_file(settings, name).open("ab") as log:
        proc = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else child_env(settings),
            cwd=cwd,
            start_new_session=True,
            user=user,
            group=user,
            # Without this a child started as root keeps root's supplementary groups.
            extra_groups=[] if user is not None else None,
        )
    record_pid(settings, name, proc.pid)
    rank(settings, name, proc.pid)
    return proc.pid


def is_alive(pid: int) -> bool:
    """Tell whether the PID exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    # Children we start lead their own session, so the group holds their helpers too.
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
            return
    except ProcessLookupError:
        return
    _signal_pid(pid, sig)


def stop(
    settings: Settings,
    name: str,
    marker: str,
    timeout: float = 30.0,
    sig: signal.Signals = signal.SIGTERM,
) -> bool:
    """Stop the recorded process (sig, then SIGKILL after the timeout); True if it ran."""
    pid = running_pid(settings, name, marker)
    pid_file(settings, name).unlink(missing_ok=True)
    if pid is None:
        return False
    # SIGTERM goes to the whole group; another signal (PostgreSQL's SIGINT = fast shutdown)
    # only to the leader, which then stops its children in order.
    if sig is signal.SIGTERM:
        _signal_group(pid, sig)
    else:
        _signal_pid(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.2)
    _signal_group(pid, signal.SIGKILL)
    while is_alive(pid) and time.monotonic() < deadline + 10:
        time.sleep(0.2)
    return True


def terminate_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM one PID, SIGKILL it if it outlives the timeout."""
    _signal_pid(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if is_alive(pid):
        _signal_pid(pid, signal.SIGKILL)


def _signal_pid(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    log: Path | None = None,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Poll the predicate until true; raise naming the log to read when the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if alive is not None and not alive():
            raise RuntimeStartError(f"{what}: the process exited", log)
        time.sleep(0.5)
    raise RuntimeStartError(f"{what}: not ready after {timeout:.0f}s", log)
