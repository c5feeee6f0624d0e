"""The seeded case dictionaries (migration workflow_0006) as the rules see them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from domain.case_dictionary import (
    CaseDictionaries,
    CaseState,
    CaseSubstate,
    CustomerStatus,
    Transition,
)
from domain.case_states import CaseStateChange
from persistence.migrations.versions.workflow import workflow_0006_case_states as seed

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def seeded() -> CaseDictionaries:
    return CaseDictionaries.of(
        (CaseState(str(c), str(en), str(vi), int(str(p)), True) for c, en, vi, p in seed.STATES),
        (
            CaseSubstate(str(s), str(c), str(en), str(vi), int(str(p)), True)
            for s, c, en, vi, p in seed.SUBSTATES
        ),
        (Transition(str(a), str(b)) for a, b in seed.TRANSITIONS),
        (
            CustomerStatus(str(c), str(en), str(vi), int(str(p)), True)
            for c, en, vi, p in seed.STATUSES
        ),
    )


def without(
    d: CaseDictionaries, state: str | None = None, status: str | None = None
) -> CaseDictionaries:
    """The dictionaries with a state or a customer status switched off."""
    states = {k: replace(v, active=v.code != state) for k, v in d.states.items()}
    statuses = {k: replace(v, active=v.code != status) for k, v in d.statuses.items()}
    return CaseDictionaries.of(
        states.values(), d.substates.values(), d.transitions, statuses.values()
    )


def change(
    state: str,
    substate: str,
    status: str | None = None,
    *,
    cif: str = "C1",
    note: str | None = None,
) -> CaseStateChange:
    return CaseStateChange(
        case_action_id=uuid.uuid4(),
        cif=cif,
        processing_state=state,
        substate=substate,
        customer_status=status,
        note=note,
        user_id="u-1",
        agent_id="AG-1",
        requested_at=NOW,
    )
