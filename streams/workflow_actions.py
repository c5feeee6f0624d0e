"""Actions' stream contract: RecordAction commands and their ACTION_RECORDED/REFUSED events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from domain.action_decision import Decided, Status
from domain.actions import Location, Party, PromiseTerms, RecordAction, RecordResult

RECORD_ACTION = "crm.workflow.RecordAction"
WORKFLOW_EVENT = "crm.workflow.WorkflowEvent"
# The crm-command header of a RecordAction on workflow.commands.
RECORD_ACTION_COMMAND = "RECORD_ACTION"
RECORD_RESULT = "crm.workflow.RecordResult"
RECORD_RESULT_COMMAND = "RECORD_RESULT"


def action_to_avro(a: RecordAction) -> dict[str, Any]:
    return {
        "actionId": str(a.action_id),
        "cif": a.cif,
        "accountNumber": a.account_number,
        "actionType": a.action_type,
        "subtype": a.subtype,
        "result": a.result,
        "contactedParty": a.party.value,
        "referenceCif": a.reference_cif,
        "occurredAt": a.occurred_at,
        "notes": a.notes,
        "callTraceId": a.call_trace_id,
        "location": None
        if a.location is None
        else {"latitude": a.location.latitude, "longitude": a.location.longitude},
        "promise": _terms_to_avro(a.promise),
        "userId": a.user_id,
        "agentId": a.agent_id,
        "submittedAt": a.submitted_at,
    }


def _terms_to_avro(terms: PromiseTerms | None) -> dict[str, Any] | None:
    if terms is None:
        return None
    return {"amount": terms.amount, "currency": terms.currency, "dueDate": terms.due_date}


def _terms_from_avro(r: dict[str, Any] | None) -> PromiseTerms | None:
    return None if r is None else PromiseTerms(r["amount"], r["currency"], r["dueDate"])


def result_to_avro(r: RecordResult) -> dict[str, Any]:
    return {
        "actionId": str(r.action_id),
        "cif": r.cif,
        "accountNumber": r.account_number,
        "result": r.result,
        "notes": r.notes,
        "promise": _terms_to_avro(r.promise),
        "userId": r.user_id,
        "recordedAt": r.recorded_at,
    }


def result_from_avro(r: dict[str, Any]) -> RecordResult:
    return RecordResult(
        action_id=uuid.UUID(r["actionId"]),
        cif=r["cif"],
        account_number=r.get("accountNumber"),
        result=r["result"],
        notes=r.get("notes"),
        promise=_terms_from_avro(r.get("promise")),
        user_id=r["userId"],
        recorded_at=r["recordedAt"],
    )


def later_result_row(r: RecordResult) -> dict[str, Any]:
    """The actions.action_result row of a result recorded after its action."""
    return {
        "action_id": r.action_id,
        "result": r.result,
        "notes": r.notes,
        "promise_amount": r.promise.amount if r.promise else None,
        "promise_due_date": r.promise.due_date if r.promise else None,
        "recorded_by": r.user_id,
        "recorded_at": r.recorded_at,
    }


def result_event(r: RecordResult, now: datetime) -> dict[str, Any]:
    payload = {"actionId": str(r.action_id), "result": r.result}
    return {
        # One per recording: a result replaced later is a new fact.
        "eventId": f"result:{r.action_id}:{int(r.recorded_at.timestamp() * 1000)}",
        "eventType": "ACTION_RESULT_RECORDED",
        "occurredAt": now,
        "cif": r.cif,
        "accountNumber": r.account_number,
        "agentId": None,
        "actorUserId": r.user_id,
        "payload": payload,
    }


def action_from_avro(r: dict[str, Any]) -> RecordAction:
    location, promise = r.get("location"), r.get("promise")
    return RecordAction(
        action_id=uuid.UUID(r["actionId"]),
        cif=r["cif"],
        account_number=r.get("accountNumber"),
        action_type=r["actionType"],
        subtype=r["subtype"],
        result=r.get("result"),
        # UNKNOWN (a party from a newer writer) fails here rather than be taken for another.
        party=Party(r["contactedParty"]),
        reference_cif=r.get("referenceCif"),
        occurred_at=r["occurredAt"],
        notes=r.get("notes"),
        call_trace_id=r.get("callTraceId"),
        location=None
        if location is None
        else Location(location["latitude"], location["longitude"]),
        promise=_terms_from_avro(promise),
        user_id=r["userId"],
        agent_id=r.get("agentId"),
        submitted_at=r["submittedAt"],
    )


def action_event(a: RecordAction, d: Decided, now: datetime) -> dict[str, Any]:
    """ACTION_RECORDED or ACTION_REFUSED; the event id is the action's, so replays dedupe."""
    payload = {
        "actionId": str(a.action_id),
        "actionType": a.action_type,
        "subtype": a.subtype,
        "contactedParty": a.party.value,
        "occurredAt": a.occurred_at.isoformat(),
    }
    optional = {
        "result": a.result,
        "referenceCif": a.reference_cif,
        "rule": d.rule.value if d.rule else None,
        "reason": d.reason,
    }
    payload |= {k: v for k, v in optional.items() if v is not None}
    recorded = d.status is Status.RECORDED
    return {
        "eventId": f"action:{a.action_id}",
        "eventType": "ACTION_RECORDED" if recorded else "ACTION_REFUSED",
        "occurredAt": now,
        "cif": a.cif,
        "accountNumber": a.account_number,
        "agentId": a.agent_id,
        "actorUserId": a.user_id,
        "payload": payload,
    }


def action_row(a: RecordAction, d: Decided, offset: int | None) -> dict[str, Any]:
    """The actions.action_record row (column names)."""
    return {
        "id": a.action_id,
        "cif": a.cif,
        "account_number": a.account_number,
        "agent_id": a.agent_id,
        "user_id": a.user_id,
        "action_type": a.action_type,
        "subtype": a.subtype,
        "contacted_party": a.party.value,
        "reference_cif": a.reference_cif,
        "status": d.status.value,
        "refused_rule": d.rule.value if d.rule else None,
        "refused_reason": d.reason,
        "occurred_at": a.occurred_at,
        "recorded_at": d.decided_at,
        "notes": a.notes,
        "call_trace_id": a.call_trace_id,
        "latitude": a.location.latitude if a.location else None,
        "longitude": a.location.longitude if a.location else None,
        "event_offset": offset,
    }


def result_row(a: RecordAction, d: Decided) -> dict[str, Any] | None:
    """The actions.action_result row of a recorded action that came with its result."""
    if a.result is None or d.status is not Status.RECORDED:
        return None
    return {
        "action_id": a.action_id,
        "result": a.result,
        "notes": a.notes,
        "promise_amount": a.promise.amount if a.promise else None,
        "promise_due_date": a.promise.due_date if a.promise else None,
        "recorded_by": a.user_id,
        "recorded_at": d.decided_at,
    }
