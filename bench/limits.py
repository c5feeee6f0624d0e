"""The machine's physical limits the other numbers are compared with."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

from bench.report import Result, rate

MB = 1024 * 1024


def disk_sequential_write(directory: Path, megabytes: int = 128) -> Result:
    """Write `megabytes` in 1 MiB blocks and fsync: the disk's sustained write bandwidth."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"disk-probe-{os.getpid()}.bin"
    block = os.urandom(MB)
    started = time.perf_counter()
    try:
        with path.open("wb") as f:
            for _ in range(megabytes):
                f.write(block)
            f.flush()
            os.fsync(f.fileno())
        elapsed = time.perf_counter() - started
    finally:
        path.unlink(missing_ok=True)
    return Result("disk sequential write + fsync", rate(megabytes, elapsed), "MB/s")


def disk_fsync_rate(directory: Path, seconds: float = 1.0, max_syncs: int = 20_000) -> Result:
    """Count 8 KiB write+fdatasync cycles: what a commit that waits for its WAL flush costs."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"fsync-probe-{os.getpid()}.bin"
    page = os.urandom(8192)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    done = 0
    started = time.perf_counter()
    try:
        while done < max_syncs and time.perf_counter() - started < seconds:
            os.pwrite(fd, page, 0)
            os.fdatasync(fd)
            done += 1
        elapsed = time.perf_counter() - started
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return Result("disk fsync (8 KiB write + fdatasync)", rate(done, elapsed), "fsync/s")


def loopback_tcp(megabytes: int = 512) -> Result:
    """Stream `megabytes` over TCP on 127.0.0.1: the ceiling for any local client and broker."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    received = 0

    def drain() -> None:
        nonlocal received
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(4 * MB):
                received += len(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    block = bytes(4 * MB)
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as client:
        for _ in range(megabytes // 4):
            client.sendall(block)
    reader.join(timeout=30)
    elapsed = time.perf_counter() - started
    server.close()
    return Result("loopback TCP 127.0.0.1", rate(received // MB, elapsed), "MB/s")
