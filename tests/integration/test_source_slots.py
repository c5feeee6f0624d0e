"""The sources' replication slots let go of WAL that other databases on the server write.

Logical decoding reads the whole server's WAL, and a slot confirms only the positions of
changes its connector received. The CRM database shares the development server with the
simulated sources (a bank's T24 may share one with busier databases): without the
connectors' heartbeat writes, an idle source's slot would hold every byte the CRM writes.
"""

from __future__ import annotations

import asyncpg
import pytest

from crm.settings import Settings
from tests.integration.conftest import apoll

pytestmark = pytest.mark.integration

SOURCE_SLOTS = ("crm_t24", "crm_w4", "crm_los")
# A heartbeat every 10 s, offsets flushed every 5 s: a few rounds on a busy machine.
DEADLINE = 90.0


async def test_idle_sources_slots_confirm_wal_written_by_the_crm_database(
    system: Settings, db: asyncpg.Pool
) -> None:
    # WAL from the CRM database alone, no change in any source.
    await db.execute("SELECT pg_logical_emit_message(false, 'crm-test', repeat('x', 65536))")
    written = await db.fetchval("SELECT pg_current_wal_lsn()")

    async def behind() -> list[str]:
        rows = await db.fetch(
            "SELECT slot_name, confirmed_flush_lsn >= $1::pg_lsn AS past"
            " FROM pg_replication_slots WHERE slot_name = ANY($2::text[])",
            written,
            list(SOURCE_SLOTS),
        )
        assert sorted(r["slot_name"] for r in rows) == sorted(SOURCE_SLOTS), rows
        return [r["slot_name"] for r in rows if not r["past"]]

    lagging: list[str] = []

    async def all_past() -> bool:
        lagging[:] = await behind()
        return not lagging

    try:
        await apoll(all_past, deadline_s=DEADLINE, what="every source slot past the CRM's WAL")
    except AssertionError as exc:
        raise AssertionError(f"slots still holding the CRM's WAL: {lagging}") from exc
