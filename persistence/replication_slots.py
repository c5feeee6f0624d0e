"""How much WAL a source's PostgreSQL server keeps for its Debezium connector's slot.

A slot holds WAL until the connector confirms it; a stopped connector, or one whose source
sees no changes while other databases on the server write (see connectors/debezium), makes
the server keep WAL until its disk fills. GET /api/sync/status reports it per source.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncpg

_TIMEOUT_SECONDS = 5.0


def slot_of(config: Path) -> tuple[str, str] | None:
    """The database and replication slot a connector config names (PostgreSQL only)."""
    raw: dict[str, Any] = json.loads(config.read_text())
    slot, database = raw.get("slot.name"), raw.get("database.dbname")
    if not slot or not database or "postgresql" not in str(raw.get("connector.class", "")):
        return None
    return str(database), str(slot)


async def slot_state(dsn: str, slot: str) -> dict[str, Any]:
    """The slot's activity and the WAL its server keeps for it; UNKNOWN when unreachable."""
    try:
        conn = await asyncpg.connect(dsn, timeout=_TIMEOUT_SECONDS)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return {"name": slot, "state": "UNKNOWN", "error": type(exc).__name__}
    try:
        row = await conn.fetchrow(
            "SELECT active,"
            " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained,"
            " pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS unconfirmed"
            " FROM pg_replication_slots WHERE slot_name = $1",
            slot,
            timeout=_TIMEOUT_SECONDS,
        )
    except (asyncpg.PostgresError, TimeoutError) as exc:
        return {"name": slot, "state": "UNKNOWN", "error": type(exc).__name__}
    finally:
        await conn.close()
    if row is None:
        return {"name": slot, "state": "MISSING"}
    return {
        "name": slot,
        "state": "ACTIVE" if row["active"] else "INACTIVE",
        # WAL the server cannot remove, and WAL the connector has not confirmed yet.
        "retainedBytes": row["retained"],
        "unconfirmedBytes": row["unconfirmed"],
    }
