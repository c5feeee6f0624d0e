"""aiohttp middlewares shared by every service: request ids, problem details, metrics."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web as aioweb
from prometheus_client import Counter, Histogram

from domain.errors import DomainError
from web.problems import ProblemError, from_domain, problem_response

log = logging.getLogger(__name__)

REQUESTS = Counter("crm_http_requests_total", "HTTP requests", ["service", "method", "status"])
LATENCY = Histogram("crm_http_request_seconds", "HTTP request latency", ["service", "method"])
REQUEST_ID = "X-Request-Id"
UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    # "pool is closing" while the worker shuts down: another worker answers a retry.
    asyncpg.InterfaceError,
    TimeoutError,
)

Handler = Callable[[aioweb.Request], Awaitable[aioweb.StreamResponse]]


def error_middleware(service: str) -> Callable[..., Awaitable[aioweb.StreamResponse]]:
    """Turn every failure into a problem document; never leak internals on a 5xx."""

    @aioweb.middleware
    async def middleware(request: aioweb.Request, handler: Handler) -> aioweb.StreamResponse:
        request_id = request.headers.get(REQUEST_ID) or uuid.uuid4().hex
        started = time.perf_counter()
        try:
            response = await handler(request)
        except ProblemError as exc:
            response = problem_response(exc, request_id=request_id)
        except DomainError as exc:
            response = problem_response(from_domain(exc), request_id=request_id)
        except aioweb.HTTPException as exc:
            if exc.status < 400:
                raise
            code = exc.reason.upper().replace(" ", "_")
            response = problem_response(
                ProblemError(exc.status, code, exc.reason), request_id=request_id
            )
        except UNAVAILABLE as exc:
            # A dependency is down: say so (clients retry a 503), without internals.
            log.warning("dependency unavailable in %s %s: %r", request.method, request.path, exc)
            response = problem_response(
                ProblemError(
                    503, "DEPENDENCY_UNAVAILABLE", "A backing service is unavailable; retry later."
                ),
                request_id=request_id,
            )
        except Exception:
            log.exception(
                "unhandled error in %s %s (request %s)", request.method, request.path, request_id
            )
            response = problem_response(
                ProblemError(500, "INTERNAL_ERROR", "The server failed to handle the request."),
                request_id=request_id,
            )
        response.headers[REQUEST_ID] = request_id
        REQUESTS.labels(service, request.method, str(response.status)).inc()
        LATENCY.labels(service, request.method).observe(time.perf_counter() - started)
        return response

    return middleware
