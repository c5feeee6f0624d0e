"""POST /api/actions bodies: what is accepted, and the field each refusal names."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.actions import Party, parse_action
from domain.errors import ValidationError

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ID = str(uuid.uuid4())


def body(**overrides: Any) -> dict[str, Any]:
    return {"actionId": ID, "cif": "100234", "actionType": "CALL", "subtype": "REMINDER_CALL"} | {
        k: v for k, v in overrides.items()
    }


def parse(**overrides: Any) -> Any:
    return parse_action(body(**overrides), now=NOW, user_id="u-1", agent_id=None)


def test_minimal_call_defaults_to_now_and_the_customer() -> None:
    action = parse()
    assert (action.occurred_at, action.party, action.result) == (NOW, Party.CUSTOMER, None)
    assert str(action.action_id) == ID


def test_a_visit_keeps_its_place_and_a_call_its_trace() -> None:
    action = parse(
        actionType="VISIT",
        subtype="FIELD_VISIT",
        location={"latitude": "21.028511", "longitude": Decimal("105.804817")},
        callTraceId="pbx-2026:77",
        promise={"amount": "1500000", "dueDate": "2026-12-05"},
        result="PROMISE_TO_PAY",
    )
    assert action.location is not None and action.location.latitude == Decimal("21.028511")
    assert action.call_trace_id == "pbx-2026:77"
    assert action.promise is not None and action.promise.currency == "VND"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"actionId": "not-a-uuid"}, "actionId"),
        ({"actionId": None}, "actionId"),
        ({"cif": ""}, "cif"),
        ({"cif": "a/b"}, "cif"),
        ({"actionType": "call"}, "actionType"),
        ({"subtype": None}, "subtype"),
        ({"result": "no answer"}, "result"),
        ({"contactedParty": "NEIGHBOUR"}, "contactedParty"),
        ({"contactedParty": "REFERENCE"}, "referenceCif"),
        ({"occurredAt": "2026-11-30T09:00:00"}, "occurredAt"),
        ({"occurredAt": (NOW + timedelta(hours=1)).isoformat()}, "occurredAt"),
        ({"occurredAt": (NOW - timedelta(days=2)).isoformat()}, "occurredAt"),
        ({"location": {"latitude": 91, "longitude": 0}}, "location.latitude"),
        ({"location": "here"}, "location"),
        ({"promise": {"amount": "-1", "dueDate": "2026-12-05"}}, "promise.amount"),
        ({"promise": {"amount": "10", "dueDate": "soon"}}, "promise.dueDate"),
        ({"notes": "x" * 4001}, "notes"),
        ({"callTraceId": "has space"}, "callTraceId"),
    ],
)
def test_bad_fields_are_named(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse(**overrides)
    assert err.value.field == field
