"""Load a generated population into the source databases with COPY, chunk by chunk.

Generation (CPU in this process) and COPY (network and the server's CPU) overlap: one
writer thread per source database takes batches from a short queue, so memory stays at a few
chunks whatever the population size.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TextIO

import psycopg

from crm.settings import Settings
from simulators.db import connect_sources
from simulators.generator import DEFAULT_CHUNK, Batch, generate
from simulators.keys import IndexRange
from simulators.progress import Progress
from simulators.sources import SOURCES, Source
from simulators.tables import TABLES, Table

# Batches waiting per writer: enough to ride out a slow commit, small enough to bound memory.
QUEUE_DEPTH = 3


class KeysTaken(ValueError):
    """Rows of the requested customer range already exist: loading would collide."""


def taken_tables(conns: Mapping[str, psycopg.Connection], customers: IndexRange) -> list[Table]:
    """Return the tables that already hold rows of these customers."""
    taken = []
    for table in TABLES:
        sql = f"SELECT 1 FROM {table.qualified} WHERE {table.range_sql()} LIMIT 1"
        with conns[table.source.name].cursor() as cur:
            if cur.execute(sql, table.bounds(customers)).fetchone():
                taken.append(table)
        conns[table.source.name].rollback()
    return taken


def copy_rows(conn: psycopg.Connection, table: Table, rows: Iterable[tuple[object, ...]]) -> None:
    with conn.cursor() as cur, cur.copy(table.copy_sql()) as copy:
        for row in rows:
            copy.write_row(row)


class _Writer(threading.Thread):
    """COPY every batch's rows of one source database, committing once per batch."""

    def __init__(self, source: Source, conn: psycopg.Connection) -> None:
        super().__init__(name=f"copy-{source.name}", daemon=True)
        self.source, self.conn = source, conn
        self.batches: queue.Queue[Batch | None] = queue.Queue(QUEUE_DEPTH)
        self.error: BaseException | None = None

    def run(self) -> None:
        while (batch := self.batches.get()) is not None:
            if self.error is not None:
                continue  # drain, so the producer never blocks on a dead writer
            try:
                for table, rows in batch.rows.items():
                    if table.source is self.source and rows:
                        copy_rows(self.conn, table, rows)
                self.conn.commit()
            except BaseException as exc:  # reported by the producer, in its own thread
                self.error = exc
                self.conn.rollback()


def load(
    conns: Mapping[str, psycopg.Connection],
    sources: Iterable[Source],
    batches: Iterable[Batch],
    *,
    total: int | None = None,
    out: TextIO | None = None,
) -> Counter[str]:
    """Write every batch to its source databases; return the rows written per table."""
    writers = [_Writer(s, conns[s.name]) for s in sources]
    for writer in writers:
        writer.start()
    progress = Progress("generate", "customers", total=total, out=out)
    written: Counter[str] = Counter()
    try:
        for batch in batches:
            for writer in writers:
                if writer.error is not None:
                    raise writer.error
                writer.batches.put(batch)
            written.update({str(t): len(r) for t, r in batch.rows.items()})
            progress.add(batch.customers, batch.count())
    finally:
        for writer in writers:
            writer.batches.put(None)
        for writer in writers:
            writer.join()
    for writer in writers:
        if writer.error is not None:
            raise writer.error
    progress.report(final=True)
    return written


def populate(
    settings: Settings,
    customers: int,
    seed: int,
    *,
    start: int = 0,
    as_of: date,
    chunk: int = DEFAULT_CHUNK,
    out: TextIO | None = None,
) -> Counter[str]:
    """Generate customers start..start+customers-1 into the source databases.

    Refuses (KeysTaken) when any table already holds rows of that range: a half-loaded or
    repeated range would fail mid-way on a duplicate key instead.
    """
    batches = generate(customers, seed, start=start, as_of=as_of, chunk=chunk)
    with connect_sources(settings) as conns:
        if customers and (taken := taken_tables(conns, IndexRange(start, start + customers))):
            names = ", ".join(str(t) for t in taken)
            raise KeysTaken(
                f"customers {start}..{start + customers - 1} already have rows in {names}; "
                "choose another --start"
            )
        return load(conns, SOURCES, batches, total=customers, out=out)
