"""Agents and teams as an administrator or supervisor describes them, validated.

An agent is a directory user (an AD account the auth service announced) who works customers:
in one team, by phone (CALL_CENTER) or in the field, up to a capacity of customers at once.
A team may name a lead, who must be one of its own agents.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, TypeVar

from domain.body_fields import choice, count, only_fields, optional_text, required_text, some_field
from domain.errors import ValidationError

T = TypeVar("T")

# Unanchored: use fullmatch (a "$" anchor would let a trailing newline through).
AGENT_ID = re.compile(r"AG-[0-9A-F]{12}")
TEAM_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{1,39}")
_EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_NAME = 200
# The column is a 32-bit integer; no one works anywhere near this many customers at once.
MAX_CAPACITY = 100_000


class AgentType(StrEnum):
    CALL_CENTER = "CALL_CENTER"
    FIELD = "FIELD"


class AgentStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    ON_LEAVE = "ON_LEAVE"


class Keep(Enum):
    """A nullable field a partial update leaves out (null would clear it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class NewAgent:
    username: str
    employee_id: str
    display_name: str
    team_code: str
    agent_type: AgentType
    status: AgentStatus
    capacity: int


@dataclass(frozen=True, slots=True)
class AgentChanges:
    """A partial update; None leaves the field as it is (none of them can be cleared)."""

    display_name: str | None = None
    team_code: str | None = None
    agent_type: AgentType | None = None
    status: AgentStatus | None = None
    capacity: int | None = None


@dataclass(frozen=True, slots=True)
class NewTeam:
    code: str
    name: str
    region: str | None
    lead_agent_id: str | None


@dataclass(frozen=True, slots=True)
class TeamChanges:
    name: str | None = None
    region: str | Keep | None = KEEP
    lead_agent_id: str | Keep | None = KEEP


def new_agent_id() -> str:
    """A short id people can read out on the phone; random, so it reveals no headcount."""
    return f"AG-{uuid.uuid4().hex[:12].upper()}"


def is_agent_id(raw: str) -> bool:
    return AGENT_ID.fullmatch(raw) is not None


def is_team_code(raw: str) -> bool:
    return TEAM_CODE.fullmatch(raw) is not None


def _name(body: Mapping[str, Any], field: str) -> str:
    name = optional_text(body, field, MAX_NAME)
    if name is None:
        raise ValidationError(f"{field} is required", field=field)
    return name


def _team_code(body: Mapping[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not is_team_code(value):
        raise ValidationError(
            f"{field} must be upper case letters, digits, _ or - (2-40)", field=field
        )
    return value


def _agent_id(body: Mapping[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not is_agent_id(value):
        raise ValidationError(f"{field} must be an agent id (AG-…)", field=field)
    return value


def _required(value: T | None, field: str) -> T:
    if value is None:
        raise ValidationError(f"{field} is required", field=field)
    return value


_NEW_AGENT_FIELDS = (
    "username",
    "employeeId",
    "displayName",
    "teamCode",
    "agentType",
    "status",
    "capacity",
)
_AGENT_CHANGE_FIELDS = ("displayName", "teamCode", "agentType", "status", "capacity")


def parse_new_agent(body: Mapping[str, Any]) -> NewAgent:
    """Validate a POST /api/agents body; status defaults to ACTIVE."""
    only_fields(body, _NEW_AGENT_FIELDS)
    return NewAgent(
        username=_name(body, "username").lower(),
        employee_id=required_text(body, "employeeId", _EMPLOYEE_ID),
        display_name=_name(body, "displayName"),
        team_code=_team_code(body, "teamCode"),
        agent_type=_required(choice(body, "agentType", AgentType), "agentType"),
        status=choice(body, "status", AgentStatus) or AgentStatus.ACTIVE,
        capacity=_required(count(body, "capacity", MAX_CAPACITY), "capacity"),
    )


def parse_agent_changes(body: Mapping[str, Any]) -> AgentChanges:
    """Validate a PUT /api/agents/{id} body: only the fields sent change."""
    only_fields(body, _AGENT_CHANGE_FIELDS)
    some_field(body, _AGENT_CHANGE_FIELDS)
    for name, value in body.items():
        if value is None:
            raise ValidationError(f"{name} cannot be cleared", field=name)
    return AgentChanges(
        display_name=_name(body, "displayName") if "displayName" in body else None,
        team_code=_team_code(body, "teamCode") if "teamCode" in body else None,
        agent_type=choice(body, "agentType", AgentType),
        status=choice(body, "status", AgentStatus),
        capacity=count(body, "capacity", MAX_CAPACITY),
    )


def parse_new_team(body: Mapping[str, Any]) -> NewTeam:
    """Validate a POST /api/teams body."""
    only_fields(body, ("code", "name", "region", "leadAgentId"))
    return NewTeam(
        code=_team_code(body, "code"),
        name=_name(body, "name"),
        region=optional_text(body, "region", MAX_NAME),
        lead_agent_id=_agent_id(body, "leadAgentId"),
    )


def parse_team_changes(body: Mapping[str, Any]) -> TeamChanges:
    """Validate a PUT /api/teams/{code} body; null clears region or lead."""
    fields = ("name", "region", "leadAgentId")
    only_fields(body, fields)
    some_field(body, fields)
    return TeamChanges(
        name=_name(body, "name") if "name" in body else None,
        region=optional_text(body, "region", MAX_NAME) if "region" in body else KEEP,
        lead_agent_id=_agent_id(body, "leadAgentId") if "leadAgentId" in body else KEEP,
    )
