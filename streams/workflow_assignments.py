"""Assignments' stream contract: the compacted current holder per CIF and CUSTOMER_ASSIGNED."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from persistence.assignments import BeforeCommit, Change
from streams.app import CrmApp
from streams.avro import codec_for
from streams.topics import WORKFLOW_ASSIGNMENTS, WORKFLOW_EVENTS
from streams.workflow_actions import WORKFLOW_EVENT

CUSTOMER_ASSIGNMENT = "crm.workflow.CustomerAssignment"
TEAM_LEAD = "crm.workflow.TeamLead"


def current_holder(change: Change) -> dict[str, Any] | None:
    """The workflow.assignments value after the change; None is the tombstone (nobody)."""
    opened = change.opened
    if opened is None:
        return None
    return {
        "cif": opened["cif"],
        "assignmentId": opened["id"],
        "agentId": opened["agent_id"],
        "agentUserId": change.agent_user_id,
        "teamCode": opened["team_code"],
        "assignedAt": opened["assigned_at"],
    }


def assignment_event(change: Change, actor_user_id: str, now: datetime) -> dict[str, Any]:
    """CUSTOMER_ASSIGNED (to an agent, or to nobody when an assignment just ended)."""
    row = change.opened or change.ended
    assert row is not None
    payload = {"assignmentId": str(row["id"]), "reason": row["reason"]}
    if change.ended is not None:
        payload |= {
            "previousAgentId": change.ended["agent_id"],
            "endedAssignmentId": str(change.ended["id"]),
            "endedReason": change.ended["ended_reason"],
        }
    opened = change.opened
    return {
        "eventId": f"assignment:{row['id']}:{'opened' if opened is not None else 'ended'}",
        "eventType": "CUSTOMER_ASSIGNED",
        "occurredAt": now,
        "cif": row["cif"],
        "accountNumber": None,
        "agentId": opened["agent_id"] if opened is not None else None,
        "actorUserId": actor_user_id,
        "payload": payload,
    }


def publish_changes(app: CrmApp, actor: str) -> Callable[[list[Change]], Awaitable[None]]:
    """Publishes assignment changes inside their transaction, all in one send: each current
    holder on workflow.assignments, each CUSTOMER_ASSIGNED on workflow.events."""
    codec = codec_for(app.settings)

    async def publish(changes: list[Change]) -> None:
        holders, events = [], []
        now = datetime.now(UTC)
        for change in changes:
            row = change.opened or change.ended
            assert row is not None
            key = str(row["cif"]).encode()
            holder = current_holder(change)
            holders.append(
                (key, None if holder is None else codec.encode(CUSTOMER_ASSIGNMENT, holder))
            )
            events.append((key, codec.encode(WORKFLOW_EVENT, assignment_event(change, actor, now))))
        await app.publisher.publish_many(
            {
                app.settings.topic(WORKFLOW_ASSIGNMENTS.name): holders,
                app.settings.topic(WORKFLOW_EVENTS.name): events,
            }
        )

    return publish


def assignment_publisher(app: CrmApp, actor: str) -> BeforeCommit:
    """Publishes one assignment change inside its transaction."""
    publish = publish_changes(app, actor)

    async def one(change: Change) -> None:
        await publish([change])

    return one
