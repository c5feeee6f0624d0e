"""JSON in and out: numbers parse as Decimal (no float near money), Decimal/datetime render."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web as aioweb

from web.problems import ProblemError

MAX_BODY_BYTES = 256 * 1024
# A bulk file of 10,000 lines is about 600 kB.
MAX_CSV_BYTES = 1024 * 1024


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False)


def json_response(value: Any, *, status: int = 200) -> aioweb.Response:
    return aioweb.Response(text=dumps(value), status=status, content_type="application/json")


async def read_object(request: aioweb.Request) -> dict[str, Any]:
    """Parse the request body as one JSON object or answer 400/413/415."""
    return parse_object(await _body(request, "application/json", MAX_BODY_BYTES))


def parse_object(raw: bytes) -> dict[str, Any]:
    """Parse raw bytes as one JSON object (decimals kept exact) or answer 400."""
    try:
        value = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProblemError(400, "INVALID_JSON", f"The body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ProblemError(400, "INVALID_JSON", "The body must be a JSON object.")
    return value


async def read_csv(request: aioweb.Request) -> str:
    """The request body as CSV text (UTF-8) or answer 400/413/415."""
    raw = await _body(request, "text/csv", MAX_CSV_BYTES)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "INVALID_ENCODING", "The file must be UTF-8.") from exc


async def _body(request: aioweb.Request, content_type: str, limit: int) -> bytes:
    """The raw body of the one content type accepted, or 415/413."""
    if request.content_type != content_type:
        raise ProblemError(415, "UNSUPPORTED_MEDIA_TYPE", f"Send the body as {content_type}.")
    too_large = ProblemError(413, "BODY_TOO_LARGE", f"Bodies are limited to {limit} bytes.")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    raw = await request.read()
    if len(raw) > limit:
        raise too_large
    return raw
