"""Auth events: every security-relevant fact becomes an Avro AuthEvent on auth.events.

Any service may publish one (ACCESS_DENIED happens everywhere); the auth service's agent turns
them into audit.audit_log rows, so one stream feeds both downstream consumers and the audit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streams.app import CrmApp
from streams.avro import codec_for
from streams.topics import AUTH_EVENTS

AUTH_EVENT = "crm.auth.AuthEvent"


@dataclass(frozen=True)
class AuthEvent:
    event_type: str
    username: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    reason: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_avro(self) -> dict[str, Any]:
        return {
            "eventId": self.event_id,
            "eventType": self.event_type,
            "occurredAt": self.occurred_at,
            "userId": self.user_id,
            "username": self.username,
            "sessionId": self.session_id,
            "ipAddress": self.ip_address,
            "userAgent": self.user_agent,
            "reason": self.reason,
            "details": dict(self.details),
        }


async def publish_auth_events(app: CrmApp, *events: AuthEvent) -> None:
    """Publish and wait for the broker: an unrecorded security event is not acceptable."""
    codec = codec_for(app.settings)
    records = [
        ((e.username or e.user_id or "anonymous").encode(), codec.encode(AUTH_EVENT, e.to_avro()))
        for e in events
    ]
    await app.publisher.publish(app.settings.topic(AUTH_EVENTS.name), records)
