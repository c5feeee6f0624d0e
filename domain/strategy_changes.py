"""An administrator's PUT of a strategy or a segment: the body's fields, checked one by one.

Each failure names its field. Codes are upper-case identifiers, so no code can be mistaken
for a path word of the API (segments, results).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.body_fields import flag, only_fields, required_text
from domain.cases import BUCKETS, OVER_360
from domain.errors import ValidationError

CODE = re.compile(r"^[A-Z][A-Z0-9_\-]{0,39}$")
# Buckets a delinquent customer can be in (a current one has no open case).
DELINQUENT_BUCKETS = (*(name for _, name in BUCKETS[1:]), OVER_360)
MAX_CADENCE_DAYS = 90
MAX_RANK = 100_000
# Regions are names like "Hà Nội": any printable text, short.
_LIST_ITEM = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")

STRATEGY_FIELDS = ("name", "teamCode", "priority", "channels", "cadenceDays", "active")
SEGMENT_FIELDS = (
    "name",
    "rank",
    "champion",
    "challenger",
    "challengerPercent",
    "buckets",
    "products",
    "minOutstanding",
    "maxOutstanding",
    "regions",
    "riskFlags",
    "active",
)


def code_of(code: str, field: str = "code") -> str:
    if not CODE.match(code):
        raise ValidationError(
            f"{field} must be upper-case letters, digits, '_' or '-' (at most 40)", field=field
        )
    return code


def _whole(body: Mapping[str, Any], name: str, low: int, high: int, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}", field=name)
    return value


def _texts(body: Mapping[str, Any], name: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    value = body.get(name) or []
    if not isinstance(value, list) or len(value) > 100:
        raise ValidationError(f"{name} must be a list of at most 100 strings", field=name)
    for item in value:
        if not isinstance(item, str) or not _LIST_ITEM.match(item) or item != item.strip():
            raise ValidationError(f"{name} holds an invalid entry: {item!r}", field=name)
        if allowed is not None and item not in allowed:
            raise ValidationError(f"{name}: {item} is not one of {', '.join(allowed)}", field=name)
    return sorted(set(value))


def _amount(body: Mapping[str, Any], name: str) -> Decimal | None:
    raw = body.get(name)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValidationError(f"{name} must be an amount in VND, as a string", field=name)
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValidationError(f"{name} is not a number", field=name) from exc
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"{name} must be at least 0, with at most 2 decimals", field=name)
    return value


def parse_strategy(
    code: str, body: Mapping[str, Any], action_types: frozenset[str]
) -> dict[str, Any]:
    """The strategy's columns from a PUT body (every field but active required)."""
    only_fields(body, STRATEGY_FIELDS)
    name = required_text(body, "name")
    if len(name) > 200:
        raise ValidationError("name must be at most 200 characters", field="name")
    return {
        "code": code_of(code),
        "name": name,
        "team_code": required_text(body, "teamCode"),
        "priority": _whole(body, "priority", 0, 100, -1),
        "channels": _texts(body, "channels", tuple(sorted(action_types))),
        "cadence_days": _whole(body, "cadenceDays", 0, MAX_CADENCE_DAYS, 0),
        "active": flag(body, "active") is not False,
    }


def parse_segment(code: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The segment's columns from a PUT body: name, rank and champion are required."""
    only_fields(body, SEGMENT_FIELDS)
    name = required_text(body, "name")
    if len(name) > 200:
        raise ValidationError("name must be at most 200 characters", field="name")
    champion = code_of(required_text(body, "champion"), "champion")
    challenger_raw = body.get("challenger")
    challenger = None if challenger_raw is None else code_of(str(challenger_raw), "challenger")
    percent = _whole(body, "challengerPercent", 0, 100, 0)
    if challenger is None and percent:
        raise ValidationError("a challengerPercent needs a challenger", field="challenger")
    if challenger is not None and not 0 < percent < 100:
        raise ValidationError(
            "with a challenger, challengerPercent must be from 1 to 99", field="challengerPercent"
        )
    if challenger == champion:
        raise ValidationError("the challenger must differ from the champion", field="challenger")
    low, high = _amount(body, "minOutstanding"), _amount(body, "maxOutstanding")
    if low is not None and high is not None and low > high:
        raise ValidationError("maxOutstanding is below minOutstanding", field="maxOutstanding")
    return {
        "code": code_of(code),
        "name": name,
        "rank": _whole(body, "rank", 1, MAX_RANK, 0),
        "champion": champion,
        "challenger": challenger,
        "challenger_percent": percent,
        "buckets": _texts(body, "buckets", DELINQUENT_BUCKETS),
        "products": _texts(body, "products"),
        "min_outstanding": low,
        "max_outstanding": high,
        "regions": _texts(body, "regions"),
        "risk_flags": _texts(body, "riskFlags"),
        "active": flag(body, "active") is not False,
    }
