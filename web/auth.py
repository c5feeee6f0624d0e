"""The authentication hook every view goes through: bearer token, then permission.

Until the auth service issues real tokens, the only credential is a development token,
which settings refuse to carry in production; with none configured every call is a 401.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web as aioweb

from streams.app import crm_app
from web.problems import ProblemError

ViewMethod = TypeVar("ViewMethod", bound=Callable[..., Awaitable[Any]])

# Attribute names the OpenAPI builder reads off view methods.
PERMISSION_ATTR = "__crm_permission__"
PUBLIC_ATTR = "__crm_public__"
SUMMARY_ATTR = "__crm_summary__"


@dataclass(frozen=True)
class Principal:
    user_id: str
    permissions: frozenset[str]

    def may(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions


PRINCIPAL = aioweb.RequestKey("principal", Principal)


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401, "UNAUTHORIZED", detail, headers={"WWW-Authenticate": 'Bearer realm="crm"'}
    )


def authenticate(request: aioweb.Request, expected: str | None) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("A bearer token is required.")
    if expected is not None and hmac.compare_digest(token.encode(), expected.encode()):
        return Principal(user_id="developer", permissions=frozenset({"*"}))
    raise _unauthorized("The token is not valid.")


def requires(permission: str, summary: str = "") -> Callable[[ViewMethod], ViewMethod]:
    """Guard a view method: 401 without a valid token, 403 without the permission."""

    def decorate(method: ViewMethod) -> ViewMethod:
        @functools.wraps(method)
        async def guarded(view: Any, request: aioweb.Request, *args: Any, **kwargs: Any) -> Any:
            principal = authenticate(request, crm_app(view.app).dev_token)
            if not principal.may(permission):
                raise ProblemError(403, "FORBIDDEN", f"Permission {permission} is required.")
            request[PRINCIPAL] = principal
            return await method(view, request, *args, **kwargs)

        setattr(guarded, PERMISSION_ATTR, permission)
        setattr(guarded, SUMMARY_ATTR, summary or (method.__doc__ or "").strip())
        return guarded  # type: ignore[return-value]

    return decorate


def public(summary: str = "") -> Callable[[ViewMethod], ViewMethod]:
    """Mark a view method as deliberately anonymous (health, metrics, documentation)."""

    def decorate(method: ViewMethod) -> ViewMethod:
        setattr(method, PUBLIC_ATTR, True)
        setattr(method, SUMMARY_ATTR, summary or (method.__doc__ or "").strip())
        return method

    return decorate


def principal_of(request: aioweb.Request) -> Principal:
    return request[PRINCIPAL]
