"""Periodic progress lines on stderr for long loads and simulations."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    """Count work and print a line at most every `every` seconds: done, total and rate."""

    def __init__(
        self,
        what: str,
        unit: str,
        *,
        total: int | None = None,
        every: float = 2.0,
        out: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what, self.unit, self.total, self.every = what, unit, total, every
        self.out = out if out is not None else sys.stderr
        self.clock = clock
        self.started = self._last = clock()
        self.done = 0
        self.rows = 0
        # Parallel churners count into one progress line.
        self._lock = threading.Lock()

    def add(self, done: int, rows: int = 0) -> None:
        with self._lock:
            self.done += done
            self.rows += rows
            due = self.clock() - self._last >= self.every
            if due:
                self._last = self.clock()
        if due:
            self.report()

    def elapsed(self) -> float:
        return max(self.clock() - self.started, 1e-9)

    def report(self, final: bool = False) -> None:
        self._last = self.clock()
        seconds = self.elapsed()
        of = f"/{self.total}" if self.total is not None else ""
        line = f"{self.what}: {self.done}{of} {self.unit}, {self.done / seconds:,.0f} {self.unit}/s"
        if self.rows:
            line += f", {self.rows} rows, {self.rows / seconds:,.0f} rows/s"
        print(f"{line}, {seconds:,.1f}s{' (done)' if final else ''}", file=self.out, flush=True)
