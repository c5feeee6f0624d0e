"""Replay prepared HTTP requests with wrk: the load generator must not take the CPU it measures.

A Python client (aiohttp) building and sending each request took about a quarter of this
2-core machine at 600 requests/s, CPU the system under test then did not have. Here every
request is built beforehand and wrk (C, one thread) replays them in a closed loop.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from runtime.install import ensure_debian_packages

SCRIPT = Path(__file__).with_name("replay.lua")
PROGRESS_SECONDS = 2.0
# One wrk thread: it sends far more than the system takes, and each thread is CPU taken away.
THREADS = 1


@dataclass(frozen=True)
class WrkRun:
    requests: int  # answered
    statuses: Mapping[int, int]  # answers by HTTP status
    errors: int  # connect, read, write errors and timeouts: no answer
    prepared: int  # distinct requests; requests beyond this were repeats
    seconds: float
    p50_ms: float
    p99_ms: float

    def answered(self, *statuses: int) -> int:
        return sum(self.statuses.get(s, 0) for s in statuses)

    @property
    def successful(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 400)


def http_request(
    host: str, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> bytes:
    """One HTTP/1.1 request with a body, as it goes on the wire."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _run_with_progress(command: list[str], seconds: float, label: str) -> str:
    """Run wrk, printing a line every few seconds: it reports only when it is done."""
    started = time.monotonic()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as wrk:
        while True:
            try:
                # wrk writes a few lines only, so its pipes never fill while it runs.
                output, errors = wrk.communicate(timeout=PROGRESS_SECONDS)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - started
                print(f"  {label}: {elapsed:.0f}/{seconds:.0f} s", file=sys.stderr)
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk failed ({wrk.returncode}): {errors.strip()}")
    return output


def replay(
    url: str,
    build: Callable[[str, int], bytes],
    count: int,
    seconds: float,
    connections: int,
    label: str,
    rate: float | None = None,
) -> WrkRun:
    """Closed loop: `connections` keep-alive connections, each sending as soon as answered;
    or, given a `rate`, requests sent on a fixed schedule of `rate` per second (plus one
    unscheduled first request per connection).

    `build(host, n)` makes request n of `count` prepared ones (see http_request)."""
    ensure_debian_packages(["wrk"])
    wrk = shutil.which("wrk")
    assert wrk is not None
    host = url.split("://", 1)[1].rstrip("/")
    per_thread = math.ceil(count / THREADS)
    print(f"  {label}: wrk with {per_thread * THREADS:,} prepared requests", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="crm-bench-wrk-") as work:
        prefix = Path(work) / "requests"
        for thread in range(THREADS):
            with open(f"{prefix}-{thread}.req", "wb") as out:
                for i in range(per_thread):
                    out.write(build(host, thread * per_thread + i) + b"\0")
        command = [wrk, f"-t{THREADS}", f"-c{connections}", f"-d{seconds:.0f}s"]
        command += ["--timeout", "10s", "-s", str(SCRIPT), url, "--", str(prefix)]
        if rate is not None:
            command.append(f"{rate / THREADS:.3f}")
        output = _run_with_progress(command, seconds, label)
    summary = json.loads(output.strip().splitlines()[-1])
    return WrkRun(
        requests=summary["requests"],
        statuses={int(status): n for status, n in summary["statuses"].items()},
        errors=summary["connect"] + summary["read"] + summary["write"] + summary["timeout"],
        prepared=per_thread * THREADS,
        seconds=summary["seconds"],
        p50_ms=summary["p50_ms"],
        p99_ms=summary["p99_ms"],
    )
