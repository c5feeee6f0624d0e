"""Who may see which customer (row-level scope) and the audit of every personal-data read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable

from aiohttp import web as aioweb

from security.data_access import record_data_access
from security.row_rules import Scope
from streams.app import PUBLISH_TIMEOUT_SECONDS, CrmApp
from streams.auth_events import CIFS_DETAIL, AuthEvent, publish_auth_events
from web.auth import principal_of
from web.problems import ProblemError

CUSTOMERS = "customers"


async def customer_scope(app: CrmApp, request: aioweb.Request) -> Scope:
    return await app.row_rules.scope(principal_of(request), CUSTOMERS)


def scope_cifs(scope: Scope) -> frozenset[str] | None:
    """The CIFs a list query is limited to; None when the caller sees every customer."""
    return None if scope.everything else scope.cifs


def customer_not_found() -> ProblemError:
    # Also the answer for a customer outside the caller's scope: do not confirm it exists.
    return ProblemError(404, "CUSTOMER_NOT_FOUND", "No customer has this CIF.", field="cif")


def _events(request: aioweb.Request, app: CrmApp, reads: list[tuple[str, str]]) -> list[AuthEvent]:
    """One DATA_ACCESS event per kind of read, naming every CIF it showed."""
    caller = principal_of(request)
    by_resource: dict[str, list[str]] = {}
    for cif, what in reads:
        by_resource.setdefault(what, []).append(cif)
    return [
        AuthEvent(
            "DATA_ACCESS",
            user_id=caller.user_id,
            session_id=caller.session_id or None,
            details={
                CIFS_DETAIL: json.dumps(cifs),
                "resource": what,
                "method": request.method,
                "path": request.path,
                "service": app.service_name,
            },
        )
        for what, cifs in by_resource.items()
    ]


async def audit_reads(
    app: CrmApp, request: aioweb.Request, reads: Iterable[tuple[str, str]]
) -> None:
    """Record each (CIF, what) read before the data leaves; 503 when it cannot be recorded."""
    # A page is one event naming its customers; the auth service writes a row per customer,
    # so the audit log's customer_cif finds every read of a customer, lists included.
    unique = list(dict.fromkeys(reads))
    if not unique:
        return
    if len(unique) == 1:
        ((cif, what),) = unique
        sending = record_data_access(app, request, cif, what)
    else:
        sending = publish_auth_events(app, *_events(request, app, unique))
    try:
        await asyncio.wait_for(sending, PUBLISH_TIMEOUT_SECONDS)
    except Exception as exc:
        # Personal data is not shown unless its reading is on record.
        raise ProblemError(
            503, "AUDIT_UNAVAILABLE", "The read could not be audited; retry later."
        ) from exc
