"""An administrator's dictionary changes: what is accepted, and which field a 400 names."""

from __future__ import annotations

from typing import Any

import pytest

from domain.action_dictionary import Combination
from domain.action_dictionary_changes import (
    RESULT_FLAGS,
    SUBTYPE_FLAGS,
    TYPE_FLAGS,
    EntryChange,
    parse_code,
    parse_combination,
    parse_entry,
)
from domain.errors import ValidationError

NAMES = {"nameEn": "Phone call", "nameVi": "Gọi điện"}


@pytest.mark.parametrize("code", ["CALL", "PROMISE_TO_PAY", "V2", "A" * 40])
def test_codes_are_upper_case_identifiers(code: str) -> None:
    assert parse_code(code) == code


@pytest.mark.parametrize(
    "code", ["call", "C", "2CALL", "_CALL", "CALL-1", "CALL ", "CALL\n", "A" * 41, "ĐI", "", 7]
)
def test_other_codes_are_a_400_on_the_code(code: object) -> None:
    with pytest.raises(ValidationError) as err:
        parse_code(code)
    assert (err.value.code, err.value.field) == ("INVALID_CODE", "code")


def test_a_type_takes_names_and_only_the_flags_sent() -> None:
    body = {**NAMES, "isContactAttempt": False, "active": True}
    assert parse_entry("CALL", body, TYPE_FLAGS) == EntryChange(
        "CALL",
        "Phone call",
        "Gọi điện",
        {"is_contact_attempt": False, "may_contact_reference": None, "active": True},
    )


def test_results_and_subtypes_have_their_own_flags() -> None:
    result = parse_entry("PTP", {**NAMES, "createsPromise": True}, RESULT_FLAGS)
    assert result.flags == {
        "is_right_party_contact": None,
        "creates_promise": True,
        "active": None,
    }
    assert parse_entry("REMIND", NAMES, SUBTYPE_FLAGS).flags == {"active": None}


@pytest.mark.parametrize(
    ("body", "flags", "field", "code"),
    [
        ({"nameVi": "x"}, TYPE_FLAGS, "nameEn", "VALIDATION_ERROR"),
        ({"nameEn": "x", "nameVi": "   "}, TYPE_FLAGS, "nameVi", "VALIDATION_ERROR"),
        ({"nameEn": "x", "nameVi": 3}, TYPE_FLAGS, "nameVi", "VALIDATION_ERROR"),
        ({"nameEn": "a\x00b", "nameVi": "x"}, TYPE_FLAGS, "nameEn", "VALIDATION_ERROR"),
        ({"nameEn": "x" * 201, "nameVi": "x"}, TYPE_FLAGS, "nameEn", "VALIDATION_ERROR"),
        ({**NAMES, "active": "yes"}, TYPE_FLAGS, "active", "VALIDATION_ERROR"),
        ({**NAMES, "active": 1}, TYPE_FLAGS, "active", "VALIDATION_ERROR"),
        # A flag of another dictionary, or a typo, is refused rather than ignored.
        ({**NAMES, "createsPromise": True}, TYPE_FLAGS, "createsPromise", "UNKNOWN_FIELD"),
        ({**NAMES, "isContactAttempt": True}, SUBTYPE_FLAGS, "isContactAttempt", "UNKNOWN_FIELD"),
        ({**NAMES, "actve": False}, RESULT_FLAGS, "actve", "UNKNOWN_FIELD"),
    ],
)
def test_a_bad_entry_body_names_its_field(
    body: dict[str, Any], flags: dict[str, str], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as err:
        parse_entry("CALL", body, flags)
    assert (err.value.field, err.value.code) == (field, code)


def test_a_combination_is_three_codes() -> None:
    body = {"actionType": "CALL", "subtype": "REMINDER_CALL", "result": "NO_ANSWER"}
    assert parse_combination(body) == Combination("CALL", "REMINDER_CALL", "NO_ANSWER")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subtype": "REMINDER_CALL", "result": "NO_ANSWER"}, "actionType"),
        ({"actionType": "CALL", "subtype": "reminder", "result": "NO_ANSWER"}, "subtype"),
        ({"actionType": "CALL", "subtype": "REMINDER_CALL", "result": None}, "result"),
        ({"actionType": "CALL", "subtype": "REMINDER_CALL", "result": "X", "y": 1}, "y"),
    ],
)
def test_a_bad_combination_names_its_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_combination(body)
    assert err.value.field == field
