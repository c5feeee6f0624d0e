"""Which auth events teach the workflow service a staff account, and as what."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.directory_users import DirectoryUser, announced_user

AT = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)


def event(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "eventId": "e-1",
        "eventType": kind,
        "occurredAt": AT,
        "userId": "u-1",
        "username": "Agent1",
        **fields,
    }


@pytest.mark.parametrize("kind", ["USER_CREATED", "USER_UPDATED", "LOGIN_SUCCESS"])
def test_account_events_announce_the_user_in_lower_case(kind: str) -> None:
    assert announced_user(event(kind)) == DirectoryUser("u-1", "agent1", AT)


@pytest.mark.parametrize(
    "record",
    [
        event("LOGIN_FAILED"),
        event("ROLE_ASSIGNED"),
        event("DATA_ACCESS"),
        event("ACCESS_DENIED", username=None),
        # A login refused before the account was known carries no id.
        event("LOGIN_SUCCESS", userId=None),
        event("USER_UPDATED", username=None),
        event("USER_UPDATED", username="  "),
    ],
)
def test_other_events_announce_nobody(record: dict[str, Any]) -> None:
    assert announced_user(record) is None


@pytest.mark.parametrize(
    "record",
    [
        {"username": "x"},
        event("USER_CREATED", occurredAt="2026-11-29T08:30:00Z"),
        event("USER_CREATED", occurredAt=datetime(2026, 11, 29, 8, 30)),
    ],
)
def test_a_record_that_is_no_auth_event_is_an_error(record: dict[str, Any]) -> None:
    with pytest.raises((KeyError, TypeError)):
        announced_user(record)
