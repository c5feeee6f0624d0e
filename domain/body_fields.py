"""Field rules shared by every JSON body the API accepts: text, timestamps, flags, choices,
counts, and which fields a body may carry.

Each failure is a ValidationError naming the field, which web/ turns into a 400 problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from domain.errors import ValidationError

# A client clock slightly ahead of ours is normal; a moment far in the future is not.
CLOCK_SKEW = timedelta(minutes=5)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def required_text(
    body: Mapping[str, Any], name: str, pattern: re.Pattern[str] | None = None
) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} is required", field=name)
    value = value.strip()
    if pattern is not None and not pattern.match(value):
        raise ValidationError(f"{name} has an invalid format", field=name)
    return value


def optional_text(body: Mapping[str, Any], name: str, max_len: int) -> str | None:
    """Free text (a note, a name): bounded, no control characters; blank is absent."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise ValidationError(f"{name} must be a string of at most {max_len} chars", field=name)
    if _CONTROL.search(value):
        raise ValidationError(f"{name} must not contain control characters", field=name)
    return value.strip() or None


def timestamp(
    body: Mapping[str, Any], name: str, now: datetime, *, not_before: datetime | None = None
) -> datetime:
    """An ISO 8601 moment with its UTC offset, not in the future (beyond the clock skew)."""
    raw = body.get(name)
    if not isinstance(raw, str):
        raise ValidationError(f"{name} is required (ISO 8601 with offset)", field=name)
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(f"{name} is not an ISO 8601 timestamp", field=name) from exc
    if value.tzinfo is None:
        raise ValidationError(f"{name} must carry a UTC offset", field=name)
    if value > now + CLOCK_SKEW:
        raise ValidationError(f"{name} is in the future", field=name)
    if not_before is not None and value < not_before:
        raise ValidationError(f"{name} is before {not_before.isoformat()}", field=name)
    return value


E = TypeVar("E", bound=StrEnum)

UNKNOWN_FIELD = "UNKNOWN_FIELD"
NOTHING_TO_UPDATE = "NOTHING_TO_UPDATE"


def only_fields(body: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse a field the endpoint does not know: a typo must not be silently ignored."""
    known = frozenset(allowed)
    for name in sorted(body):
        if name not in known:
            options = ", ".join(sorted(known))
            raise ValidationError(
                f"{name} is not a field here (fields: {options})", field=name, code=UNKNOWN_FIELD
            )


def some_field(body: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """A partial update must change something."""
    if not any(name in body for name in allowed):
        raise ValidationError("the body names nothing to change", code=NOTHING_TO_UPDATE)


def flag(body: Mapping[str, Any], name: str) -> bool | None:
    """true or false; absent or null is None (left as it is, or the default)."""
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise ValidationError(f"{name} must be true or false", field=name)
    return value


def choice(body: Mapping[str, Any], name: str, kind: type[E]) -> E | None:
    """One of an enumeration's values; absent or null is None."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or value not in kind.__members__:
        options = ", ".join(k.value for k in kind)
        raise ValidationError(f"{name} must be one of {options}", field=name)
    return kind(value)


def count(body: Mapping[str, Any], name: str, maximum: int) -> int | None:
    """A whole number from 1 to `maximum`; absent or null is None."""
    value = body.get(name)
    if value is None:
        return None
    # bool is an int in Python; true is not a capacity of 1.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ValidationError(f"{name} must be a whole number from 1 to {maximum}", field=name)
    return value
