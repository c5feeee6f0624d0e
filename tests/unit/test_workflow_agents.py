"""Agent and team bodies, list filters and ids: what is accepted, which field a 400 names."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import ValidationError
from domain.workflow_agents import (
    KEEP,
    AgentChanges,
    AgentStatus,
    AgentType,
    NewAgent,
    NewTeam,
    TeamChanges,
    is_agent_id,
    new_agent_id,
    parse_agent_changes,
    parse_new_agent,
    parse_new_team,
    parse_team_changes,
)
from web.agents_api import agent_filters
from web.problems import ProblemError

AGENT = {
    "username": " Agent1 ",
    "employeeId": "E-1001",
    "displayName": "An Nguyễn",
    "teamCode": "HCM-CALL-01",
    "agentType": "CALL_CENTER",
    "capacity": 120,
}


def test_a_new_agent_defaults_to_active_and_matches_usernames_in_lower_case() -> None:
    assert parse_new_agent(AGENT) == NewAgent(
        username="agent1",
        employee_id="E-1001",
        display_name="An Nguyễn",
        team_code="HCM-CALL-01",
        agent_type=AgentType.CALL_CENTER,
        status=AgentStatus.ACTIVE,
        capacity=120,
    )
    assert parse_new_agent({**AGENT, "status": "ON_LEAVE"}).status is AgentStatus.ON_LEAVE


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"username": None}, "username", "VALIDATION_ERROR"),
        ({"username": "a\x00"}, "username", "VALIDATION_ERROR"),
        ({"employeeId": "E 1"}, "employeeId", "VALIDATION_ERROR"),
        ({"employeeId": ""}, "employeeId", "VALIDATION_ERROR"),
        ({"displayName": ""}, "displayName", "VALIDATION_ERROR"),
        ({"teamCode": "hcm"}, "teamCode", "VALIDATION_ERROR"),
        ({"teamCode": None}, "teamCode", "VALIDATION_ERROR"),
        ({"agentType": "ROBOT"}, "agentType", "VALIDATION_ERROR"),
        ({"agentType": None}, "agentType", "VALIDATION_ERROR"),
        ({"status": "RETIRED"}, "status", "VALIDATION_ERROR"),
        ({"capacity": 0}, "capacity", "VALIDATION_ERROR"),
        ({"capacity": -3}, "capacity", "VALIDATION_ERROR"),
        ({"capacity": True}, "capacity", "VALIDATION_ERROR"),
        ({"capacity": "10"}, "capacity", "VALIDATION_ERROR"),
        ({"capacity": 2**31}, "capacity", "VALIDATION_ERROR"),
        ({"capacity": None}, "capacity", "VALIDATION_ERROR"),
        ({"capcity": 3}, "capcity", "UNKNOWN_FIELD"),
        ({"id": "AG-000000000000"}, "id", "UNKNOWN_FIELD"),
    ],
)
def test_a_bad_new_agent_names_its_field(change: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_new_agent({**AGENT, **change})
    assert (err.value.field, err.value.code) == (field, code)


def test_a_decimal_capacity_is_refused() -> None:
    from decimal import Decimal

    # web.jsonio parses 3.0 as a Decimal: not a whole number of customers.
    with pytest.raises(ValidationError) as err:
        parse_new_agent({**AGENT, "capacity": Decimal("3.0")})
    assert err.value.field == "capacity"


def test_an_agent_update_changes_only_what_is_sent() -> None:
    assert parse_agent_changes({"status": "INACTIVE", "capacity": 5}) == AgentChanges(
        status=AgentStatus.INACTIVE, capacity=5
    )
    assert parse_agent_changes({"teamCode": "HN_FIELD"}) == AgentChanges(team_code="HN_FIELD")


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, None, "NOTHING_TO_UPDATE"),
        ({"displayName": None}, "displayName", "VALIDATION_ERROR"),
        ({"capacity": 0}, "capacity", "VALIDATION_ERROR"),
        ({"username": "agent2"}, "username", "UNKNOWN_FIELD"),
        ({"employeeId": "E-2"}, "employeeId", "UNKNOWN_FIELD"),
    ],
)
def test_a_bad_agent_update_is_refused(body: dict[str, Any], field: str | None, code: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_agent_changes(body)
    assert (err.value.field, err.value.code) == (field, code)


def test_a_team_and_its_changes() -> None:
    assert parse_new_team({"code": "HCM-CALL-01", "name": "Call centre 1"}) == NewTeam(
        "HCM-CALL-01", "Call centre 1", None, None
    )
    assert parse_team_changes({"region": None}) == TeamChanges(region=None)
    assert parse_team_changes({"name": "Field"}) == TeamChanges(name="Field")
    assert parse_team_changes({"name": "Field"}).lead_agent_id is KEEP
    lead = parse_team_changes({"leadAgentId": "AG-0123456789AB"})
    assert lead.lead_agent_id == "AG-0123456789AB"
    assert lead.region is KEEP


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "code"),
        ({"code": "X", "name": "x"}, "code"),
        ({"code": "HCM", "name": ""}, "name"),
        ({"code": "HCM", "name": "x", "leadAgentId": "agent1"}, "leadAgentId"),
        ({"code": "HCM", "name": "x", "region": 5}, "region"),
        ({"code": "HCM", "name": "x", "members": []}, "members"),
    ],
)
def test_a_bad_team_names_its_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_new_team(body)
    assert err.value.field == field


def test_agent_ids_are_ones_we_issue() -> None:
    ids = {new_agent_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(is_agent_id(i) for i in ids)
    assert not is_agent_id("AG-0123456789ab")
    assert not is_agent_id("AG-0123456789AB\n")


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "SLEEPING"}, "status"), ({"team": "a\x00"}, "team"), ({"team": "x"}, "team")],
)
def test_bad_list_filters_are_a_400_on_the_parameter(query: dict[str, str], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        agent_filters(query)
    assert (err.value.status, err.value.field) == (400, field)


def test_list_filters() -> None:
    assert agent_filters({}) == (None, None)
    assert agent_filters({"team": "HCM-01", "status": "ACTIVE"}) == ("HCM-01", AgentStatus.ACTIVE)
