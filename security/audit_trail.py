"""The auth service's audit trail: each event goes to auth.events and to audit.audit_log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from persistence.auth_records import DirectorySync
from persistence.auth_store import AuthStore
from streams.auth_events import AuthEvent, audit_row, publish_auth_events

if TYPE_CHECKING:
    from security.login import Client
    from streams.app import CrmApp


class AuditTrail:
    def __init__(self, app: CrmApp, store: AuthStore) -> None:
        self._app = app
        self._store = store

    async def record(self, event: AuthEvent, *, request_id: str | None = None) -> None:
        """Publish first (acks=all), then append: both must hold before we answer.

        The auth-events agent writes the same row again from the topic; the event id makes
        that a no-op, and it is what audits events published by other services.
        """
        await publish_auth_events(self._app, event)
        row = audit_row(event.to_avro(), self._app.service_name)
        row["request_id"] = request_id
        row["ip"] = row.pop("ip_address")
        await self._store.append_audit(**row)

    async def user_synced(self, synced: DirectorySync, client: Client, now: datetime) -> None:
        """USER_CREATED / USER_UPDATED and ROLE_ASSIGNED for what the directory changed."""
        user = synced.user
        name, user_id = user.username, str(user.id)
        if synced.created or synced.changed:
            kind = "USER_CREATED" if synced.created else "USER_UPDATED"
            await self.record(
                AuthEvent(
                    kind, username=name, user_id=user_id, ip_address=client.ip, occurred_at=now
                )
            )
        for role in synced.roles_added:
            details = {"role": role, "source": "DIRECTORY"}
            await self.record(
                AuthEvent(
                    "ROLE_ASSIGNED",
                    username=name,
                    user_id=user_id,
                    details=details,
                    occurred_at=now,
                )
            )
