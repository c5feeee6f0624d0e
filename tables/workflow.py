"""Workflow's RocksDB tables (per customer, keyed by CIF) and the JSON their values are."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import faust

from domain.action_decision import ContactState, Decisions, decided_from_json, decided_to_json
from domain.case_dictionary import FIRST_STATE, FIRST_SUBSTATE
from domain.case_states import CaseDecision, ChangeStatus, Refusal
from domain.cases import Case, CaseStatus, LoanView
from domain.contact_rules import Attempt
from domain.promises import Book, Promise, PromiseStatus
from tables.raw import RawKeyedTable, raw_keyed_table

CONTACTS_TABLE = "customer-contacts"


def customer_contacts(app: faust.App) -> RawKeyedTable:
    """Per-customer contact attempts and decisions keyed by CIF, co-partitioned with commands.

    Read and written only by the RECORD_ACTION handler, under a command keyed by the same
    CIF: a read then looks in that partition's RocksDB alone. Searching every partition's
    for a customer not seen lately was 11% of the workflow worker at ~640 actions/s
    (py-spy, 100,000 customers).
    """
    return raw_keyed_table(app, CONTACTS_TABLE, co_partitioned=True)


def contacts_to_json(state: ContactState) -> dict[str, Any]:
    return {
        "attempts": [[a.action_id, a.occurred_at.isoformat()] for a in state.attempts],
        "decided": Decisions.of(state.decided).stored(decided_to_json),
    }


def contacts_from_json(value: dict[str, Any] | None) -> ContactState | None:
    if value is None:
        return None
    return ContactState(
        attempts=tuple(Attempt(i, datetime.fromisoformat(at)) for i, at in value["attempts"]),
        # Read one at a time when the decision rules ask (see Decisions).
        decided=Decisions(value["decided"], decided_from_json),
    )


PROMISES_TABLE = "customer-promises"


def customer_promises(app: faust.App) -> RawKeyedTable:
    """Per-customer promise book keyed by CIF, co-partitioned with the commands."""
    return raw_keyed_table(app, PROMISES_TABLE)


def book_to_json(book: Book) -> dict[str, Any]:
    return {
        "promises": [
            {
                "id": p.promise_id,
                "cif": p.cif,
                "account": p.account_number,
                "amount": str(p.amount),
                "currency": p.currency,
                "due": p.due_date.isoformat(),
                "createdAt": p.created_at.isoformat(),
                "createdBy": p.created_by,
                "status": p.status.value,
                "matched": {ref: str(a) for ref, a in p.matched.items()},
                "closedAt": p.closed_at.isoformat() if p.closed_at else None,
                "version": p.version,
            }
            for p in book.promises
        ],
        "payments": {ref: at.isoformat() for ref, at in book.payments.items()},
    }


def book_from_json(value: dict[str, Any] | None) -> Book | None:
    if value is None:
        return None
    return Book(
        promises=tuple(
            Promise(
                promise_id=p["id"],
                cif=p["cif"],
                account_number=p["account"],
                amount=Decimal(p["amount"]),
                currency=p["currency"],
                due_date=date.fromisoformat(p["due"]),
                created_at=datetime.fromisoformat(p["createdAt"]),
                created_by=p["createdBy"],
                status=PromiseStatus(p["status"]),
                matched={ref: Decimal(a) for ref, a in p["matched"].items()},
                closed_at=datetime.fromisoformat(p["closedAt"]) if p["closedAt"] else None,
                version=p["version"],
            )
            for p in value["promises"]
        ),
        payments={ref: datetime.fromisoformat(at) for ref, at in value["payments"].items()},
    )


CASES_TABLE = "customer-cases"
LOAN_OWNERS_TABLE = "past-due-loan-owners"


def customer_cases(app: faust.App) -> RawKeyedTable:
    """Per-customer case (past-due loans) keyed by CIF, co-partitioned with the commands."""
    return raw_keyed_table(app, CASES_TABLE)


def past_due_loan_owners(app: faust.App) -> RawKeyedTable:
    """Account → CIF of loans that were past due, co-partitioned with sync.loan: a deleted
    loan's tombstone names no customer, this does."""
    return raw_keyed_table(app, LOAN_OWNERS_TABLE)


def case_to_json(case: Case) -> dict[str, Any]:
    return {
        "cif": case.cif,
        "loans": {
            account: [v.product, v.currency, str(v.outstanding), str(v.due_amount), v.dpd, v.status]
            for account, v in case.loans.items()
        },
        "status": case.status.value,
        "openedAt": case.opened_at.isoformat() if case.opened_at else None,
        "closedAt": case.closed_at.isoformat() if case.closed_at else None,
        "version": case.version,
        "brokenPromises": [at.isoformat() for at in case.broken_promises],
        "processingState": case.processing_state,
        "substate": case.substate,
        "customerStatus": case.customer_status,
        "changesDecided": case.changes_decided,
        "decisions": {key: _decision_to_json(d) for key, d in case.decisions.items()},
    }


def _decision_to_json(d: CaseDecision) -> dict[str, Any]:
    return {
        "sequence": d.sequence,
        "status": d.status.value,
        "from": [d.from_state, d.from_substate, d.from_customer_status],
        "refusal": d.refusal.value if d.refusal else None,
        "field": d.field,
        "reason": d.reason,
        "at": d.decided_at.isoformat(),
    }


def _decision_from_json(key: str, d: dict[str, Any]) -> CaseDecision:
    state, substate, status = d["from"]
    return CaseDecision(
        case_action_id=key,
        sequence=d["sequence"],
        status=ChangeStatus(d["status"]),
        from_state=state,
        from_substate=substate,
        from_customer_status=status,
        refusal=Refusal(d["refusal"]) if d["refusal"] else None,
        field=d["field"],
        reason=d["reason"],
        decided_at=datetime.fromisoformat(d["at"]),
    )


def case_from_json(value: dict[str, Any] | None) -> Case | None:
    if value is None:
        return None
    return Case(
        cif=value["cif"],
        loans={
            account: LoanView(account, p, c, Decimal(o), Decimal(d), dpd, status)
            for account, (p, c, o, d, dpd, status) in value["loans"].items()
        },
        status=CaseStatus(value["status"]),
        opened_at=datetime.fromisoformat(value["openedAt"]) if value["openedAt"] else None,
        closed_at=datetime.fromisoformat(value["closedAt"]) if value["closedAt"] else None,
        version=value["version"],
        broken_promises=tuple(datetime.fromisoformat(at) for at in value.get("brokenPromises", [])),
        # Cases stored before processing states existed start where a new case starts.
        processing_state=value.get("processingState", FIRST_STATE),
        substate=value.get("substate", FIRST_SUBSTATE),
        customer_status=value.get("customerStatus"),
        changes_decided=value.get("changesDecided", 0),
        decisions={
            key: _decision_from_json(key, d) for key, d in value.get("decisions", {}).items()
        },
    )
