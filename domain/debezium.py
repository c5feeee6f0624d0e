"""Debezium change events (JSON converter, schemas off) as plain, validated values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.errors import ValidationError

OPERATIONS = frozenset({"c", "u", "d", "r"})
_EPOCH = date(1970, 1, 1)


class EnvelopeError(ValueError):
    """The bytes are not a Debezium change event."""


@dataclass(frozen=True)
class Change:
    """One row change: c(reate), u(pdate), d(elete) or r(ead during a snapshot)."""

    op: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    # The source database's commit time: orders changes of one entity across sources.
    source_ts: datetime
    table: str
    # Debezium's source.snapshot: "true"/"first"/"last" in the initial snapshot,
    # "incremental" in an ad-hoc one, "false" (or absent) while streaming.
    snapshot: str

    @property
    def incremental(self) -> bool:
        return self.snapshot == "incremental"


def parse_change(raw: bytes) -> Change:
    """Decode one change event value; a tombstone (None) is the caller's business."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise EnvelopeError("a change event must be a JSON object")
    # A converter with schemas on wraps the event in {"schema": …, "payload": …}.
    if "payload" in value and "schema" in value:
        value = value["payload"]
    op, source = value.get("op"), value.get("source")
    if op not in OPERATIONS or not isinstance(source, dict):
        raise EnvelopeError(f"unknown operation {op!r} or no source block")
    before, after = value.get("before"), value.get("after")
    if (op == "d" and not isinstance(before, dict)) or (op != "d" and not isinstance(after, dict)):
        # A delete without its before-image means the table lacks REPLICA IDENTITY FULL.
        raise EnvelopeError(f"operation {op!r} without the row image it needs")
    ts_ms = source.get("ts_ms")
    if isinstance(ts_ms, bool) or not isinstance(ts_ms, int):
        raise EnvelopeError("source.ts_ms is missing")
    return Change(
        op=op,
        before=before if isinstance(before, dict) else None,
        after=after if isinstance(after, dict) else None,
        source_ts=datetime.fromtimestamp(ts_ms / 1000, UTC),
        table=str(source.get("table", "")),
        snapshot=str(source.get("snapshot", "false")),
    )


# Typed column readers for relational sources. With time.precision.mode=connect a DATE
# arrives as days since the epoch and a TIMESTAMP as epoch milliseconds; with
# decimal.handling.mode=string a NUMERIC arrives as its exact text.


def text(row: dict[str, Any], column: str, field: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field}: expected text", field=field, code="BAD_VALUE")
    stripped = value.strip()
    return stripped or None


def required_text(row: dict[str, Any], column: str, field: str) -> str:
    value = text(row, column, field)
    if value is None:
        raise ValidationError(f"{field} is required", field=field, code="MISSING_FIELD")
    return value


def amount(row: dict[str, Any], column: str, field: str) -> Decimal | None:
    value = row.get(column)
    if value is None:
        return None
    bad = ValidationError(f"{field}: {value!r} is not an amount", field=field, code="BAD_AMOUNT")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise bad from None
    if not number.is_finite():
        raise bad
    return number


def required_amount(row: dict[str, Any], column: str, field: str) -> Decimal:
    value = amount(row, column, field)
    if value is None:
        raise ValidationError(f"{field} is required", field=field, code="MISSING_FIELD")
    return value


def integer(row: dict[str, Any], column: str, field: str) -> int | None:
    value = row.get(column)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field}: {value!r} is not a whole number", field=field)
    return value


def day(row: dict[str, Any], column: str, field: str) -> date | None:
    value = row.get(column)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field}: {value!r} is not a date", field=field, code="BAD_DATE")
    try:
        return _EPOCH + timedelta(days=value)
    except OverflowError:
        raise ValidationError(
            f"{field}: {value!r} is not a date", field=field, code="BAD_DATE"
        ) from None
