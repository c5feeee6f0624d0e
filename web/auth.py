"""The authentication hook every view goes through: bearer token, then permission.

Tokens are the auth service's RS256 access tokens, checked locally (cached JWKS) and against
the revocation view fed by auth.revocations: no request waits for the auth service.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web as aioweb

from security.access import TokenRevoked
from security.tokens import InvalidToken
from streams.app import CrmApp, crm_app
from streams.auth_events import AuthEvent, publish_auth_events
from web.change_audit import audit_change, is_configuration_change
from web.problems import ProblemError

ViewMethod = TypeVar("ViewMethod", bound=Callable[..., Awaitable[Any]])

# Attribute names the OpenAPI builder reads off view methods.
PERMISSION_ATTR = "__crm_permission__"
PUBLIC_ATTR = "__crm_public__"
SUMMARY_ATTR = "__crm_summary__"
# Marks a method that needs a valid token but no particular permission.
ANY_USER = "authenticated"


@dataclass(frozen=True)
class Principal:
    user_id: str
    permissions: frozenset[str]
    roles: frozenset[str] = field(default_factory=frozenset)
    session_id: str = ""

    def may(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions

    def event(self, event_type: str, now: datetime, session: str | None = None) -> AuthEvent:
        return AuthEvent(
            event_type,
            user_id=self.user_id,
            session_id=session or self.session_id or None,
            occurred_at=now,
        )


PRINCIPAL = aioweb.RequestKey("principal", Principal)


def _unauthorized(code: str, detail: str) -> ProblemError:
    return ProblemError(401, code, detail, headers={"WWW-Authenticate": 'Bearer realm="crm"'})


async def authenticate(request: aioweb.Request, app: CrmApp) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("UNAUTHORIZED", "A bearer token is required.")
    if app.access is None:
        raise _unauthorized("UNAUTHORIZED", "The token is not valid.")
    try:
        claims = await app.access.check(token, datetime.now(UTC))
    except InvalidToken as exc:
        raise _unauthorized("UNAUTHORIZED", "The token is not valid.") from exc
    except TokenRevoked as exc:
        raise _unauthorized("TOKEN_REVOKED", "The session has ended.") from exc
    return Principal(
        user_id=claims.subject,
        permissions=claims.permissions,
        roles=claims.roles,
        session_id=claims.session_id,
    )


async def _denied(app: CrmApp, request: aioweb.Request, who: Principal, permission: str) -> None:
    event = AuthEvent(
        "ACCESS_DENIED",
        user_id=who.user_id,
        session_id=who.session_id or None,
        reason=f"missing {permission}",
        details={"method": request.method, "path": request.path, "service": app.service_name},
    )
    await publish_auth_events(app, event)


def requires(permission: str, summary: str = "") -> Callable[[ViewMethod], ViewMethod]:
    """Guard a view method: 401 without a valid token, 403 without the permission."""

    def decorate(method: ViewMethod) -> ViewMethod:
        @functools.wraps(method)
        async def guarded(view: Any, request: aioweb.Request, *args: Any, **kwargs: Any) -> Any:
            app = crm_app(view.app)
            principal = await authenticate(request, app)
            if permission != ANY_USER and not principal.may(permission):
                await _denied(app, request, principal, permission)
                raise ProblemError(403, "FORBIDDEN", f"Permission {permission} is required.")
            request[PRINCIPAL] = principal
            response = await method(view, request, *args, **kwargs)
            status = getattr(response, "status", 200)
            if is_configuration_change(permission, request, status):
                await audit_change(app, request, principal, status)
            return response

        setattr(guarded, PERMISSION_ATTR, permission)
        setattr(guarded, SUMMARY_ATTR, summary or (method.__doc__ or "").strip())
        return guarded  # type: ignore[return-value]

    return decorate


def authenticated(summary: str = "") -> Callable[[ViewMethod], ViewMethod]:
    """Guard a view method that any logged-in user may call (their own data)."""
    return requires(ANY_USER, summary)


def public(summary: str = "") -> Callable[[ViewMethod], ViewMethod]:
    """Mark a view method as deliberately anonymous (login, health, metrics, documentation)."""

    def decorate(method: ViewMethod) -> ViewMethod:
        setattr(method, PUBLIC_ATTR, True)
        setattr(method, SUMMARY_ATTR, summary or (method.__doc__ or "").strip())
        return method

    return decorate


def principal_of(request: aioweb.Request) -> Principal:
    return request[PRINCIPAL]
