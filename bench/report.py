"""Benchmark results: progress lines while running, one table and a JSON file at the end."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Result:
    """One measured number, with the physical limit it is bounded by when there is one."""

    name: str
    value: float
    unit: str
    limit: float | None = None
    limit_source: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.limit is None or self.limit <= 0:
            return None
        return self.value / self.limit


class Progress:
    """Print `done/total` and the rate so far, at most once per `every` seconds."""

    def __init__(self, label: str, total: int, every: float = 1.0) -> None:
        self.label = label
        self.total = total
        self.every = every
        self.started = time.perf_counter()
        self._last = self.started

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if now - self._last >= self.every or done >= self.total:
            self._last = now
            rate = done / max(now - self.started, 1e-9)
            print(f"  {self.label}: {done:,}/{self.total:,} ({rate:,.0f}/s)", file=sys.stderr)


def rate(count: int, seconds: float) -> float:
    return count / max(seconds, 1e-9)


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def render_table(results: list[Result]) -> str:
    rows = [("benchmark", "result", "unit", "physical limit", "ratio")]
    for r in results:
        limit = f"{_fmt(r.limit)} ({r.limit_source})" if r.limit is not None else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        rows.append((r.name, _fmt(r.value, 1 if r.value < 100 else 0), r.unit, limit, ratio))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            c.ljust(w) if i in (0, 2, 3) else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(
    results: list[Result], errors: dict[str, str], params: dict[str, Any], out_dir: Path
) -> Path:
    """Write the run to out_dir/baseline-<UTC timestamp>.json and return the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"baseline-{stamp}.json"
    doc = {
        "taken_at": datetime.now(UTC).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "params": params,
        "results": [{**asdict(r), "ratio": r.ratio} for r in results],
        "errors": errors,
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path
