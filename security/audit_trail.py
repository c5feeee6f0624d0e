"""The auth service's audit trail: each event goes to auth.events and to audit.audit_log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from persistence.auth_records import DirectorySync
from persistence.auth_store import AuthStore
from streams.auth_events import AuthEvent, publish_auth_events

if TYPE_CHECKING:
    from security.login import Client
    from streams.app import CrmApp


class AuditTrail:
    def __init__(self, app: CrmApp, store: AuthStore) -> None:
        self._app = app
        self._store = store

    async def record(self, event: AuthEvent, *, request_id: str | None = None) -> None:
        """Publish first (acks=all), then append: both must hold before we answer."""
        await publish_auth_events(self._app, event)
        outcome = "FAILURE" if event.event_type in _FAILURES else "SUCCESS"
        details = {**event.details, "eventId": event.event_id}
        if event.reason:
            details["reason"] = event.reason
        if event.user_agent:
            details["userAgent"] = event.user_agent
        await self._store.append_audit(
            occurred_at=event.occurred_at,
            actor=event.username or event.user_id or "anonymous",
            action=event.event_type,
            resource_type="session" if event.session_id else "user",
            resource_id=event.session_id or event.user_id or event.username,
            outcome=outcome,
            details=details,
            request_id=request_id,
            ip=event.ip_address,
            service=self._app.service_name,
        )

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


_FAILURES = frozenset({"LOGIN_FAILED", "TOKEN_REUSED", "ACCOUNT_LOCKED", "ACCESS_DENIED"})
