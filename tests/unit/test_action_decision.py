"""One customer's actions decided in order: recorded, refused by a rule, replayed unchanged."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.action_decision import (
    ActionKind,
    ContactState,
    Decided,
    Decisions,
    Status,
    decide,
    prune,
)
from domain.actions import RecordAction, parse_action
from domain.contact_rules import ContactPolicy, Rule

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
POLICY = ContactPolicy(HANOI)
NOW = datetime(2026, 11, 30, 16, 0, tzinfo=HANOI)
CALL = ActionKind(known=True, is_contact_attempt=True, may_contact_reference=False)


def action(at: datetime = NOW, **body: Any) -> RecordAction:
    fields = {
        "actionId": str(uuid.uuid4()),
        "cif": "100234",
        "actionType": "CALL",
        "subtype": "REMINDER_CALL",
        "occurredAt": at.isoformat(),
        **body,
    }
    return parse_action(fields, now=NOW, user_id="u-1", agent_id="AG-1")


def test_five_calls_a_day_then_the_sixth_is_refused_and_not_counted() -> None:
    state = None
    for hour in range(9, 14):
        decision, state = decide(state, action(NOW.replace(hour=hour)), CALL, POLICY, NOW)
        assert decision.decided.status is Status.RECORDED
    sixth, after = decide(state, action(), CALL, POLICY, NOW)
    assert (sixth.decided.status, sixth.decided.rule) == (Status.REFUSED, Rule.DAILY_LIMIT)
    assert state is not None and len(after.attempts) == len(state.attempts) == 5


def test_the_same_action_id_gets_the_same_answer_and_changes_nothing() -> None:
    first_call = action()
    first, state = decide(None, first_call, CALL, POLICY, NOW)
    again, same = decide(state, first_call, CALL, POLICY, NOW + timedelta(minutes=1))
    assert again.replay and not first.replay
    assert again.decided == first.decided and same == state


def test_an_unknown_combination_is_refused_by_the_dictionary_rule() -> None:
    unknown = ActionKind(known=False, is_contact_attempt=True, may_contact_reference=False)
    decision, state = decide(None, action(result="NOT_HOME"), unknown, POLICY, NOW)
    assert decision.decided.rule is Rule.COMBINATION
    assert "CALL/REMINDER_CALL/NOT_HOME" in (decision.decided.reason or "")
    assert state.attempts == ()


def test_a_reference_person_needs_a_type_that_allows_it() -> None:
    to_reference = action(contactedParty="REFERENCE", referenceCif="100999")
    refused, _ = decide(None, to_reference, CALL, POLICY, NOW)
    assert refused.decided.rule is Rule.REFERENCE_CONTACT
    allowed = ActionKind(known=True, is_contact_attempt=True, may_contact_reference=True)
    recorded, _ = decide(None, to_reference, allowed, POLICY, NOW)
    assert recorded.decided.status is Status.RECORDED


def test_a_letter_is_recorded_outside_hours_and_counts_for_nothing() -> None:
    letter = ActionKind(known=True, is_contact_attempt=False, may_contact_reference=False)
    late = NOW.replace(hour=5)
    decision, state = decide(None, action(late, actionType="LETTER"), letter, POLICY, NOW)
    assert decision.decided.status is Status.RECORDED and state.attempts == ()


def test_old_attempts_and_decisions_are_forgotten() -> None:
    _, state = decide(None, action(), CALL, POLICY, NOW)
    later = prune(state, NOW + timedelta(days=12))
    assert later == ContactState()


def test_a_decision_reads_only_the_stored_entries_it_needs() -> None:
    read: list[str] = []

    def reader(key: str, stored: Any) -> Decided:
        read.append(key)
        return Decided(key, Status(stored["status"]), None, None, stored["at"])

    stored = {
        "old": {"status": "RECORDED", "at": NOW - timedelta(days=3)},
        "kept": {"status": "REFUSED", "at": NOW - timedelta(hours=1)},
        "recent": {"status": "RECORDED", "at": NOW - timedelta(minutes=5)},
    }
    state = ContactState(decided=Decisions(stored, reader))
    decision, after = decide(state, action(), CALL, POLICY, NOW)
    # Forgetting the day-old entry read it and the first one kept; nothing else was decoded.
    assert read == ["old", "kept"]
    assert list(after.decided) == ["kept", "recent", str(decision.decided.action_id)]
    written = Decisions.of(after.decided).stored(lambda d: "written")
    assert written["kept"] is stored["kept"] and written["recent"] is stored["recent"]
    assert written[str(decision.decided.action_id)] == "written"


def test_a_replay_is_answered_from_its_stored_entry() -> None:
    call = action()
    first, state = decide(None, call, CALL, POLICY, NOW)
    as_stored = Decisions.of(state.decided).stored(lambda d: d.status.value)

    def reader(key: str, stored: Any) -> Decided:
        return Decided(key, Status(stored), None, None, NOW)

    again, same = decide(
        ContactState(state.attempts, Decisions(as_stored, reader)), call, CALL, POLICY, NOW
    )
    assert again.replay and again.decided.status is first.decided.status
    assert same.decided == state.decided
