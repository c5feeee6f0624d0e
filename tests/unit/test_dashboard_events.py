"""What a dashboard may receive of a workflow event, and how it is framed as SSE."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from security.row_rules import EVERYTHING, NOTHING, Scope
from web.dashboard_events import (
    DashboardEvent,
    control_message,
    from_avro,
    needs_refresh,
    sse_message,
    visible,
)

AT = datetime(2026, 11, 30, 2, 15, tzinfo=UTC)


def record(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "eventId": "action:1",
        "eventType": "ACTION_RECORDED",
        "occurredAt": AT,
        "cif": "100234",
        "accountNumber": None,
        "agentId": "AG-1",
        "actorUserId": "u-1",
        "payload": {"actionId": "1", "actionType": "CALL", "subtype": "REMINDER_CALL"},
    }
    return base | overrides


def event(**overrides: Any) -> DashboardEvent:
    return from_avro(record(**overrides))


def test_free_text_and_other_peoples_identifiers_stay_on_the_server() -> None:
    payload = {
        "actionId": "1",
        "result": "NO_ANSWER",
        "rule": "CONTACT_HOURS",
        "reason": "21:30 is outside contact hours",
        "referenceCif": "R-9",
        "notes": "khách hẹn gọi lại",
        "endedReason": "REASSIGNED: workload",
    }
    got = from_avro(record(payload=payload))
    assert dict(got.payload) == {"actionId": "1", "result": "NO_ANSWER", "rule": "CONTACT_HOURS"}


def test_an_event_without_payload_has_an_empty_one() -> None:
    assert dict(event(payload=None).payload) == {}


@pytest.mark.parametrize(
    ("scope", "agent_id", "changes", "seen"),
    [
        (Scope(cifs=frozenset({"100234"})), None, {}, True),
        (Scope(cifs=frozenset({"999"})), None, {}, False),
        (EVERYTHING, None, {}, True),
        (NOTHING, "AG-1", {}, True),  # the agent's own action, before the scope knows
        (NOTHING, "AG-2", {}, False),
        (NOTHING, None, {"agentId": None}, False),
        (NOTHING, "AG-7", {"agentId": "AG-8", "payload": {"previousAgentId": "AG-7"}}, True),
    ],
)
def test_who_sees_an_event(
    scope: Scope, agent_id: str | None, changes: dict[str, Any], seen: bool
) -> None:
    assert visible(event(**changes), scope, agent_id) is seen


@pytest.mark.parametrize(
    ("now", "scope_at", "settling_until", "refresh"),
    [
        (100.0, 99.8, 0.0, False),  # fresh and nothing settling
        (100.0, 60.0, 0.0, True),  # older than `every`
        (100.0, 99.8, 103.0, False),  # settling, but looked 0.2 s ago
        (100.0, 99.0, 103.0, True),  # settling and looked a second ago
    ],
)
def test_when_a_scope_is_read_again(
    now: float, scope_at: float, settling_until: float, refresh: bool
) -> None:
    assert needs_refresh(now, scope_at, settling_until, every=30.0) is refresh


def parse(frame: bytes) -> dict[str, str]:
    text = frame.decode()
    assert text.endswith("\n\n") and "\n\n" not in text[:-2]
    fields = dict(line.split(": ", 1) for line in text[:-2].split("\n"))
    return fields


def test_an_event_is_one_sse_message_with_its_id_and_json_data() -> None:
    notes = {"actionId": "1", "subtype": "line one\nline two"}
    fields = parse(sse_message(event(payload=notes)))
    assert (fields["event"], fields["id"]) == ("workflow", "action:1")
    data = json.loads(fields["data"])
    assert data == {
        "eventId": "action:1",
        "eventType": "ACTION_RECORDED",
        "occurredAt": "2026-11-30T02:15:00+00:00",
        "cif": "100234",
        "accountNumber": None,
        "agentId": "AG-1",
        "payload": {"actionId": "1", "subtype": "line one\nline two"},
    }


def test_control_messages_carry_their_reason() -> None:
    fields = parse(control_message("end", code="SLOW_CONSUMER"))
    assert fields["event"] == "end" and json.loads(fields["data"]) == {"code": "SLOW_CONSUMER"}
    assert "id" not in fields
