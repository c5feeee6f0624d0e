"""Idempotent batch upserts into PostgreSQL: COPY into staging, then one INSERT ON CONFLICT."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import asyncpg
from asyncpg.exceptions import _base as asyncpg_base
from prometheus_client import Counter, Histogram
from sqlalchemy import FromClause, Table
from sqlalchemy.dialects import postgresql

from persistence.buffer import BatchBuffer, dedupe_last

__all__ = ["BatchBuffer", "PostgresSink", "SinkDataError"]

log = logging.getLogger(__name__)

ROWS_WRITTEN = Counter(
    "crm_sink_rows_written_total", "Rows inserted or updated by sinks", ["table"]
)
BATCH_SECONDS = Histogram(
    "crm_sink_batch_seconds",
    "Time to write one batch, retries included",
    ["table"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
RETRIES = Counter("crm_sink_retries_total", "Batch attempts retried after an outage", ["table"])

# The same batch can succeed later: the server is unreachable, restarting, full of
# connections, or this transaction lost a race (deadlock, serialization) with another writer.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes refused/reset connections and TimeoutError (pool acquire, connect)
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TransactionRollbackError,
    # The client's view of a connection the server cut mid-operation; see _write_once.
    asyncpg.InternalClientError,
)
# Retrying cannot fix these: the rows themselves are wrong; the caller dead-letters them.
DATA_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.DataError,  # SQLSTATE class 22: invalid value, out of range
    # SQLSTATE class 54: for our one-statement upserts, a value too large for a B-tree entry.
    # The batch is then retried row by row, so only the row that can never fit is refused.
    asyncpg.ProgramLimitExceededError,
    asyncpg_base.DataError,  # raised client-side when a Python value cannot be encoded
)

_quote = postgresql.dialect().identifier_preparer.quote


class SinkDataError(Exception):
    """A batch PostgreSQL refused because of its content; retrying would fail again."""

    def __init__(self, table: str, batch_size: int, cause: BaseException) -> None:
        super().__init__(f"{table}: batch of {batch_size} rows refused: {cause}")
        self.table = table
        self.batch_size = batch_size
        self.cause = cause


def backoff_delay(attempt: int, initial: float, maximum: float) -> float:
    """Return the pause before retry `attempt` (1-based): doubling, capped, jittered."""
    ceiling = min(maximum, initial * 2 ** (attempt - 1))
    # Jitter spreads the reconnects of many workers after one outage.
    return random.uniform(ceiling / 2, ceiling)


class PostgresSink:
    """Upsert batches of rows into one table by its natural key."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        table: FromClause,
        key_columns: Sequence[str],
        *,
        update_columns: Sequence[str] | None = None,
        version_column: str | None = None,
        acquire_timeout: float = 10.0,
        initial_backoff: float = 0.2,
        max_backoff: float = 5.0,
    ) -> None:
        if not isinstance(table, Table):
            raise TypeError(f"{table!r} is not a Table")
        generated = {c.name for c in table.columns if c.identity is not None}
        if table.autoincrement_column is not None:
            generated.add(table.autoincrement_column.name)
        self._insertable = [c.name for c in table.columns if c.name not in generated]
        named = [
            *key_columns,
            *(update_columns or ()),
            *([version_column] if version_column else []),
        ]
        unknown = [n for n in named if n not in self._insertable]
        if unknown or not key_columns:
            raise ValueError(f"{table.fullname}: bad key/update/version columns {unknown}")
        self.name = table.fullname
        self._pool = pool
        self._target = (
            f"{_quote(table.schema)}.{_quote(table.name)}" if table.schema else _quote(table.name)
        )
        self._keys = tuple(key_columns)
        self._update_columns = None if update_columns is None else tuple(update_columns)
        self._version_column = version_column
        self._acquire_timeout = acquire_timeout
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._staging = "stage_" + hashlib.blake2s(self.name.encode(), digest_size=8).hexdigest()
        # A per-session temp table, created once per connection and emptied at each commit:
        # no catalog churn per batch. PostgreSQL empties every such table of a session at
        # each commit that used one, so a connection should serve one sink (CrmApp.sink_pool).
        # Not LIKE target: that would copy NOT NULL constraints onto columns (identity,
        # defaulted) that a batch leaves out.
        self._create_staging = (
            f"CREATE TEMP TABLE IF NOT EXISTS {self._staging} ON COMMIT DELETE ROWS AS "
            f"SELECT {', '.join(map(_quote, self._insertable))} FROM {self._target} WITH NO DATA"
        )
        self._upserts: dict[tuple[str, ...], str] = {}

    async def write(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Upsert rows in one transaction; wait out outages; return rows inserted or updated."""
        return len(await self._write(rows, returning=False))

    async def write_returning(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Upsert like `write`; return (*key, inserted) of each row stored.

        Rows the version guard skipped are not returned: the caller learns exactly which
        changes won and publishes only those.
        """
        return await self._write(rows, returning=True)

    async def _write(
        self, rows: Sequence[Mapping[str, Any]], *, returning: bool
    ) -> list[tuple[Any, ...]]:
        if not rows:
            return []
        columns = self._columns_of(rows)
        batch = dedupe_last(rows, self._keys)
        # itemgetter is the fastest way to lay 50k dicts out as tuples in column order.
        values_of = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
        records = [values_of(row) for row in batch]
        upsert = self._upsert_sql(columns)
        if returning:
            keys = ", ".join(f"target.{_quote(k)}" for k in self._keys)
            # xmax is 0 on a row version this statement inserted, not on one it updated.
            upsert += f" RETURNING {keys}, (target.xmax = 0) AS inserted"
        started = time.perf_counter()
        attempt = 0
        while True:
            try:
                stored = await self._write_once(columns, records, upsert, returning)
                break
            except DATA_ERRORS as exc:
                raise SinkDataError(self.name, len(batch), exc) from exc
            except TRANSIENT_ERRORS as exc:
                attempt += 1
                delay = backoff_delay(attempt, self._initial_backoff, self._max_backoff)
                RETRIES.labels(self.name).inc()
                log.warning(
                    "sink %s: attempt %d failed (%s: %s); retrying in %.2fs",
                    self.name,
                    attempt,
                    type(exc).__name__,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
        BATCH_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        ROWS_WRITTEN.labels(self.name).inc(len(stored))
        return stored

    async def _write_once(
        self, columns: tuple[str, ...], records: list[tuple[Any, ...]], upsert: str, returning: bool
    ) -> list[tuple[Any, ...]]:
        async with self._pool.acquire(timeout=self._acquire_timeout) as connection:
            try:
                return await self._in_transaction(connection, columns, records, upsert, returning)
            except asyncpg.InternalClientError:
                # The server cut the connection in the middle of a COPY (PostgreSQL shutting
                # down): its protocol state is unusable, so it must not go back to the pool,
                # and its siblings, cut at the same moment, are replaced as they come back.
                connection.terminate()
                await self._pool.expire_connections()
                raise

    async def _in_transaction(
        self,
        connection: asyncpg.Connection,
        columns: tuple[str, ...],
        records: list[tuple[Any, ...]],
        upsert: str,
        returning: bool,
    ) -> list[tuple[Any, ...]]:
        # BEGIN and the staging table's check go in one message: every round trip of a
        # batch waits for the worker's event loop, which also serves web requests. Under
        # webhook load that wait, not PostgreSQL, was most of a sink's time.
        await connection.execute(f"BEGIN; {self._create_staging}")
        try:
            try:
                await connection.copy_records_to_table(
                    self._staging, records=records, columns=list(columns)
                )
            except (TypeError, ValueError, ArithmeticError) as exc:
                # asyncpg encodes COPY rows itself and lets a bad Python value's own
                # exception escape (a str for a timestamptz, "abc" for a numeric).
                raise SinkDataError(self.name, len(records), exc) from exc
            if returning:
                stored = [tuple(r) for r in await connection.fetch(upsert)]
                await connection.execute("COMMIT")
                return stored
            status: str = await connection.execute(upsert)
            await connection.execute("COMMIT")
        except BaseException:
            await _rollback(connection)
            raise
        # Status is "INSERT 0 <n>": rows skipped by the version guard are not counted. Only
        # the count matters to `write`, so it gets placeholder tuples.
        return [()] * int(status.rsplit(" ", 1)[1])

    def _columns_of(self, rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
        """Return the insertable columns the rows carry; every row must carry the same."""
        first = rows[0].keys()
        if any(row.keys() != first for row in rows):
            raise ValueError(f"{self.name}: rows of one batch must have the same columns")
        unknown = set(first) - set(self._insertable)
        missing = set(self._keys) - set(first)
        if unknown or missing:
            raise ValueError(f"{self.name}: unknown columns {unknown}, missing keys {missing}")
        return tuple(c for c in self._insertable if c in first)

    def _upsert_sql(self, columns: tuple[str, ...]) -> str:
        """Build (once per column set) the INSERT … SELECT … ON CONFLICT statement."""
        if columns in self._upserts:
            return self._upserts[columns]
        # An explicit empty list means insert-or-nothing, not "update everything".
        wanted = columns if self._update_columns is None else self._update_columns
        if self._version_column is not None:
            # The guard only protects later batches if the stored version moves forward.
            wanted = (*wanted, self._version_column)
        updates = [c for c in dict.fromkeys(wanted) if c in columns and c not in self._keys]
        names = ", ".join(map(_quote, columns))
        keys = ", ".join(map(_quote, self._keys))
        # Sorted by key so concurrent writers lock rows in one order and cannot deadlock.
        sql = (
            f"INSERT INTO {self._target} AS target ({names}) "
            f"SELECT {names} FROM {self._staging} ORDER BY {keys} ON CONFLICT ({keys}) "
        )
        if not updates:
            sql += "DO NOTHING"
        else:
            sql += "DO UPDATE SET " + ", ".join(
                f"{_quote(c)} = EXCLUDED.{_quote(c)}" for c in updates
            )
            if self._version_column is not None:
                version = _quote(self._version_column)
                sql += f" WHERE target.{version} IS NULL OR target.{version} <= EXCLUDED.{version}"
        self._upserts[columns] = sql
        return sql


async def _rollback(connection: asyncpg.Connection) -> None:
    """End a failed batch's transaction, if the connection can still be asked to.

    Never raises: the batch's own error is what the caller retries or reports. A connection
    PostgreSQL closed (a shutdown mid-COMMIT) has already left the pool; one that cannot
    answer is replaced when the pool fails to reset it.
    """
    try:
        await connection.execute("ROLLBACK")
    except Exception as exc:  # closed, released, or mid-protocol after a cut COPY
        log.debug("rollback after a failed batch not possible: %r", exc)
