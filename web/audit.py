"""The audit log for auditors: filters, keyset pages, and a CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence.auth_records import AuditCursor, AuditEntry
from security.auth_context import auth_context
from streams.app import crm_app
from web.auth import requires
from web.jsonio import json_response
from web.pagination import date_filter, encode_cursor, page_of
from web.problems import ProblemError
from web.views import ApiView

EXPORT_LIMIT = 10_000
COLUMNS = (
    "id",
    "occurredAt",
    "actor",
    "action",
    "resourceType",
    "resourceId",
    "outcome",
    "customerCif",
    "ipAddress",
    "service",
    "requestId",
    "details",
)


def entry_json(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "occurredAt": e.occurred_at,
        "actor": e.actor,
        "action": e.action,
        "resourceType": e.resource_type,
        "resourceId": e.resource_id,
        "outcome": e.outcome,
        "customerCif": e.customer_cif,
        "ipAddress": e.ip_address,
        "service": e.service,
        "requestId": e.request_id,
        "details": e.details,
    }


def _cursor(after: list[Any] | None) -> AuditCursor | None:
    if after is None:
        return None
    try:
        at, entry_id = after
        return AuditCursor(datetime.fromisoformat(at), int(entry_id))
    except (TypeError, ValueError) as exc:
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor") from exc


def _csv(entries: list[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        row = entry_json(e)
        row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        row["occurredAt"] = e.occurred_at.isoformat()
        # A leading = + - @ would run as a formula when an auditor opens the file in Excel.
        writer.writerow(
            "'" + v if isinstance(v, str) and v[:1] in "=+-@" else v
            for v in (row[c] for c in COLUMNS)
        )
    return out.getvalue()


def audit_blueprint() -> Blueprint:
    bp = Blueprint("audit")

    @bp.route("/api/audit", name="audit")
    class Audit(ApiView):
        @requires(
            "audit:read",
            "Audit entries, newest first (user, eventType, cif, from, to); format=csv exports",
        )
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            q = request.query
            export = q.get("format") == "csv"
            page = page_of(request)
            store = (await auth_context(crm_app(self.app))).store
            entries = await store.query_audit(
                user=q.get("user"),
                action=q.get("eventType"),
                customer=q.get("cif"),
                since=date_filter(request, "from"),
                until=date_filter(request, "to"),
                after=_cursor(page.after),
                limit=EXPORT_LIMIT if export else page.limit,
            )
            if export:
                resp = aioweb.Response(text=_csv(entries), content_type="text/csv")
                resp.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
                return resp
            last = entries[-1] if entries else None
            more = last is not None and len(entries) == page.limit
            cursor = (
                encode_cursor([last.occurred_at.isoformat(), last.id]) if more and last else None
            )
            return json_response({"items": [entry_json(e) for e in entries], "nextCursor": cursor})

    return bp
