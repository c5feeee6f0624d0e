"""RFC 9457 problem details: the one place where errors become HTTP statuses."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web as aioweb

from domain.errors import Conflict, DomainError, NotFound, ValidationError

PROBLEM_JSON = "application/problem+json"

# Domain exception → HTTP status. Anything unlisted is a 422: understood but refused.
_STATUS_OF: tuple[tuple[type[DomainError], int], ...] = (
    (ValidationError, 400),
    (NotFound, 404),
    (Conflict, 409),
)


class ProblemError(Exception):
    """Raised by views to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.headers = headers or {}
        # RFC 9457 extension members: facts a client acts on (e.g. the rule that refused).
        self.extensions = extensions or {}


def status_for(error: DomainError) -> int:
    for kind, status in _STATUS_OF:
        if isinstance(error, kind):
            return status
    return 422


def from_domain(error: DomainError) -> ProblemError:
    return ProblemError(status_for(error), error.code, error.message, field=error.field)


def problem_response(problem: ProblemError, *, request_id: str | None = None) -> aioweb.Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _title(problem.status),
        "status": problem.status,
        "code": problem.code,
        "detail": problem.detail,
    }
    if problem.field is not None:
        body["field"] = problem.field
    body |= {k: v for k, v in problem.extensions.items() if k not in body}
    if request_id is not None:
        body["requestId"] = request_id
    return aioweb.Response(
        text=json.dumps(body),
        status=problem.status,
        content_type=PROBLEM_JSON,
        headers=problem.headers,
    )


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
