"""Moving a case between processing states: the seeded moves, refusals, replays, memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.case_states import ChangeStatus, Refusal
from domain.case_transitions import DECISION_MEMORY, decide_change
from domain.cases import Case, CaseStatus
from tests.unit.case_samples import NOW, change, seeded, without

OPEN = Case("C1", status=CaseStatus.OPEN, opened_at=NOW, version=3)


def in_state(state: str, substate: str) -> Case:
    return replace(OPEN, processing_state=state, substate=substate)


def test_a_new_case_starts_in_investigation() -> None:
    assert (OPEN.processing_state, OPEN.substate, OPEN.customer_status) == (
        "INVESTIGATION",
        "NEW",
        None,
    )


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("INVESTIGATION", "CONTACT", True),
        ("INVESTIGATION", "RESOLUTION", True),
        ("INVESTIGATION", "NEGOTIATION", False),
        ("INVESTIGATION", "LEGAL", False),
        ("CONTACT", "NEGOTIATION", True),
        ("CONTACT", "LEGAL", True),
        ("CONTACT", "INVESTIGATION", True),
        ("NEGOTIATION", "CONTACT", True),
        ("NEGOTIATION", "LEGAL", True),
        ("NEGOTIATION", "INVESTIGATION", False),
        ("LEGAL", "NEGOTIATION", True),
        ("LEGAL", "CONTACT", False),
        ("LEGAL", "RESOLUTION", True),
        ("RESOLUTION", "CONTACT", True),
        ("RESOLUTION", "LEGAL", False),
    ],
)
def test_the_seeded_transitions(start: str, target: str, allowed: bool) -> None:
    d = seeded()
    first_sub = {s: d.substates_of(s)[0] for s in d.states}
    decision, after, replay = decide_change(
        in_state(start, first_sub[start]), change(target, first_sub[target]), d, NOW
    )
    assert not replay and after is not None
    assert (decision.status is ChangeStatus.ACCEPTED) == allowed
    assert after.processing_state == (target if allowed else start)
    if not allowed:
        assert (decision.refusal, decision.field) == (Refusal.TRANSITION, "processingState")
        assert ", ".join(d.next_states(start)) in str(decision.reason)


def test_every_state_may_end_in_resolution_but_legal_only_from_contact_or_negotiation() -> None:
    d = seeded()
    assert all("RESOLUTION" in d.next_states(s) for s in d.states if s != "RESOLUTION")
    assert {s for s in d.states if "LEGAL" in d.next_states(s)} == {"CONTACT", "NEGOTIATION"}


def test_an_accepted_change_moves_the_case_and_keeps_what_it_was() -> None:
    decision, after, _ = decide_change(
        OPEN, change("CONTACT", "FIRST_CONTACT", "COOPERATIVE"), seeded(), NOW
    )
    assert after is not None
    assert (after.processing_state, after.substate, after.customer_status) == (
        "CONTACT",
        "FIRST_CONTACT",
        "COOPERATIVE",
    )
    assert (after.version, after.changes_decided, decision.sequence) == (4, 1, 1)
    assert (decision.from_state, decision.from_substate, decision.from_customer_status) == (
        "INVESTIGATION",
        "NEW",
        None,
    )


def test_staying_in_a_state_changes_the_substate_and_a_missing_status_keeps_the_old() -> None:
    case = replace(in_state("CONTACT", "FIRST_CONTACT"), customer_status="DISPUTE")
    decision, after, _ = decide_change(case, change("CONTACT", "FOLLOW_UP"), seeded(), NOW)
    assert decision.status is ChangeStatus.ACCEPTED and after is not None
    assert (after.substate, after.customer_status) == ("FOLLOW_UP", "DISPUTE")


@pytest.mark.parametrize(
    ("request_", "refusal", "field"),
    [
        (("ARBITRATION", "NEW", None), Refusal.UNKNOWN_STATE, "processingState"),
        (("CONTACT", "LAWSUIT_FILED", None), Refusal.UNKNOWN_SUBSTATE, "substate"),
        (("CONTACT", "FIRST_CONTACT", "HAPPY"), Refusal.UNKNOWN_CUSTOMER_STATUS, "customerStatus"),
    ],
)
def test_unknown_codes_are_refused_naming_the_field(
    request_: tuple[str, str, str | None], refusal: Refusal, field: str
) -> None:
    decision, after, _ = decide_change(OPEN, change(*request_), seeded(), NOW)
    assert (decision.status, decision.refusal, decision.field) == (
        ChangeStatus.REFUSED,
        refusal,
        field,
    )
    # Refused: the case stays where it was, but the decision is remembered and counted.
    assert after is not None and after.processing_state == "INVESTIGATION"
    assert (after.version, after.changes_decided) == (OPEN.version, 1)


def test_an_inactive_state_or_status_is_refused_like_an_unknown_one() -> None:
    d = without(seeded(), state="CONTACT")
    decision, _, _ = decide_change(OPEN, change("CONTACT", "FIRST_CONTACT"), d, NOW)
    assert decision.refusal is Refusal.UNKNOWN_STATE
    assert "CONTACT" not in d.next_states("INVESTIGATION")
    d = without(seeded(), status="DECEASED")
    decision, _, _ = decide_change(OPEN, change("CONTACT", "FIRST_CONTACT", "DECEASED"), d, NOW)
    assert decision.refusal is Refusal.UNKNOWN_CUSTOMER_STATUS


def test_a_customer_without_a_case_is_refused() -> None:
    decision, after, replay = decide_change(None, change("CONTACT", "FIRST_CONTACT"), seeded(), NOW)
    assert (decision.refusal, decision.field, after, replay) == (
        Refusal.NO_CASE,
        "cif",
        None,
        False,
    )


def test_a_replay_gets_the_first_decision_whatever_happened_since() -> None:
    d = seeded()
    first = change("CONTACT", "FIRST_CONTACT")
    decision, after, _ = decide_change(OPEN, first, d, NOW)
    assert after is not None
    moved, later, _ = decide_change(after, change("NEGOTIATION", "PROMISE_PENDING"), d, NOW)
    assert later is not None and moved.status is ChangeStatus.ACCEPTED
    again, unchanged, replay = decide_change(later, first, d, NOW + timedelta(hours=1))
    assert replay and again == decision and unchanged == later


def test_decisions_are_forgotten_after_the_memory() -> None:
    d = seeded()
    _, after, _ = decide_change(OPEN, change("CONTACT", "FIRST_CONTACT"), d, NOW)
    assert after is not None
    later = NOW + DECISION_MEMORY + timedelta(seconds=1)
    decision, last, _ = decide_change(after, change("CONTACT", "FOLLOW_UP"), d, later)
    assert last is not None and list(last.decisions) == [decision.case_action_id]
    assert last.changes_decided == 2
