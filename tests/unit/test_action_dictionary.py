"""The dictionaries snapshot: what may be recorded, and what each code means."""

from __future__ import annotations

import dataclasses

import pytest

from domain.action_dictionary import (
    ActionSubtype,
    ActionType,
    Combination,
    Dictionaries,
    ResultCode,
)

CALL = ActionType("CALL", "Phone call", "Gọi điện", True, False, True)
LETTER = ActionType("LETTER", "Letter", "Thư", False, False, True)
FAX = ActionType("FAX", "Fax", "Fax", True, False, False)
REMINDER = ActionSubtype("REMINDER_CALL", "Reminder call", "Gọi nhắc nợ", True)
RETIRED = ActionSubtype("OLD_CALL", "Old call", "Cũ", False)
PTP = ResultCode("PROMISE_TO_PAY", "Promise to pay", "Hứa trả nợ", True, True, True)
NO_ANSWER = ResultCode("NO_ANSWER", "No answer", "Không nghe máy", False, False, True)
GONE = ResultCode("GONE", "Gone", "Đi rồi", False, False, False)


def dictionaries(*combinations: tuple[str, str, str]) -> Dictionaries:
    return Dictionaries.of(
        [CALL, LETTER, FAX],
        [REMINDER, RETIRED],
        [PTP, NO_ANSWER, GONE],
        [Combination(*c) for c in combinations],
    )


SEEDED = dictionaries(
    ("CALL", "REMINDER_CALL", "PROMISE_TO_PAY"),
    ("CALL", "REMINDER_CALL", "NO_ANSWER"),
    ("CALL", "OLD_CALL", "NO_ANSWER"),
    ("FAX", "REMINDER_CALL", "NO_ANSWER"),
    ("LETTER", "REMINDER_CALL", "GONE"),
)


@pytest.mark.parametrize(
    ("action_type", "subtype", "result", "allowed"),
    [
        ("CALL", "REMINDER_CALL", "PROMISE_TO_PAY", True),
        ("CALL", "REMINDER_CALL", "NO_ANSWER", True),
        # Known codes, but not configured together.
        ("LETTER", "REMINDER_CALL", "PROMISE_TO_PAY", False),
        # Unknown codes.
        ("CALL", "REMINDER_CALL", "NOT_HOME", False),
        ("VISIT", "REMINDER_CALL", "NO_ANSWER", False),
        ("CALL", "FIELD_VISIT", "NO_ANSWER", False),
        # Configured, but an entry was deactivated: kept for history, not recordable.
        ("CALL", "OLD_CALL", "NO_ANSWER", False),
        ("FAX", "REMINDER_CALL", "NO_ANSWER", False),
        ("LETTER", "REMINDER_CALL", "GONE", False),
        # Codes are case-sensitive, as stored.
        ("call", "REMINDER_CALL", "NO_ANSWER", False),
    ],
)
def test_allows_only_configured_combinations_of_active_entries(
    action_type: str, subtype: str, result: str, allowed: bool
) -> None:
    assert SEEDED.allows(action_type, subtype, result) is allowed


@pytest.mark.parametrize(
    ("action_type", "subtype", "allowed"),
    [
        ("CALL", "REMINDER_CALL", True),
        # Its only result is inactive: nothing could ever be recorded as its outcome.
        ("LETTER", "REMINDER_CALL", False),
        ("CALL", "OLD_CALL", False),
        ("FAX", "REMINDER_CALL", False),
        ("VISIT", "REMINDER_CALL", False),
    ],
)
def test_without_a_result_asks_whether_some_active_result_may_follow(
    action_type: str, subtype: str, allowed: bool
) -> None:
    assert SEEDED.allows(action_type, subtype) is allowed


def test_a_combination_naming_an_unknown_result_allows_nothing() -> None:
    d = dictionaries(("CALL", "REMINDER_CALL", "MISSING"))
    assert not d.allows("CALL", "REMINDER_CALL", "MISSING")
    assert not d.allows("CALL", "REMINDER_CALL")


def test_lookups_return_the_entry_with_its_flags_or_none() -> None:
    assert SEEDED.action_type("LETTER") == LETTER
    assert SEEDED.action_type("LETTER") is not None
    assert not LETTER.is_contact_attempt
    assert SEEDED.result("PROMISE_TO_PAY") == PTP
    assert PTP.creates_promise and PTP.is_right_party_contact
    assert SEEDED.subtype("REMINDER_CALL") == REMINDER
    assert SEEDED.action_type("VISIT") is None
    assert SEEDED.result("NOT_HOME") is None
    assert SEEDED.subtype("FIELD_VISIT") is None


def test_combinations_come_back_sorted_and_complete() -> None:
    assert SEEDED.combinations() == [
        Combination("CALL", "OLD_CALL", "NO_ANSWER"),
        Combination("CALL", "REMINDER_CALL", "NO_ANSWER"),
        Combination("CALL", "REMINDER_CALL", "PROMISE_TO_PAY"),
        Combination("FAX", "REMINDER_CALL", "NO_ANSWER"),
        Combination("LETTER", "REMINDER_CALL", "GONE"),
    ]


def test_the_snapshot_cannot_be_changed_in_place() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SEEDED.types = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        SEEDED.types["VISIT"] = CALL  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        CALL.active = False  # type: ignore[misc]
