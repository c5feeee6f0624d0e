"""Random keys of existing rows, cheap on tables of millions of rows.

ORDER BY random() sorts the whole table for every refill; TABLESAMPLE SYSTEM reads only a
few random pages. Small tables and narrow customer ranges (where a page sample finds next to
nothing) fall back to a random sort of just the rows in range, which an index finds.
"""

from __future__ import annotations

from random import Random

import psycopg

from simulators.keys import IndexRange
from simulators.tables import Table

POOL_SIZE = 500
# Below this many rows a full random sort is cheap and a page sample is too lumpy.
SAMPLE_FROM_ROWS = 50_000


class KeyPool:
    """Hand out keys of one table's rows in a customer range, refilling as it runs dry."""

    def __init__(
        self,
        conn: psycopg.Connection,
        table: Table,
        scope: IndexRange,
        rng: Random,
        pick: int = POOL_SIZE,
    ) -> None:
        self.conn, self.table, self.scope, self.pick = conn, table, scope, pick
        self.rng = rng
        self._keys: list[object] = []

    def _estimated_rows(self) -> float:
        row = self.conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", (self.table.qualified,)
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else 0.0

    def _refill(self) -> None:
        key, bounds = f'"{self.table.key}"', self.table.bounds(self.scope)
        where = self.table.range_sql()
        rows = self._estimated_rows()
        found: list[object] = []
        if rows >= SAMPLE_FROM_ROWS:
            percent = min(100.0, 100.0 * 4 * self.pick / rows)
            sql = (
                f"SELECT {key} FROM {self.table.qualified} TABLESAMPLE SYSTEM ({percent:.6f})"
                f" WHERE {where} LIMIT {self.pick}"
            )
            found = [r[0] for r in self.conn.execute(sql, bounds)]
        if len(found) < self.pick // 10:
            sql = (
                f"SELECT {key} FROM {self.table.qualified} WHERE {where}"
                f" ORDER BY random() LIMIT {self.pick}"
            )
            found = [r[0] for r in self.conn.execute(sql, bounds)]
        # A page sample comes in page order: shuffle so neighbours are not changed in a row.
        self.rng.shuffle(found)
        self._keys = found

    def take(self) -> object | None:
        """A key of a row that existed a moment ago, or None when the range has none."""
        if not self._keys:
            self._refill()
        return self._keys.pop() if self._keys else None
