"""PostgreSQL: COPY, COPY-to-staging + one upsert per batch, and pgbench single-row inserts."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# asyncpg ships no type information; the project's mypy config may list it later.
import asyncpg  # type: ignore[import-untyped, unused-ignore]

from bench.loans import COLUMNS, TABLE_DDL, Row, loan_rows
from bench.report import Progress, Result, rate
from crm.settings import Settings

MB = 1024 * 1024
PGBENCH_TPS = re.compile(r"tps = ([\d.]+) \(without initial connection time\)")


async def _connect(settings: Settings) -> asyncpg.Connection:
    return await asyncpg.connect(settings.asyncpg_dsn(), timeout=10)


async def _size(conn: asyncpg.Connection, table: str) -> int:
    size: int = await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
    return size


async def _copy_in_chunks(
    conn: asyncpg.Connection, table: str, rows: list[Row], batch: int, label: str
) -> None:
    progress = Progress(label, len(rows))
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        await conn.copy_records_to_table(table, records=chunk, columns=COLUMNS)
        progress.update(start + len(chunk))


def _disk_ratio_result(
    name: str, rows: int, seconds: float, grown: int, disk_mb_s: float | None
) -> Result:
    # Bytes the relation (heap + indexes) grew by per second, against the disk's bandwidth;
    # WAL roughly doubles what is really written, so the true ratio is higher.
    limit = None if disk_mb_s is None else disk_mb_s * MB * rows / max(grown, 1)
    return Result(
        name,
        rate(rows, seconds),
        "rows/s",
        limit=limit,
        limit_source="disk write / relation bytes per row",
        note=f"{grown / max(rows, 1):.0f} relation bytes per row",
    )


async def copy_rows(settings: Settings, count: int, batch: int, disk_mb_s: float | None) -> Result:
    """COPY loan rows into a fresh table with asyncpg's copy_records_to_table."""
    rows = loan_rows(count)
    table = f"bench_copy_{uuid.uuid4().hex[:12]}"
    conn = await _connect(settings)
    try:
        await conn.execute(f"CREATE TABLE {table} ({TABLE_DDL})")
        before = await _size(conn, table)
        started = time.perf_counter()
        await _copy_in_chunks(conn, table, rows, batch, "COPY")
        elapsed = time.perf_counter() - started
        grown = await _size(conn, table) - before
    finally:
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
        await conn.close()
    return _disk_ratio_result("PostgreSQL COPY", count, elapsed, grown, disk_mb_s)


async def staging_upsert(
    settings: Settings, count: int, batch: int, disk_mb_s: float | None
) -> list[Result]:
    """COPY each batch into a temp table, then one INSERT … ON CONFLICT DO UPDATE per batch."""
    table = f"bench_upsert_{uuid.uuid4().hex[:12]}"
    staging = f"{table}_staging"
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
    cols = ", ".join(COLUMNS)
    upsert = (
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging} "
        f"ON CONFLICT (account_number) DO UPDATE SET {updates} "
        # Replays of an older version must not overwrite a newer one.
        f"WHERE {table}.updated_at < EXCLUDED.updated_at"
    )
    conn = await _connect(settings)
    results = []
    try:
        await conn.execute(f"CREATE TABLE {table} ({TABLE_DDL}, PRIMARY KEY (account_number))")
        await conn.execute(f"CREATE TEMP TABLE {staging} (LIKE {table}) ON COMMIT DELETE ROWS")
        # Generation 0 inserts every key; generation 1 takes the conflict (update) path.
        for generation, path in ((0, "insert"), (1, "update")):
            rows = loan_rows(count, generation)
            before = await _size(conn, table)
            progress = Progress(f"staging upsert ({path})", count)
            started = time.perf_counter()
            for start in range(0, count, batch):
                chunk = rows[start : start + batch]
                async with conn.transaction():
                    await conn.copy_records_to_table(staging, records=chunk, columns=COLUMNS)
                    await conn.execute(upsert)
                progress.update(start + len(chunk))
            elapsed = time.perf_counter() - started
            grown = await _size(conn, table) - before
            name = f"PostgreSQL COPY staging + upsert ({path})"
            results.append(_disk_ratio_result(name, count, elapsed, grown, disk_mb_s))
    finally:
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
        await conn.close()
    return results


def _pgbench_binary() -> str:
    packaged = Path("/usr/lib/postgresql/15/bin/pgbench")
    found = str(packaged) if packaged.exists() else shutil.which("pgbench")
    if found is None:
        raise RuntimeError("pgbench not found in /usr/lib/postgresql/15/bin or PATH")
    return found


def _run_pgbench(settings: Settings, table: str, clients: int, seconds: int) -> float:
    script = (
        "\\set n random(1, 1000000000)\n"
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES "
        "('LN' || :n, 'CIF' || :n, 'CARD', 1234.56, 102.88, 30, 'DELINQUENT', now());\n"
    )
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    password = settings.database_password()
    if password is not None:
        env["PGPASSWORD"] = password
    with tempfile.NamedTemporaryFile("w", suffix=".sql", prefix="crm-pgbench-") as f:
        f.write(script)
        f.flush()
        command = [
            _pgbench_binary(),
            *("-n", "-f", f.name, "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1))),
            *("-T", str(seconds), "-P", "2"),
            *("-h", settings.pg_host, "-p", str(settings.pg_port), "-U", settings.pg_user),
            settings.pg_database,
        ]
        # pgbench's progress lines go straight to our stderr; its summary comes on stdout.
        done = subprocess.run(
            command,
            stdout=subprocess.PIPE,
            stderr=sys.stderr,
            text=True,
            env=env,
            timeout=seconds + 60,
            check=False,
        )
    match = PGBENCH_TPS.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"pgbench failed (exit {done.returncode}): {done.stdout[-500:]}")
    return float(match.group(1))


async def pgbench_inserts(
    settings: Settings, clients: int, seconds: int, fsync_per_s: float | None
) -> Result:
    """Single-row durable INSERTs from `clients` pgbench connections for `seconds`."""
    table = f"bench_pgbench_{uuid.uuid4().hex[:12]}"
    conn = await _connect(settings)
    try:
        ddl = f"id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {TABLE_DDL}"
        await conn.execute(f"CREATE TABLE {table} ({ddl})")
        tps = await asyncio.to_thread(_run_pgbench, settings, table, clients, seconds)
    finally:
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
        await conn.close()
    return Result(
        f"pgbench single-row INSERT (-c {clients})",
        tps,
        "tx/s",
        limit=fsync_per_s,
        limit_source="disk fsync/s; group commit can exceed 1",
    )
