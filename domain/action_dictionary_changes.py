"""What an administrator may send to change the action dictionaries, validated.

PUT …/{code} creates or updates one entry: names are always sent; a flag left out keeps its
stored value (or the table's default on create), so switching `active` off cannot reset an
unrelated flag by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.action_dictionary import CODE, Combination
from domain.body_fields import flag, only_fields, optional_text
from domain.errors import ValidationError

MAX_NAME = 200
INVALID_CODE = "INVALID_CODE"

# Body field → column, per dictionary; the names are common to all three.
_NAMES = {"nameEn": "name_en", "nameVi": "name_vi"}
TYPE_FLAGS = {
    "isContactAttempt": "is_contact_attempt",
    "mayContactReference": "may_contact_reference",
    "active": "active",
}
SUBTYPE_FLAGS = {"active": "active"}
RESULT_FLAGS = {
    "isRightPartyContact": "is_right_party_contact",
    "createsPromise": "creates_promise",
    "active": "active",
}


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One dictionary entry to create or update; flags maps column → value (None: keep)."""

    code: str
    name_en: str
    name_vi: str
    flags: Mapping[str, bool | None]


def parse_code(raw: object, field: str = "code") -> str:
    """A dictionary code exactly as stored: A-Z first, then A-Z, 0-9 or _, 2 to 40 long."""
    if not isinstance(raw, str) or not CODE.fullmatch(raw):
        raise ValidationError(
            f"{field} must be upper case letters, digits or _ (2-40, starting with a letter)",
            field=field,
            code=INVALID_CODE,
        )
    return raw


def _name(body: Mapping[str, Any], field: str) -> str:
    name = optional_text(body, field, MAX_NAME)
    if name is None:
        raise ValidationError(f"{field} is required", field=field)
    return name


def parse_entry(code: str, body: Mapping[str, Any], flags: Mapping[str, str]) -> EntryChange:
    """Validate a PUT body for the dictionary whose flag fields are `flags` (field → column)."""
    only_fields(body, [*_NAMES, *flags])
    return EntryChange(
        code=parse_code(code),
        name_en=_name(body, "nameEn"),
        name_vi=_name(body, "nameVi"),
        flags={column: flag(body, field) for field, column in flags.items()},
    )


def parse_combination(body: Mapping[str, Any]) -> Combination:
    """{actionType, subtype, result}, each a well-formed code."""
    only_fields(body, ("actionType", "subtype", "result"))
    return Combination(
        _code_field(body, "actionType"), _code_field(body, "subtype"), _code_field(body, "result")
    )


def _code_field(body: Mapping[str, Any], field: str) -> str:
    value = body.get(field)
    if value is None:
        raise ValidationError(f"{field} is required", field=field)
    return parse_code(value, field)
