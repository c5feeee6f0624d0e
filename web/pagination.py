"""Keyset pagination, sorting and filter parsing shared by list endpoints."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web as aioweb

from web.problems import ProblemError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page:
    limit: int
    # The sort key of the last row of the previous page; None on the first page.
    after: list[Any] | None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: thousands of nested "[" are valid JSON that json cannot decode.
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor") from exc
    if not isinstance(values, list):
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor")
    return values


def page_of(request: aioweb.Request) -> Page:
    raw = request.query.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ProblemError(400, "INVALID_LIMIT", f"limit must be 1..{MAX_LIMIT}", field="limit")
    cursor = request.query.get("cursor")
    return Page(limit=int(raw), after=decode_cursor(cursor) if cursor else None)


def sort_of(request: aioweb.Request, allowed: dict[str, str], default: str) -> tuple[str, bool]:
    """Return (column, descending) from `sort=field` or `sort=-field`, whitelisted."""
    raw = request.query.get("sort", default)
    descending = raw.startswith("-")
    name = raw.lstrip("-")
    if name not in allowed:
        options = ", ".join(sorted(allowed))
        raise ProblemError(400, "INVALID_SORT", f"sort must be one of {options}", field="sort")
    return allowed[name], descending


def date_filter(request: aioweb.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ProblemError(400, "INVALID_DATE", f"{name} must be ISO 8601", field=name) from exc
    if value.tzinfo is None:
        raise ProblemError(400, "INVALID_DATE", f"{name} must carry a UTC offset", field=name)
    return value


def page_body(
    items: list[dict[str, Any]], page: Page, next_key: list[Any] | None
) -> dict[str, Any]:
    """Response envelope: items plus the cursor of the next page when there is one."""
    more = next_key is not None and len(items) == page.limit
    return {"items": items, "nextCursor": encode_cursor(next_key) if more and next_key else None}


def time_key_cursor(after: list[Any] | None) -> tuple[datetime | None, str | None]:
    """The (time, text key) a newest-first page continues after; a forged cursor is a 400."""
    if after is None:
        return None, None
    try:
        moment, key = after
        if not isinstance(moment, str) or not isinstance(key, str):
            raise TypeError
        at = datetime.fromisoformat(moment)
        if at.tzinfo is None:
            raise ValueError
    except (TypeError, ValueError) as exc:
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor") from exc
    return at, key
