"""Promises' stream contract: their commands, WorkflowEvents and PostgreSQL rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.promises import Changed, Promise

PROMISE_DUE = "crm.workflow.PromiseDue"
APPROVE_PROMISE = "crm.workflow.ApprovePromise"
PAYMENT_EVENT = "crm.payments.PaymentEvent"
# crm-command headers on workflow.commands.
PROMISE_DUE_COMMAND = "PROMISE_DUE"
APPROVE_PROMISE_COMMAND = "APPROVE_PROMISE"
PAYMENT_EVENT_COMMAND = "PAYMENT_EVENT"


def promise_event(c: Changed, actor_user_id: str | None, now: datetime) -> dict[str, Any]:
    """PROMISE_CREATED/APPROVED/KEPT/BROKEN/REOPENED; the id repeats on a replay."""
    p = c.promise
    assert c.change is not None
    return {
        "eventId": f"promise:{p.promise_id}:{p.version}",
        "eventType": c.change.value,
        "occurredAt": now,
        "cif": p.cif,
        "accountNumber": p.account_number,
        "agentId": None,
        "actorUserId": actor_user_id,
        "payload": {
            "promiseId": p.promise_id,
            "amount": str(p.amount),
            "currency": p.currency,
            "dueDate": p.due_date.isoformat(),
            "covered": str(p.covered),
            "status": p.status.value,
        },
    }


def promise_row(p: Promise, approved_by: str | None, now: datetime) -> dict[str, Any]:
    """The workflow.promise row (column names)."""
    return {
        "promise_id": p.promise_id,
        "cif": p.cif,
        "account_number": p.account_number,
        "amount": p.amount,
        "currency": p.currency,
        "due_date": p.due_date,
        "status": p.status.value,
        "covered": p.covered,
        "matched": {ref: str(amount) for ref, amount in p.matched.items()},
        "created_at": p.created_at,
        "created_by": p.created_by,
        "approved_by": approved_by,
        "closed_at": p.closed_at,
        "version": p.version,
        "updated_at": now,
    }
