"""Saturate the webhook with wrk: the load generator must not take the CPU it measures.

The Python client (aiohttp) that signs and sends each notification itself took about a
quarter of this 2-core machine at 600 notifications/s, CPU the system under test then did not
have. Here every request is signed beforehand and wrk (C, one thread) replays them, so what
is measured is the system's intake. The steady-rate latency runs stay in Python: they need
an open loop at a fixed rate and each payment's acceptance time.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runtime.install import ensure_debian_packages
from security.webhook_signature import (
    CHANNEL_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)

SCRIPT = Path(__file__).with_name("webhook_load.lua")
# Requests signed beforehand per second of the run: above the 3,000/s goal, so a run that
# meets it still sends each notification once.
SIGNED_PER_SECOND = 4_000
# The webhook refuses a timestamp older than 5 minutes; every request is signed at the start.
MAX_SECONDS = 240.0
PROGRESS_SECONDS = 2.0
# One wrk thread: it sends far more than the system takes, and each thread is CPU taken away.
THREADS = 1


@dataclass(frozen=True)
class WrkRun:
    requests: int  # answered
    refused: int  # answered with a status other than 2xx/3xx
    errors: int  # connect, read, write errors and timeouts: no answer
    signed: int  # distinct notifications prepared; requests beyond this were repeats
    seconds: float

    @property
    def accepted(self) -> int:
        return self.requests - self.refused


def _request(host: str, path: str, channel: str, secret: str, body: bytes, now: int) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"{CHANNEL_HEADER}: {channel}\r\n"
        f"{TIMESTAMP_HEADER}: {now}\r\n"
        f"{SIGNATURE_HEADER}: {sign(secret, now, body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


def _run_with_progress(command: list[str], seconds: float, signed: int) -> str:
    """Run wrk, printing a line every few seconds: it reports only when it is done."""
    print(f"  webhook intake (saturating): wrk with {signed:,} signed requests", file=sys.stderr)
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
                print(
                    f"  webhook intake (saturating): {elapsed:.0f}/{seconds:.0f} s",
                    file=sys.stderr,
                )
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk failed ({wrk.returncode}): {errors.strip()}")
    return output


def saturate(
    url: str,
    path: str,
    channel: str,
    secret: str,
    body: Callable[[int], bytes],
    seconds: float,
    connections: int,
) -> WrkRun:
    """Closed loop: `connections` keep-alive connections, each sending as soon as answered."""
    if seconds > MAX_SECONDS:
        raise ValueError(f"requests signed beforehand go stale after {MAX_SECONDS:.0f} s")
    ensure_debian_packages(["wrk"])
    wrk = shutil.which("wrk")
    assert wrk is not None
    host = url.split("://", 1)[1].rstrip("/")
    per_thread = math.ceil(SIGNED_PER_SECOND * seconds / THREADS)
    now = int(time.time())
    with tempfile.TemporaryDirectory(prefix="crm-bench-wrk-") as work:
        prefix = Path(work) / "webhook"
        for thread in range(THREADS):
            with open(f"{prefix}-{thread}.req", "wb") as out:
                for i in range(per_thread):
                    request = _request(
                        host, path, channel, secret, body(thread * per_thread + i), now
                    )
                    out.write(request + b"\0")
        command = [wrk, f"-t{THREADS}", f"-c{connections}", f"-d{seconds:.0f}s"]
        command += ["--timeout", "10s", "-s", str(SCRIPT), url, "--", str(prefix)]
        output = _run_with_progress(command, seconds, per_thread * THREADS)
    summary = json.loads(output.strip().splitlines()[-1])
    return WrkRun(
        requests=summary["requests"],
        refused=summary["non2xx"],
        errors=summary["connect"] + summary["read"] + summary["write"] + summary["timeout"],
        signed=per_thread * THREADS,
        seconds=summary["seconds"],
    )
