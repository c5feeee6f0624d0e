"""Case states' stream contract: ChangeCaseStatus commands, STATUS_CHANGED events, rows."""

from __future__ import annotations

import uuid
from typing import Any

from domain.case_states import CaseDecision, CaseStateChange

CHANGE_CASE_STATUS = "crm.workflow.ChangeCaseStatus"
# The crm-command header of a ChangeCaseStatus on workflow.commands.
CHANGE_CASE_STATUS_COMMAND = "CHANGE_CASE_STATUS"
STATUS_CHANGED = "STATUS_CHANGED"


def change_to_avro(c: CaseStateChange) -> dict[str, Any]:
    return {
        "caseActionId": str(c.case_action_id),
        "cif": c.cif,
        "processingState": c.processing_state,
        "substate": c.substate,
        "customerStatus": c.customer_status,
        "note": c.note,
        "userId": c.user_id,
        "agentId": c.agent_id,
        "requestedAt": c.requested_at,
    }


def change_from_avro(r: dict[str, Any]) -> CaseStateChange:
    return CaseStateChange(
        case_action_id=uuid.UUID(r["caseActionId"]),
        cif=r["cif"],
        processing_state=r["processingState"],
        substate=r["substate"],
        customer_status=r.get("customerStatus"),
        note=r.get("note"),
        user_id=r["userId"],
        agent_id=r.get("agentId"),
        requested_at=r["requestedAt"],
    )


def history_row(c: CaseStateChange, d: CaseDecision, offset: int | None) -> dict[str, Any]:
    """The workflow.customer_case_action row (column names)."""
    return {
        "id": c.case_action_id,
        "cif": c.cif,
        "sequence": d.sequence,
        "status": d.status.value,
        "from_state": d.from_state,
        "from_substate": d.from_substate,
        "from_customer_status": d.from_customer_status,
        "to_state": c.processing_state,
        "to_substate": c.substate,
        "customer_status": c.customer_status,
        "note": c.note,
        "user_id": c.user_id,
        "agent_id": c.agent_id,
        "requested_at": c.requested_at,
        "decided_at": d.decided_at,
        "refused_code": d.refusal.value if d.refusal else None,
        "refused_field": d.field,
        "refused_reason": d.reason,
        "event_offset": offset,
    }


def status_changed_event(c: CaseStateChange, d: CaseDecision) -> dict[str, Any]:
    """STATUS_CHANGED on workflow.events: from where to where the case moved, and who moved it.

    Built from the command and its decision alone, so a replay announces the same change even
    if the case has moved on since.
    """
    payload = {
        "caseActionId": str(c.case_action_id),
        "fromState": d.from_state or "",
        "fromSubstate": d.from_substate or "",
        "processingState": c.processing_state,
        "substate": c.substate,
    }
    status = c.customer_status or d.from_customer_status
    if status is not None:
        payload["customerStatus"] = status
    if d.from_customer_status is not None:
        payload["fromCustomerStatus"] = d.from_customer_status
    return {
        "eventId": f"case-status:{c.case_action_id}",
        "eventType": STATUS_CHANGED,
        "occurredAt": d.decided_at,
        "cif": c.cif,
        "accountNumber": None,
        "agentId": c.agent_id,
        "actorUserId": c.user_id,
        "payload": payload,
    }
