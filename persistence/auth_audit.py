"""The append-only audit log: writing entries and querying them newest first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from persistence.auth_records import AuditCursor, AuditEntry, PoolStore, ip_text

AUDIT_COLUMNS = (
    "id, occurred_at, actor, action, resource_type, resource_id, outcome, details, request_id,"
    " customer_cif, ip_address, service"
)


class AuditStore(PoolStore):
    """audit.audit_log; a trigger refuses UPDATE, DELETE and TRUNCATE, so entries only grow."""

    async def append_audit(
        self,
        *,
        occurred_at: dt.datetime,
        actor: str,
        action: str,
        resource_type: str,
        resource_id: str | None,
        outcome: str,
        details: dict[str, Any],
        request_id: str | None,
        ip: str | None = None,
        customer_cif: str | None = None,
        service: str | None = None,
        event_id: str | None = None,
    ) -> int | None:
        """Append one entry and return its id (None when this event id is already there)."""
        entry_id: int | None = await self._pool.fetchval(
            "INSERT INTO audit.audit_log (occurred_at, actor, action, resource_type,"
            " resource_id, outcome, details, request_id, ip_address, customer_cif, service,"
            " event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            " ON CONFLICT (event_id) DO NOTHING RETURNING id",
            occurred_at,
            actor,
            action,
            resource_type,
            resource_id,
            outcome,
            details,
            request_id,
            ip,
            customer_cif,
            service,
            event_id,
        )
        return entry_id

    async def query_audit(
        self,
        user: str | None = None,
        action: str | None = None,
        customer: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        after: AuditCursor | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Return entries newest first, filtered, continuing after the cursor `after`.

        `since` is inclusive and `until` exclusive, so consecutive ranges do not overlap.
        """
        after_at, after_id = after if after is not None else (None, None)
        rows = await self._pool.fetch(
            f"SELECT {AUDIT_COLUMNS} FROM audit.audit_log"
            " WHERE ($1::text IS NULL OR actor = $1)"
            " AND ($2::text IS NULL OR action = $2)"
            " AND ($3::text IS NULL OR customer_cif = $3)"
            " AND ($4::timestamptz IS NULL OR occurred_at >= $4)"
            " AND ($5::timestamptz IS NULL OR occurred_at < $5)"
            " AND ($6::timestamptz IS NULL OR (occurred_at, id) < ($6, $7::bigint))"
            " ORDER BY occurred_at DESC, id DESC LIMIT $8",
            user,
            action,
            customer,
            since,
            until,
            after_at,
            after_id,
            limit,
        )
        return [
            AuditEntry(**{**dict(row), "ip_address": ip_text(row["ip_address"])}) for row in rows
        ]
