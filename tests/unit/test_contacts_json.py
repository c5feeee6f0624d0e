"""A customer's contact state as the customer-contacts table stores it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from domain.action_decision import ActionKind, decide
from domain.actions import parse_action
from domain.contact_rules import ContactPolicy
from tables.workflow import contacts_from_json, contacts_to_json

POLICY = ContactPolicy(ZoneInfo("Asia/Ho_Chi_Minh"))
CALL = ActionKind(known=True, is_contact_attempt=True, may_contact_reference=False)
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _stored_and_read(value: dict[str, Any]) -> dict[str, Any]:
    # What RocksDB holds between two actions: the JSON bytes.
    return orjson.loads(orjson.dumps(value))


def test_state_round_trips_through_the_table_action_after_action() -> None:
    state = None
    for minutes in range(0, 70, 10):
        at = NOW + timedelta(minutes=minutes)
        body = {
            "actionId": str(uuid.uuid4()),
            "cif": "100234",
            "actionType": "CALL",
            "subtype": "REMINDER_CALL",
            "occurredAt": at.isoformat(),
        }
        call = parse_action(body, now=at, user_id="u-1", agent_id="AG-1")
        _, decided = decide(state, call, CALL, POLICY, at)
        state = contacts_from_json(_stored_and_read(contacts_to_json(decided)))
        assert state == decided
    assert state is not None
    # Five attempts a day: the last two were refused, and both refusals are remembered.
    assert len(state.attempts) == 5 and len(state.decided) == 7
    assert [d.status.value for d in state.decided.values()][-2:] == ["REFUSED", "REFUSED"]
