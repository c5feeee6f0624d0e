"""Reconciliation views: load the bank's statement, reconcile a range, list and resolve issues."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.statement import (
    IssueKind,
    parse_reconciliation_request,
    parse_resolve_request,
    parse_statement,
)
from persistence import reconciliation as store
from streams.app import crm_app
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.pagination import page_body, page_of
from web.problems import ProblemError
from web.views import ApiView

PERMISSION = "payments:reconcile"
# A day of 100,000 payments is about 8 MB of CSV.
MAX_STATEMENT_BYTES = 32 * 1024 * 1024


def issue_json(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "runId": row["run_id"],
        "kind": row["kind"],
        "referenceNumber": row["reference_number"],
        "loanAccountNumber": row["loan_account_number"],
        "crmAmount": row["crm_amount"],
        "crmCurrency": row["crm_currency"],
        "bankAmount": row["bank_amount"],
        "bankCurrency": row["bank_currency"],
        "crmPaidAt": row["crm_paid_at"],
        "bankBookedAt": row["bank_booked_at"],
        "status": row["status"],
        "createdAt": row["created_at"],
        "resolvedBy": row["resolved_by"],
        "resolvedAt": row["resolved_at"],
        "resolution": row["resolution"],
        "note": row["note"],
    }


async def _read_csv(request: aioweb.Request) -> bytes:
    """The body as bytes, streamed (aiohttp's read() stops at 1 MiB), or a 413/415."""
    if request.content_type != "text/csv":
        raise ProblemError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the statement as text/csv.")
    too_large = ProblemError(
        413, "BODY_TOO_LARGE", f"Statements are limited to {MAX_STATEMENT_BYTES} bytes."
    )
    if request.content_length is not None and request.content_length > MAX_STATEMENT_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_STATEMENT_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _kind_filter(request: aioweb.Request) -> IssueKind | None:
    raw = request.query.get("kind")
    if raw is None:
        return None
    if raw not in IssueKind.__members__:
        options = ", ".join(k.value for k in IssueKind)
        raise ProblemError(400, "INVALID_KIND", f"kind must be one of {options}", field="kind")
    return IssueKind(raw)


def _after_id(after: list[Any] | None) -> int | None:
    if after is None:
        return None
    if len(after) != 1 or not isinstance(after[0], int) or isinstance(after[0], bool):
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor")
    return after[0]


def reconciliation_blueprint() -> Blueprint:
    bp = Blueprint("reconciliation")

    @bp.route("/api/payments/reconciliation/statements", name="statements")
    class Statements(ApiView):
        @requires(PERMISSION, "Load a bank statement (text/csv) into the bank's ledger")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            statement = parse_statement(await _read_csv(request))
            pool = await crm_app(self.app).db_pool()
            loaded = await store.load_statement(pool, statement, datetime.now(UTC))
            body = {
                "statementId": loaded.statement_id,
                "rowCount": loaded.row_count,
                "storedRows": loaded.stored,
                "alreadyLoaded": loaded.already_loaded,
            }
            return json_response(body, status=200 if loaded.already_loaded else 201)

    @bp.route("/api/payments/reconciliation", name="run")
    class Reconcile(ApiView):
        @requires(PERMISSION, "Compare the CRM's payments with the bank's ledger for a range")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            parsed = parse_reconciliation_request(await read_object(request))
            app = crm_app(self.app)
            zone = app.settings.bank_timezone
            report = await store.reconcile(
                await app.db_pool(),
                parsed,
                bank_zone=zone,
                started_by=principal_of(request).user_id,
                now=datetime.now(UTC),
            )
            return json_response(
                {
                    "runId": report.run_id,
                    "startDate": parsed.start_date,
                    "endDate": parsed.end_date,
                    "toleranceDays": parsed.tolerance_days,
                    "bankTimeZone": zone,
                    "totals": report.totals,
                    "newIssues": report.new_issues,
                }
            )

    @bp.route("/api/payments/reconciliation/issues", name="issues")
    class Issues(ApiView):
        @requires(PERMISSION, "Open reconciliation issues, oldest first (kind, cursor, limit)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            page = page_of(request)
            kind = _kind_filter(request)
            pool = await crm_app(self.app).db_pool()
            rows = await store.open_issues(pool, kind, _after_id(page.after), page.limit)
            last = [rows[-1]["id"]] if rows else None
            return json_response(page_body([issue_json(r) for r in rows], page, last))

    @bp.route("/api/payments/reconciliation/issues/{issueId}/resolve", name="resolve")
    class ResolveIssue(ApiView):
        @requires(PERMISSION, "Resolve an open issue: how (resolution) and why (note)")
        async def post(self, request: aioweb.Request, issueId: str) -> aioweb.Response:
            if not issueId.isdigit() or len(issueId) > 18:
                raise ProblemError(404, "ISSUE_NOT_FOUND", "No issue has this id.", field="issueId")
            parsed = parse_resolve_request(await read_object(request))
            pool = await crm_app(self.app).db_pool()
            resolved, current = await store.resolve_issue(
                pool,
                int(issueId),
                parsed.resolution,
                parsed.note,
                principal_of(request).user_id,
                datetime.now(UTC),
            )
            if resolved is not None:
                return json_response(issue_json(resolved))
            if current is None:
                raise ProblemError(404, "ISSUE_NOT_FOUND", "No issue has this id.", field="issueId")
            raise ProblemError(
                409,
                "ISSUE_ALREADY_RESOLVED",
                f"The issue was resolved by {current['resolved_by']}"
                f" at {current['resolved_at'].isoformat()} ({current['resolution']}).",
            )

    return bp
