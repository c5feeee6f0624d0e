"""Deciding a change of a case's processing state against the case and the dictionaries.

The case lives in the customer's worker (table customer-cases), so one worker decides all of
a customer's changes in order: two supervisors moving the same case at once cannot both move
it from the same state. A replayed command (same case action id) gets the decision it got
the first time, whatever happened since, so a crash between the table and the sink changes
nothing.

Rules, in the order they are checked (the first that fails names the refusal):
1. the customer has a case (a case opens when a loan falls past due; staff do not open one);
2. the target processing state exists and is active;
3. the substate belongs to that state and is active;
4. the customer status, when given, exists and is active;
5. a move to another state is a configured transition. Staying in the state (another
   substate, or only a new customer status) is always allowed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.case_dictionary import CaseDictionaries
from domain.case_states import CaseDecision, CaseStateChange, ChangeStatus, Refusal
from domain.cases import Case

# Long enough for any redelivery after a crash or a client's retry; short enough that a
# case's memory stays small however long it is worked.
DECISION_MEMORY = timedelta(days=2)


def refusal_of(
    case: Case, change: CaseStateChange, d: CaseDictionaries
) -> tuple[Refusal, str, str] | None:
    """The first rule the change breaks: (refusal, field, reason); None if it may happen."""
    state, substate = change.processing_state, change.substate
    if not d.active_state(state):
        return Refusal.UNKNOWN_STATE, "processingState", f"{state} is not an active state"
    if not d.active_substate(state, substate):
        options = ", ".join(d.substates_of(state)) or "none"
        return (
            Refusal.UNKNOWN_SUBSTATE,
            "substate",
            f"{substate} is not an active substate of {state} (substates: {options})",
        )
    status = change.customer_status
    if status is not None and not d.active_status(status):
        return (
            Refusal.UNKNOWN_CUSTOMER_STATUS,
            "customerStatus",
            f"{status} is not an active customer status",
        )
    allowed = d.next_states(case.processing_state)
    match (case.processing_state, state):
        case (current, wanted) if current == wanted:
            return None
        case (current, wanted) if wanted in allowed:
            return None
        case (current, wanted):
            options = ", ".join(allowed) or "none"
            return (
                Refusal.TRANSITION,
                "processingState",
                f"a case in {current} cannot move to {wanted} (allowed: {options})",
            )


def no_case(change: CaseStateChange, now: datetime) -> CaseDecision:
    """The refusal of a change to a customer who has no case."""
    return CaseDecision(
        case_action_id=str(change.case_action_id),
        sequence=0,
        status=ChangeStatus.REFUSED,
        from_state=None,
        from_substate=None,
        from_customer_status=None,
        refusal=Refusal.NO_CASE,
        field="cif",
        reason="This customer has no collection case: one opens when a loan falls past due.",
        decided_at=now,
    )


def decide_change(
    case: Case | None, change: CaseStateChange, d: CaseDictionaries, now: datetime
) -> tuple[CaseDecision, Case | None, bool]:
    """Accept or refuse `change`: the decision, the case after it, whether it is a replay."""
    key = str(change.case_action_id)
    if case is None:
        return no_case(change, now), None, False
    earlier = case.decisions.get(key)
    if earlier is not None:
        return earlier, case, True
    refused = refusal_of(case, change, d)
    sequence = case.changes_decided + 1
    decision = CaseDecision(
        case_action_id=key,
        sequence=sequence,
        status=ChangeStatus.ACCEPTED if refused is None else ChangeStatus.REFUSED,
        from_state=case.processing_state,
        from_substate=case.substate,
        from_customer_status=case.customer_status,
        refusal=None if refused is None else refused[0],
        field=None if refused is None else refused[1],
        reason=None if refused is None else refused[2],
        decided_at=now,
    )
    remembered = {k: v for k, v in case.decisions.items() if now - v.decided_at <= DECISION_MEMORY}
    remembered[key] = decision
    updated = replace(case, changes_decided=sequence, decisions=remembered)
    if refused is None:
        updated = replace(
            updated,
            processing_state=change.processing_state,
            substate=change.substate,
            customer_status=change.customer_status or case.customer_status,
            version=case.version + 1,
        )
    return decision, updated, False
