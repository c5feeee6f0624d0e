"""Bank statements and reconciliation requests: parse and validate before anything is stored.

A statement is a UTF-8 CSV file whose first line is the header below; amounts use '.' as the
decimal separator and booked_at is ISO 8601 with a UTC offset. The whole file is checked
first: one bad line refuses the file, naming every bad line and field.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import ValidationError

HEADER = ("reference_number", "loan_account_number", "amount", "currency", "booked_at")
MAX_RANGE_DAYS = 93
MAX_TOLERANCE_DAYS = 6
DEFAULT_TOLERANCE_DAYS = 1
# Numeric(18, 2): 16 digits before the point, at most 2 after; a ledger amount is positive.
_AMOUNT = re.compile(r"\d{1,16}(\.\d{1,2})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_MAX_TEXT = 64
_MAX_NOTE = 2000
# Errors listed in the problem's detail; the count covers them all.
_LISTED_ERRORS = 20


class IssueKind(StrEnum):
    MISSING_IN_CRM = "MISSING_IN_CRM"
    MISSING_IN_BANK = "MISSING_IN_BANK"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    DATE_MISMATCH = "DATE_MISMATCH"


class Resolution(StrEnum):
    """How an issue was settled."""

    CORRECTED_IN_CRM = "CORRECTED_IN_CRM"
    CORRECTED_BY_BANK = "CORRECTED_BY_BANK"
    TIMING_DIFFERENCE = "TIMING_DIFFERENCE"
    ACCEPTED = "ACCEPTED"
    OTHER = "OTHER"


@dataclass(frozen=True)
class BankTransaction:
    reference_number: str
    loan_account_number: str
    amount: Decimal
    currency: str
    booked_at: datetime


@dataclass(frozen=True)
class Statement:
    # The SHA-256 of the file: the same file uploaded again is the same statement.
    statement_id: str
    transactions: tuple[BankTransaction, ...]


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


class InvalidStatement(ValidationError):
    """The file is refused as a whole; `errors` names each bad line and field."""

    code = "INVALID_STATEMENT"

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        listed = "; ".join(str(e) for e in errors[:_LISTED_ERRORS])
        more = len(errors) - _LISTED_ERRORS
        suffix = f"; and {more} more" if more > 0 else ""
        message = f"The statement has {len(errors)} error(s), nothing was stored: {listed}{suffix}"
        super().__init__(message, field=errors[0].field)


def _text(value: str, line: int, name: str, errors: list[LineError]) -> str:
    value = value.strip()
    if not value:
        errors.append(LineError(line, name, "is required"))
    elif len(value) > _MAX_TEXT:
        errors.append(LineError(line, name, f"is longer than {_MAX_TEXT} characters"))
    return value


def _amount(value: str, line: int, errors: list[LineError]) -> Decimal:
    value = value.strip()
    if not _AMOUNT.fullmatch(value) or Decimal(value) == 0:
        errors.append(LineError(line, "amount", "must be a positive decimal like 1250000.00"))
        return Decimal(0)
    return Decimal(value)


def _currency(value: str, line: int, errors: list[LineError]) -> str:
    value = value.strip()
    if not _CURRENCY.fullmatch(value):
        errors.append(LineError(line, "currency", "must be an ISO 4217 code like VND"))
    return value


def _booked_at(value: str, line: int, errors: list[LineError]) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        errors.append(LineError(line, "booked_at", "must be ISO 8601 with a UTC offset"))
        return datetime.min.replace(tzinfo=UTC)
    if parsed.tzinfo is None:
        errors.append(LineError(line, "booked_at", "must carry a UTC offset"))
        return datetime.min.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _decode(data: bytes) -> str:
    try:
        # utf-8-sig: spreadsheet exports often start with a byte order mark.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidStatement([LineError(line, "encoding", "is not valid UTF-8")]) from exc


def parse_statement(data: bytes) -> Statement:
    """Parse a whole statement file, or raise InvalidStatement listing every bad line."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""), strict=True)
    errors: list[LineError] = []
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != HEADER:
            raise InvalidStatement([LineError(1, "header", f"must be {','.join(HEADER)}")])
        transactions: list[BankTransaction] = []
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            if not row:
                continue  # a blank line carries nothing
            if len(row) != len(HEADER):
                errors.append(LineError(line, "line", f"has {len(row)} fields, not {len(HEADER)}"))
                continue
            ref_raw, account_raw, amount_raw, currency_raw, booked_raw = row
            reference = _text(ref_raw, line, "reference_number", errors)
            if reference in seen:
                errors.append(
                    LineError(line, "reference_number", f"repeats line {seen[reference]}")
                )
            elif reference:
                seen[reference] = line
            transactions.append(
                BankTransaction(
                    reference_number=reference,
                    loan_account_number=_text(account_raw, line, "loan_account_number", errors),
                    amount=_amount(amount_raw, line, errors),
                    currency=_currency(currency_raw, line, errors),
                    booked_at=_booked_at(booked_raw, line, errors),
                )
            )
    except csv.Error as exc:
        errors.append(LineError(reader.line_num, "line", f"is not valid CSV: {exc}"))
    if errors:
        raise InvalidStatement(errors)
    digest = hashlib.sha256(data).hexdigest()
    return Statement(statement_id=digest[:32], transactions=tuple(transactions))


@dataclass(frozen=True)
class ReconciliationRequest:
    start_date: date
    end_date: date
    tolerance_days: int

    def bounds(self, bank_zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The range as [first midnight, midnight after the last day) in the bank's zone, UTC."""
        start = datetime.combine(self.start_date, time(), bank_zone)
        end = datetime.combine(self.end_date + timedelta(days=1), time(), bank_zone)
        return start.astimezone(UTC), end.astimezone(UTC)


def _date(body: dict[str, Any], name: str) -> date:
    value = body.get(name)
    if not isinstance(value, str):
        raise ValidationError(f"{name} is required as an ISO date (YYYY-MM-DD)", field=name)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{name} must be an ISO date (YYYY-MM-DD)", field=name) from exc


def parse_reconciliation_request(body: dict[str, Any]) -> ReconciliationRequest:
    """Validate {startDate, endDate, toleranceDays?}: start ≤ end, at most 93 days."""
    start, end = _date(body, "startDate"), _date(body, "endDate")
    if start > end:
        raise ValidationError("endDate must not be before startDate", field="endDate")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(f"the range is limited to {MAX_RANGE_DAYS} days", field="endDate")
    tolerance = body.get("toleranceDays", DEFAULT_TOLERANCE_DAYS)
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, int)
        or not 0 <= tolerance <= MAX_TOLERANCE_DAYS
    ):
        raise ValidationError(
            f"toleranceDays must be a whole number 0..{MAX_TOLERANCE_DAYS}", field="toleranceDays"
        )
    return ReconciliationRequest(start, end, tolerance)


@dataclass(frozen=True)
class ResolveRequest:
    resolution: Resolution
    note: str


def parse_resolve_request(body: dict[str, Any]) -> ResolveRequest:
    """Validate {resolution, note}: a known resolution and a non-empty reason."""
    raw = body.get("resolution")
    if not isinstance(raw, str) or raw not in Resolution.__members__:
        options = ", ".join(r.value for r in Resolution)
        raise ValidationError(f"resolution must be one of {options}", field="resolution")
    resolution = Resolution(raw)
    note = body.get("note")
    if not isinstance(note, str) or not note.strip():
        raise ValidationError("note is required: say why", field="note")
    if len(note) > _MAX_NOTE:
        raise ValidationError(f"note is limited to {_MAX_NOTE} characters", field="note")
    return ResolveRequest(resolution, note.strip())
