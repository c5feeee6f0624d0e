"""What an administrator may send to change the case dictionaries, validated.

PUT …/{code} creates or updates one entry (a state, a substate of a state, a customer
status): names are always sent; `position` and `active` left out keep their stored value (on
create: last in order, active). POST/DELETE …/transitions allow or stop a move between states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.action_dictionary_changes import MAX_NAME, parse_code
from domain.body_fields import count, flag, only_fields, optional_text
from domain.case_dictionary import Transition
from domain.errors import ValidationError

MAX_POSITION = 1000
ENTRY_FIELDS = ("nameEn", "nameVi", "position", "active")


@dataclass(frozen=True, slots=True)
class CaseEntryChange:
    code: str
    name_en: str
    name_vi: str
    # None: keep the stored value (or the default on create).
    position: int | None
    active: bool | None


def _name(body: Mapping[str, Any], field: str) -> str:
    name = optional_text(body, field, MAX_NAME)
    if name is None:
        raise ValidationError(f"{field} is required", field=field)
    return name


def parse_case_entry(code: str, body: Mapping[str, Any]) -> CaseEntryChange:
    """Validate a PUT body for a state, a substate or a customer status."""
    only_fields(body, ENTRY_FIELDS)
    return CaseEntryChange(
        code=parse_code(code),
        name_en=_name(body, "nameEn"),
        name_vi=_name(body, "nameVi"),
        position=count(body, "position", MAX_POSITION),
        active=flag(body, "active"),
    )


def parse_transition(body: Mapping[str, Any]) -> Transition:
    """{fromState, toState}: two different, well-formed state codes."""
    only_fields(body, ("fromState", "toState"))
    codes = []
    for field in ("fromState", "toState"):
        value = body.get(field)
        if value is None:
            raise ValidationError(f"{field} is required", field=field)
        codes.append(parse_code(value, field))
    if codes[0] == codes[1]:
        raise ValidationError(
            "a transition moves to another state (staying in one is always allowed)",
            field="toState",
        )
    return Transition(codes[0], codes[1])
