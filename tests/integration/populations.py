"""Synthetic populations for end-to-end sync tests, and waiting for the copy to match."""

from __future__ import annotations

import random
from typing import Any

import asyncpg

from crm.settings import Settings
from simulators.checksums import crm_side, source_side
from simulators.keys import CHURN_FIRST_INDEX, IndexRange
from tests.integration.conftest import apoll


def fresh(size: int) -> IndexRange:
    start = random.SystemRandom().randrange(100_000_000, CHURN_FIRST_INDEX - size, 1000)
    return IndexRange(start, start + size)


async def converged(
    settings: Settings, db: asyncpg.Pool, scope: IndexRange, deadline: float
) -> None:
    """Wait until every table's checksum matches; fail showing the tables that differ."""
    last: dict[str, Any] = {}

    async def same() -> bool:
        source, crm = source_side(settings, scope), await crm_side(db, scope)
        last.clear()
        last.update({k: (source[k], crm[k]) for k in source if source[k] != crm[k]})
        return not last

    try:
        await apoll(same, deadline_s=deadline, what="matching checksums")
    except AssertionError as exc:
        held = await _still_held(db, scope)
        raise AssertionError(
            f"tables still differ (source, crm): {last}; held for a customer: {held}"
        ) from exc


async def _still_held(db: asyncpg.Pool, scope: IndexRange) -> dict[str, tuple[int, int]]:
    """Per entity type, held records of the scope, and how many of their customers arrived.

    A record held although its customer is in PostgreSQL points at the holds (RocksDB)
    rather than at the change topics.
    """
    low, high = scope.text("CIF")
    rows = await db.fetch(
        "SELECT o.entity_type, count(*) AS held, count(c.cif) AS arrived"
        " FROM sync_metadata.orphan o LEFT JOIN sync_entities.customer c ON c.cif = o.cif"
        " WHERE o.cif >= $1 AND o.cif < $2 GROUP BY o.entity_type",
        low,
        high,
    )
    return {r["entity_type"]: (r["held"], r["arrived"]) for r in rows}
