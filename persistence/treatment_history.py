"""Each customer's stays in segments' arms (workflow.customer_treatment_history).

Written in the placement's transaction, before the treatments change: a stay ends when the
customer's segment, strategy or arm changes or no segment takes them any more, and a new one
starts with the new treatment. A decision that changes nothing leaves the stay open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from domain.strategy import Treatment

_CURRENT = """
SELECT cif, segment_code, strategy_code, arm FROM workflow.customer_treatment
WHERE cif = ANY($1::text[])
FOR UPDATE
"""
_END = """
UPDATE workflow.customer_treatment_history h SET ended_at = $2, ended_reason = x.reason
FROM unnest($1::text[], $3::text[]) AS x(cif, reason)
WHERE h.cif = x.cif AND h.ended_at IS NULL
"""
_START = """
INSERT INTO workflow.customer_treatment_history
  (cif, segment_code, strategy_code, arm, bucket, started_at)
SELECT x.cif, x.segment_code, x.strategy_code, x.arm, x.bucket, $6
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     AS x(cif, segment_code, strategy_code, arm, bucket)
"""


Arm3 = tuple[str, str, str]  # segment, strategy, arm


def moves(
    current: dict[str, Arm3], decided: Sequence[tuple[str, str, Treatment | None]]
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, str, str]]]:
    """Stays to end (cif, reason) and to start (cif, segment, strategy, arm, bucket)."""
    ending: list[tuple[str, str]] = []
    starting: list[tuple[str, str, str, str, str]] = []
    for cif, bucket, t in decided:
        new = None if t is None else (t.segment_code, t.strategy.code, t.arm.value)
        old = current.get(cif)
        if new == old:
            continue
        if old is not None:
            ending.append((cif, "NO SEGMENT" if new is None else f"MOVED TO SEGMENT {new[0]}"))
        if new is not None:
            starting.append((cif, *new, bucket))
    return ending, starting


async def follow(
    conn: asyncpg.Connection,
    decided: Sequence[tuple[str, str, Treatment | None]],
    now: datetime,
) -> None:
    """Record where each (cif, bucket, treatment) decision moves the customer."""
    current = {
        r["cif"]: (r["segment_code"], r["strategy_code"], r["arm"])
        for r in await conn.fetch(_CURRENT, [cif for cif, _, _ in decided])
    }
    ending, starting = moves(current, decided)
    if ending:
        await conn.execute(_END, [c for c, _ in ending], now, [r for _, r in ending])
    if starting:
        columns = list(zip(*starting, strict=True))
        await conn.execute(_START, *(list(col) for col in columns), now)
