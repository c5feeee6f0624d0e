"""Ending a session everywhere: the durable record first, then the broadcast to all services."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from persistence.auth_store import AuthStore
from streams.app import CrmApp
from streams.avro import codec_for
from streams.topics import AUTH_REVOCATIONS

REVOCATION = "crm.auth.Revocation"


class Revoker:
    def __init__(self, app: CrmApp, store: AuthStore) -> None:
        self._app = app
        self._store = store
        # No access token of the session outlives this, so neither must the revocation.
        self._keep = timedelta(minutes=app.settings.access_token_minutes, seconds=60)

    async def __call__(
        self, session_id: uuid.UUID, user_id: uuid.UUID | None, now: datetime, reason: str
    ) -> None:
        expires = now + self._keep
        await self._store.blacklist(
            f"session:{session_id}", session_id, user_id, expires, reason, now
        )
        record = {
            "sessionId": str(session_id),
            "userId": str(user_id) if user_id else None,
            "revokedAt": now,
            "expiresAt": expires,
            "reason": reason,
        }
        value = codec_for(self._app.settings).encode(REVOCATION, record)
        topic = self._app.settings.topic(AUTH_REVOCATIONS.name)
        await self._app.publisher.publish(topic, [(str(session_id).encode(), value)])
