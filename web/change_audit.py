"""Administrators' changes to how the collection floor works — agents and teams, the action
and case dictionaries, strategies — go on the audit trail like logins and data reads.

`requires` calls `audit_change` after such a change succeeded: a CONFIGURATION_CHANGED
AuthEvent on auth.events naming who, what (method and path) and the body they sent, which the
auth service writes to audit.audit_log. If the broker cannot take it the caller gets 503 and
retries: the changes are idempotent PUTs, or creations that answer 409 the second time.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web as aioweb

from streams.auth_events import CONFIGURATION_CHANGED, AuthEvent, publish_auth_events
from web.problems import ProblemError

if TYPE_CHECKING:
    from streams.app import CrmApp
    from web.auth import Principal

# Permissions whose changes are configuration (users' roles are audited by the auth service).
CONFIGURATION_PERMISSIONS = frozenset({"agents:manage", "dictionaries:manage", "strategies:manage"})
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Configuration bodies are small; the trail keeps this much of one.
MAX_BODY_CHARS = 4000
PUBLISH_TIMEOUT_SECONDS = 10.0


def is_configuration_change(permission: str, request: aioweb.Request, status: int) -> bool:
    return (
        permission in CONFIGURATION_PERMISSIONS
        and request.method in CHANGING_METHODS
        and status < 400
    )


async def audit_change(app: CrmApp, request: aioweb.Request, who: Principal, status: int) -> None:
    body = ""
    if request.body_exists:
        # aiohttp keeps the body the view already read; this reads no further bytes.
        body = (await request.read()).decode("utf-8", "replace")[:MAX_BODY_CHARS]
    event = AuthEvent(
        CONFIGURATION_CHANGED,
        user_id=who.user_id,
        session_id=who.session_id or None,
        ip_address=request.remote,
        details={
            "service": app.service_name,
            "method": request.method,
            "path": request.path,
            "status": str(status),
            "body": body,
        },
    )
    try:
        await asyncio.wait_for(publish_auth_events(app, event), PUBLISH_TIMEOUT_SECONDS)
    except Exception as exc:
        raise ProblemError(
            503,
            "AUDIT_UNAVAILABLE",
            "The change was made but could not be audited; repeat it.",
        ) from exc
