"""The asyncpg connection pool the services' sinks and queries share."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from crm.settings import Settings

# Long enough for a 50k-row COPY plus upsert; short enough that a hung server is noticed.
COMMAND_TIMEOUT_SECONDS = 60.0


# jsonb's binary wire format is a version byte (1) and the JSON text.
_JSONB_VERSION = b"\x01"


def _encode_jsonb(value: Any) -> bytes:
    return _JSONB_VERSION + json.dumps(value, separators=(",", ":")).encode()


# The decoder's C scanner, called directly: json.loads on bytes first sniffs the encoding and
# goes through two Python layers, which made jsonb decoding half of a work queue's cost.
_DECODER = json.JSONDecoder()


def _decode_jsonb(data: bytes) -> Any:
    # PostgreSQL sends jsonb as UTF-8 and one complete value: nothing to sniff or trail.
    return _DECODER.raw_decode(data[1:].decode())[0]


async def _init_connection(connection: asyncpg.Connection) -> None:
    """Make jsonb columns take and return Python objects, in COPY too."""
    # Binary, not text: copy_records_to_table speaks only the binary format.
    await connection.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=_encode_jsonb,
        decoder=_decode_jsonb,
        format="binary",
    )


class _PooledConnection(asyncpg.Connection):
    """A pooled connection released without asyncpg's session reset.

    The reset (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL) is one more round trip per
    release, which profiling showed as 11% of the workflow worker under load. Nothing here
    leaves session state behind: advisory locks and settings are transaction-scoped (xact
    locks, SET LOCAL) and no pooled connection LISTENs; asyncpg still rolls back an open
    transaction on release.
    """

    def get_reset_query(self) -> str:
        return ""


async def create_pool(
    settings: Settings,
    *,
    dsn: str | None = None,
    min_size: int = 1,
    max_size: int = 10,
    application_name: str = "crm",
) -> asyncpg.Pool:
    """Open an asyncpg pool for the configured database (or the given DSN)."""
    pool = await asyncpg.create_pool(
        dsn or settings.asyncpg_dsn(),
        min_size=min_size,
        max_size=max_size,
        command_timeout=COMMAND_TIMEOUT_SECONDS,
        init=_init_connection,
        # JSON that PostgreSQL renders (the work queue) shows times in UTC, like the views do.
        server_settings={"application_name": application_name, "timezone": "UTC"},
        connection_class=_PooledConnection,
    )
    return pool
