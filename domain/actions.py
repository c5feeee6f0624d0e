"""A collection action as an agent records it: a call, a visit, a message, and its result.

`parse_action` turns the API body into a RecordAction or raises ValidationError naming the
field. What the action may be (type, subtype, result) is the dictionaries' business, checked
where the dictionaries are loaded; when it may happen is the contact rules'.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from domain.body_fields import optional_text, required_text, timestamp
from domain.contact_rules import LATEST_BACKDATE
from domain.errors import ValidationError
from domain.money import parse_amount

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
_CIF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,31}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,33}$")
_TRACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")


class Party(StrEnum):
    """Who was contacted: the customer, or one of their reference persons."""

    CUSTOMER = "CUSTOMER"
    REFERENCE = "REFERENCE"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a field visit took place (WGS 84 degrees)."""

    latitude: Decimal
    longitude: Decimal


@dataclass(frozen=True, slots=True)
class PromiseTerms:
    amount: Decimal
    currency: str
    due_date: date


@dataclass(frozen=True, slots=True)
class RecordAction:
    action_id: uuid.UUID
    cif: str
    account_number: str | None
    action_type: str
    subtype: str
    result: str | None
    party: Party
    reference_cif: str | None
    occurred_at: datetime
    notes: str | None
    call_trace_id: str | None
    location: Location | None
    promise: PromiseTerms | None
    # Who records it: the caller's user id, and their agent id when they are an agent.
    user_id: str
    agent_id: str | None
    submitted_at: datetime


def _code(body: Mapping[str, Any], name: str) -> str:
    return required_text(body, name, _CODE)


def _action_id(body: Mapping[str, Any]) -> uuid.UUID:
    raw = body.get("actionId")
    if not isinstance(raw, str):
        raise ValidationError("actionId is required (a UUID the client chose)", field="actionId")
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise ValidationError("actionId is not a UUID", field="actionId") from exc


def _degrees(value: Any, name: str, limit: int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValidationError(f"{name} must be a number", field=f"location.{name}")
    try:
        degrees = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(f"{name} must be a number", field=f"location.{name}") from exc
    if not degrees.is_finite() or abs(degrees) > limit:
        raise ValidationError(f"{name} must be within ±{limit}", field=f"location.{name}")
    return degrees.quantize(Decimal("0.000001"))


def _location(body: Mapping[str, Any]) -> Location | None:
    raw = body.get("location")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValidationError("location must be {latitude, longitude}", field="location")
    return Location(
        _degrees(raw.get("latitude"), "latitude", 90),
        _degrees(raw.get("longitude"), "longitude", 180),
    )


def _promise(body: Mapping[str, Any]) -> PromiseTerms | None:
    raw = body.get("promise")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValidationError("promise must be {amount, currency, dueDate}", field="promise")
    currency = raw.get("currency", "VND")
    if not isinstance(currency, str):
        raise ValidationError("currency must be an ISO 4217 code", field="promise.currency")
    amount = parse_amount(raw.get("amount"), currency.upper(), field="promise.amount")
    due = raw.get("dueDate")
    try:
        due_date = date.fromisoformat(due) if isinstance(due, str) else None
    except ValueError:
        due_date = None
    if due_date is None:
        raise ValidationError("dueDate must be a date (YYYY-MM-DD)", field="promise.dueDate")
    return PromiseTerms(amount, currency.upper(), due_date)


def parse_action(
    body: Mapping[str, Any], *, now: datetime, user_id: str, agent_id: str | None
) -> RecordAction:
    """Validate a POST /api/actions body into a RecordAction, or raise ValidationError."""
    party_raw = body.get("contactedParty", Party.CUSTOMER.value)
    try:
        party = Party(party_raw)
    except ValueError as exc:
        raise ValidationError(
            "contactedParty must be CUSTOMER or REFERENCE", field="contactedParty"
        ) from exc
    reference_cif = None
    if party is Party.REFERENCE:
        reference_cif = required_text(body, "referenceCif", _CIF)
    occurred_at = (
        now
        if body.get("occurredAt") is None
        else timestamp(body, "occurredAt", now, not_before=now - LATEST_BACKDATE)
    )
    account = body.get("accountNumber")
    result = body.get("result")
    return RecordAction(
        action_id=_action_id(body),
        cif=required_text(body, "cif", _CIF),
        account_number=None if account is None else required_text(body, "accountNumber", _ACCOUNT),
        action_type=_code(body, "actionType"),
        subtype=_code(body, "subtype"),
        result=None if result is None else _code(body, "result"),
        party=party,
        reference_cif=reference_cif,
        occurred_at=occurred_at,
        notes=optional_text(body, "notes", 4000),
        call_trace_id=None
        if body.get("callTraceId") is None
        else required_text(body, "callTraceId", _TRACE),
        location=_location(body),
        promise=_promise(body),
        user_id=user_id,
        agent_id=agent_id,
        submitted_at=now,
    )


@dataclass(frozen=True, slots=True)
class RecordResult:
    """The outcome of an action, recorded after it (the call ended, the visit report)."""

    action_id: uuid.UUID
    cif: str
    account_number: str | None
    result: str
    notes: str | None
    promise: PromiseTerms | None
    user_id: str
    recorded_at: datetime


def parse_result(
    body: Mapping[str, Any], *, action: Mapping[str, Any], user_id: str, now: datetime
) -> RecordResult:
    """Validate a PUT /api/actions/{id}/result body for the stored `action` row."""
    return RecordResult(
        action_id=action["id"],
        cif=action["cif"],
        account_number=action["account_number"],
        result=_code(body, "result"),
        notes=optional_text(body, "notes", 4000),
        promise=_promise(body),
        user_id=user_id,
        recorded_at=now,
    )
