"""Auth events: every security-relevant fact becomes an Avro AuthEvent on auth.events.

Any service may publish one (ACCESS_DENIED happens everywhere); the auth service's agent turns
them into audit.audit_log rows, so one stream feeds both downstream consumers and the audit.
"""

from __future__ import annotations

import json
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


# An administrator changed how the floor works (agents, dictionaries, strategies).
CONFIGURATION_CHANGED = "CONFIGURATION_CHANGED"

# Auth events that record something refused or suspicious.
FAILURES = frozenset({"LOGIN_FAILED", "TOKEN_REUSED", "ACCOUNT_LOCKED", "ACCESS_DENIED"})


# A list read names all its customers in one event (a JSON array under this detail): one
# broker message per page instead of one per customer. The audit log still gets a row each.
CIFS_DETAIL = "cifs"


def audit_rows(record: Mapping[str, Any], service: str | None) -> list[dict[str, Any]]:
    """The audit.audit_log rows of one decoded AuthEvent: one per customer it names."""
    row = audit_row(record, service)
    listed = row["details"].pop(CIFS_DETAIL, None)
    if listed is None:
        return [row]
    cifs = json.loads(listed)
    if not isinstance(cifs, list) or not all(isinstance(c, str) for c in cifs):
        raise ValueError(f"{CIFS_DETAIL} is not a list of CIFs")
    # The row's event id stays unique per customer; details.eventId ties the page together.
    return [
        {
            **row,
            "details": {**row["details"], "cif": cif},
            "customer_cif": cif,
            "event_id": f"{row['event_id']}:{cif}",
        }
        for cif in dict.fromkeys(cifs)
    ]


def audit_row(record: Mapping[str, Any], service: str | None) -> dict[str, Any]:
    """The audit.audit_log row (column names) of one decoded AuthEvent."""
    details = dict(record.get("details") or {})
    details["eventId"] = record["eventId"]
    for name, key in (("reason", "reason"), ("userAgent", "userAgent")):
        if record.get(key):
            details[name] = record[key]
    session, user = record.get("sessionId"), record.get("userId")
    if record["eventType"] == CONFIGURATION_CHANGED:
        # What changed is the resource (the path of the admin's request), not the session.
        resource_type, resource_id = "configuration", details.get("path")
    else:
        resource_type = "session" if session else "user"
        resource_id = session or user or record.get("username")
    return {
        "occurred_at": record["occurredAt"],
        "actor": record.get("username") or user or "anonymous",
        "action": record["eventType"],
        "resource_type": resource_type,
        "resource_id": resource_id,
        "outcome": "FAILURE" if record["eventType"] in FAILURES else "SUCCESS",
        "details": details,
        "request_id": None,
        "ip_address": record.get("ipAddress"),
        "customer_cif": details.get("cif"),
        "service": details.get("service", service),
        "event_id": record["eventId"],
    }
