"""Cases' stream contract: loans forwarded to the customer's worker, CASE_* events, rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.cases import Case, CaseChange, LoanView
from domain.sync_entities import Loan

# crm-command header of a sync.loan record forwarded onto workflow.commands (keyed by CIF),
# and the header naming its account (a tombstone has no value to say it).
LOAN_CHANGED_COMMAND = "LOAN_CHANGED"
# A segment or strategy changed: the customer's worker decides their treatment again. No body:
# the key (the CIF) says whom.
STRATEGY_CHANGED_COMMAND = "STRATEGY_CHANGED"
ACCOUNT_HEADER = "crm-account"


def loan_view(loan: Loan) -> LoanView | None:
    """What a case keeps of the core's loan; None for a deleted one."""
    if loan.is_deleted:
        return None
    return LoanView(
        account_number=loan.account_number,
        product=loan.product_type,
        currency=loan.currency,
        outstanding=loan.outstanding,
        due_amount=loan.due_amount,
        dpd=loan.dpd,
        status=loan.status,
    )


def _money(sums: dict[str, Decimal]) -> dict[str, str]:
    return {currency: str(amount) for currency, amount in sorted(sums.items())}


def case_row(case: Case, now: datetime) -> dict[str, Any]:
    """The workflow.customer_case row (column names)."""
    return {
        "cif": case.cif,
        "status": case.status.value,
        "max_dpd": case.max_dpd,
        "bucket": case.bucket,
        "priority": case.priority_at(now),
        "outstanding": _money(case.totals("outstanding")),
        "due_amount": _money(case.totals("due_amount")),
        "outstanding_vnd": case.totals("outstanding").get("VND", Decimal(0)),
        "loans": {
            v.account_number: {
                "dpd": v.dpd,
                "outstanding": str(v.outstanding),
                "dueAmount": str(v.due_amount),
                "currency": v.currency,
                "product": v.product,
            }
            for v in case.loans.values()
        },
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "version": case.version,
        "updated_at": now,
        "processing_state": case.processing_state,
        "substate": case.substate,
        "customer_status": case.customer_status,
    }


def case_event(case: Case, change: CaseChange, now: datetime) -> dict[str, Any]:
    return {
        "eventId": f"case:{case.cif}:{case.version}",
        "eventType": change.value,
        "occurredAt": now,
        "cif": case.cif,
        "accountNumber": None,
        "agentId": None,
        "actorUserId": None,
        "payload": {
            "status": case.status.value,
            "bucket": case.bucket,
            "maxDpd": str(case.max_dpd),
            "priority": str(case.priority_at(now)),
            "loans": ",".join(sorted(case.loans)),
        },
    }
