"""Personal-data access audit: any service records who read which customer, and where from.

Vietnam's Decree 13/2023 wants every read of personal data by staff to be auditable. A view
that returns a customer's personal data calls `record_data_access` before answering; the
event travels on auth.events and the auth service writes it to the audit log with the CIF.
"""

from __future__ import annotations

from aiohttp import web as aioweb

from streams.app import CrmApp
from streams.auth_events import AuthEvent, publish_auth_events
from web.auth import principal_of


async def record_data_access(
    app: CrmApp, request: aioweb.Request, cif: str, what: str = "customer"
) -> None:
    """Publish a DATA_ACCESS event for the caller reading customer `cif` (awaits the broker)."""
    caller = principal_of(request)
    event = AuthEvent(
        "DATA_ACCESS",
        user_id=caller.user_id,
        session_id=caller.session_id or None,
        details={
            "cif": cif,
            "resource": what,
            "method": request.method,
            "path": request.path,
            "service": app.service_name,
        },
    )
    await publish_auth_events(app, event)
