"""Base view of every endpoint: Faust's own web errors become problem documents too."""

from __future__ import annotations

from faust.web import Request, Response, View
from faust.web.exceptions import WebError

from web.problems import ProblemError


class ApiView(View):
    async def on_request_error(self, request: Request, exc: WebError) -> Response:
        """Faust raises e.g. ServiceUnavailable from table_route while partitions move."""
        code = type(exc).__name__.upper()
        if exc.code == 503:
            code = "PARTITION_OWNER_UNAVAILABLE"
        headers = {"Retry-After": "1"} if exc.code == 503 else None
        raise ProblemError(exc.code, code, str(exc.detail), headers=headers)
