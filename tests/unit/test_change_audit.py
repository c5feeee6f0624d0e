"""Administrators' configuration changes on the audit trail: which requests, and the row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import make_mocked_request

from streams.auth_events import CONFIGURATION_CHANGED, AuthEvent, audit_row
from web.change_audit import is_configuration_change


@pytest.mark.parametrize(
    ("permission", "method", "status", "audited"),
    [
        ("strategies:manage", "PUT", 201, True),
        ("dictionaries:manage", "DELETE", 204, True),
        ("agents:manage", "POST", 201, True),
        # A refused change changed nothing; a read changes nothing.
        ("strategies:manage", "PUT", 422, False),
        ("agents:manage", "GET", 200, False),
        # Not configuration: work (actions) and roles (audited by the auth service itself).
        ("actions:write", "POST", 201, False),
        ("users:manage", "POST", 201, False),
    ],
)
def test_which_requests_are_configuration_changes(
    permission: str, method: str, status: int, audited: bool
) -> None:
    request = make_mocked_request(method, "/api/strategies/X")
    assert is_configuration_change(permission, request, status) is audited


def test_the_row_names_the_changed_resource() -> None:
    event = AuthEvent(
        CONFIGURATION_CHANGED,
        user_id="u-1",
        session_id="s-1",
        details={"path": "/api/strategies/EARLY", "method": "PUT", "body": "{}"},
        occurred_at=datetime(2026, 11, 29, tzinfo=UTC),
    )
    row = audit_row(event.to_avro(), "workflow")
    assert (row["actor"], row["action"], row["resource_type"], row["resource_id"]) == (
        "u-1",
        CONFIGURATION_CHANGED,
        "configuration",
        "/api/strategies/EARLY",
    )
    assert row["outcome"] == "SUCCESS"
