"""What the live dashboard sends: a WorkflowEvent trimmed to CIFs and figures, as SSE text.

Pure functions, so the fan-out's decisions (who sees an event, what leaves the server) are
tested without Kafka or a browser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from security.row_rules import Scope

# Payload entries a browser may receive. Free text (refusal reasons, assignment reasons,
# notes) and other people's identifiers (a reference person's CIF) stay on the server.
PAYLOAD_KEYS = frozenset(
    {
        "actionId",
        "actionType",
        "subtype",
        "result",
        "rule",
        "contactedParty",
        "occurredAt",
        "promiseId",
        "amount",
        "currency",
        "dueDate",
        "covered",
        "status",
        "bucket",
        "maxDpd",
        "priority",
        "assignmentId",
        "previousAgentId",
    }
)
HEARTBEAT = b": keep-alive\n\n"


@dataclass(frozen=True, slots=True)
class DashboardEvent:
    event_id: str
    event_type: str
    occurred_at: datetime
    cif: str
    account_number: str | None
    agent_id: str | None
    payload: Mapping[str, str]

    def json(self) -> dict[str, Any]:
        return {
            "eventId": self.event_id,
            "eventType": self.event_type,
            "occurredAt": self.occurred_at.isoformat(),
            "cif": self.cif,
            "accountNumber": self.account_number,
            "agentId": self.agent_id,
            "payload": dict(self.payload),
        }


def from_avro(record: Mapping[str, Any]) -> DashboardEvent:
    """A decoded WorkflowEvent, with only the payload entries a browser may see."""
    payload = record.get("payload") or {}
    return DashboardEvent(
        event_id=str(record["eventId"]),
        event_type=str(record["eventType"]),
        occurred_at=record["occurredAt"],
        cif=str(record["cif"]),
        account_number=record.get("accountNumber"),
        agent_id=record.get("agentId"),
        payload={k: str(v) for k, v in payload.items() if k in PAYLOAD_KEYS},
    )


def visible(event: DashboardEvent, scope: Scope, agent_id: str | None) -> bool:
    """May this subscriber see the event: a customer in scope, or the agent's own doing.

    The agent's own id also matches because an assignment reaches the row scope a moment
    after its CUSTOMER_ASSIGNED event: the new (or previous) holder should see it at once.
    """
    if scope.allows(event.cif):
        return True
    if agent_id is None:
        return False
    return agent_id in (event.agent_id, event.payload.get("previousAgentId"))


def needs_refresh(now: float, scope_at: float, settling_until: float, *, every: float) -> bool:
    """Whether a subscriber's cached scope should be read again before judging an event.

    Scopes change with assignments (CUSTOMER_ASSIGNED: the view settles within seconds) and
    with team leads (no workflow event): while assignments settle, look again after half a
    second; otherwise every `every` seconds.
    """
    age = now - scope_at
    if now < settling_until:
        return age >= 0.5
    return age >= every


def _frame(event: str, data: Any, event_id: str | None = None) -> bytes:
    # One JSON line: a `data:` field must not contain a newline (json.dumps escapes them).
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


def sse_message(event: DashboardEvent) -> bytes:
    """A workflow event as one server-sent event."""
    return _frame("workflow", event.json(), event.event_id.replace("\n", " "))


def control_message(kind: str, **data: Any) -> bytes:
    """ready (the stream is open), resync (fetch the summary again) or end (and why)."""
    return _frame(kind, data)
