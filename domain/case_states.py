"""A change of a case's processing state, as staff ask for it and as the worker decides it.

`parse_case_change` turns the POST /api/cases body into a CaseStateChange or raises
ValidationError naming the field. Whether the change may happen is decided by the customer's
worker against the case and the case dictionaries (domain.case_transitions).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.action_dictionary import CODE
from domain.body_fields import only_fields, optional_text, required_text
from domain.errors import ValidationError

_CIF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,31}$")
MAX_NOTE = 2000
FIELDS = ("caseActionId", "cif", "processingState", "substate", "customerStatus", "note")


class ChangeStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    REFUSED = "REFUSED"


class Refusal(StrEnum):
    """Why a change was refused: stable codes clients key on (the problem's `code`)."""

    NO_CASE = "NO_CASE"
    UNKNOWN_STATE = "UNKNOWN_STATE"
    UNKNOWN_SUBSTATE = "UNKNOWN_SUBSTATE"
    UNKNOWN_CUSTOMER_STATUS = "UNKNOWN_CUSTOMER_STATUS"
    TRANSITION = "CASE_TRANSITION_REFUSED"


@dataclass(frozen=True, slots=True)
class CaseStateChange:
    case_action_id: uuid.UUID
    cif: str
    processing_state: str
    substate: str
    # None leaves the customer's status as it is.
    customer_status: str | None
    note: str | None
    # Who asks: the caller's user id, and their agent id when they are an agent.
    user_id: str
    agent_id: str | None
    requested_at: datetime

    def same_request(self, other: Mapping[str, Any]) -> bool:
        """Whether a stored customer_case_action row asked for exactly this."""
        return (
            other["cif"],
            other["to_state"],
            other["to_substate"],
            other["customer_status"],
            other["note"],
        ) == (self.cif, self.processing_state, self.substate, self.customer_status, self.note)


@dataclass(frozen=True, slots=True)
class CaseDecision:
    """How the worker decided one change; kept in the case a while so replays repeat it."""

    case_action_id: str
    # The case's count of decided changes after this one: the history's order.
    sequence: int
    status: ChangeStatus
    from_state: str | None
    from_substate: str | None
    from_customer_status: str | None
    refusal: Refusal | None
    field: str | None
    reason: str | None
    decided_at: datetime


def _case_action_id(body: Mapping[str, Any]) -> uuid.UUID:
    raw = body.get("caseActionId")
    if not isinstance(raw, str):
        raise ValidationError(
            "caseActionId is required (a UUID the client chose)", field="caseActionId"
        )
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise ValidationError("caseActionId is not a UUID", field="caseActionId") from exc


def _optional_code(body: Mapping[str, Any], name: str) -> str | None:
    raw = body.get(name)
    if raw is None:
        return None
    # fullmatch: a "$" anchor would let a trailing newline through.
    if not isinstance(raw, str) or not CODE.fullmatch(raw):
        raise ValidationError(
            f"{name} must be a dictionary code (upper case letters, digits, _)", field=name
        )
    return raw


def _code(body: Mapping[str, Any], name: str) -> str:
    code = _optional_code(body, name)
    if code is None:
        raise ValidationError(f"{name} is required", field=name)
    return code


def parse_case_change(
    body: Mapping[str, Any], *, now: datetime, user_id: str, agent_id: str | None
) -> CaseStateChange:
    """Validate a POST /api/cases body into a CaseStateChange, or raise ValidationError."""
    only_fields(body, FIELDS)
    return CaseStateChange(
        case_action_id=_case_action_id(body),
        cif=required_text(body, "cif", _CIF),
        processing_state=_code(body, "processingState"),
        substate=_code(body, "substate"),
        customer_status=_optional_code(body, "customerStatus"),
        note=optional_text(body, "note", MAX_NOTE),
        user_id=user_id,
        agent_id=agent_id,
        requested_at=now,
    )
