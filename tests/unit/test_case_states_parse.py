"""POST /api/cases and the case dictionaries' bodies: a bad field is a 400 naming it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.case_dictionary_changes import parse_case_entry, parse_transition
from domain.case_states import parse_case_change
from domain.errors import ValidationError
from tests.unit.case_samples import NOW

ID = str(uuid.uuid4())
GOOD: dict[str, Any] = {
    "caseActionId": ID,
    "cif": "100234",
    "processingState": "CONTACT",
    "substate": "FIRST_CONTACT",
}


def parse(body: dict[str, Any]) -> Any:
    return parse_case_change(body, now=NOW, user_id="u-1", agent_id=None)


def test_a_good_body_parses() -> None:
    change = parse({**GOOD, "customerStatus": "COOPERATIVE", "note": "  reached at work  "})
    assert (change.case_action_id, change.cif, change.processing_state, change.substate) == (
        uuid.UUID(ID),
        "100234",
        "CONTACT",
        "FIRST_CONTACT",
    )
    assert (change.customer_status, change.note, change.requested_at) == (
        "COOPERATIVE",
        "reached at work",
        NOW,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in GOOD.items() if k != "caseActionId"}, "caseActionId"),
        ({**GOOD, "caseActionId": "not-a-uuid"}, "caseActionId"),
        ({**GOOD, "cif": ""}, "cif"),
        ({**GOOD, "cif": "bad cif!"}, "cif"),
        ({k: v for k, v in GOOD.items() if k != "processingState"}, "processingState"),
        ({**GOOD, "processingState": "contact"}, "processingState"),
        ({**GOOD, "substate": 7}, "substate"),
        ({**GOOD, "substate": "FIRST_CONTACT\n"}, "substate"),
        ({**GOOD, "customerStatus": "co-operative"}, "customerStatus"),
        ({**GOOD, "note": "x" * 2001}, "note"),
        ({**GOOD, "note": "bell\x07"}, "note"),
        ({**GOOD, "state": "CONTACT"}, "state"),
    ],
)
def test_a_bad_field_is_named(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(body)
    assert caught.value.field == field


def test_the_same_request_is_recognised_and_another_is_not() -> None:
    change = parse({**GOOD, "note": "n"})
    row = {
        "cif": "100234",
        "to_state": "CONTACT",
        "to_substate": "FIRST_CONTACT",
        "customer_status": None,
        "note": "n",
    }
    assert change.same_request(row)
    assert not change.same_request({**row, "to_substate": "FOLLOW_UP"})


def test_a_dictionary_entry_keeps_what_it_leaves_out() -> None:
    entry = parse_case_entry("ON_HOLD", {"nameEn": "On hold", "nameVi": "Tạm dừng"})
    assert (entry.position, entry.active) == (None, None)
    entry = parse_case_entry(
        "ON_HOLD", {"nameEn": "a", "nameVi": "b", "position": 3, "active": False}
    )
    assert (entry.position, entry.active) == (3, False)


@pytest.mark.parametrize(
    ("code", "body", "field"),
    [
        ("on_hold", {"nameEn": "a", "nameVi": "b"}, "code"),
        ("ON_HOLD", {"nameVi": "b"}, "nameEn"),
        ("ON_HOLD", {"nameEn": "a", "nameVi": "b", "position": 0}, "position"),
        ("ON_HOLD", {"nameEn": "a", "nameVi": "b", "active": "yes"}, "active"),
        ("ON_HOLD", {"nameEn": "a", "nameVi": "b", "flag": True}, "flag"),
    ],
)
def test_a_bad_entry_field_is_named(code: str, body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_case_entry(code, body)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"toState": "LEGAL"}, "fromState"),
        ({"fromState": "CONTACT", "toState": "legal"}, "toState"),
        ({"fromState": "LEGAL", "toState": "LEGAL"}, "toState"),
    ],
)
def test_a_bad_transition_is_named(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_transition(body)
    assert caught.value.field == field
