"""Taking a payment back by hand, and the report of payments stuck in suspense."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.payments import Source
from streams.app import crm_app
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.payments import PAYMENT_COLUMNS, payment_json, publish_notification
from web.problems import ProblemError
from web.views import ApiView

_MAX_REFERENCE = 64
_MAX_REPORT = 1000


def _reversal_reference(body: dict[str, Any], original: str) -> str:
    """The reversal's own reference: given, or derived so a retried request is the same one."""
    given = body.get("referenceNumber")
    if given is not None:
        if not isinstance(given, str):
            raise ProblemError(
                400, "INVALID_FIELD", "referenceNumber must be text", field="referenceNumber"
            )
        return given
    derived = f"RV-{original}"
    if len(derived) > _MAX_REFERENCE:
        raise ProblemError(
            400,
            "REFERENCE_REQUIRED",
            "the original reference is too long to derive one; send referenceNumber",
            field="referenceNumber",
        )
    return derived


def _reason(body: dict[str, Any]) -> str:
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ProblemError(
            400, "REASON_REQUIRED", "say why the payment is reversed", field="reason"
        )
    return reason


def _age(request: aioweb.Request, default_minutes: int) -> timedelta:
    raw = request.query.get("olderThanMinutes", str(default_minutes))
    if not raw.isdigit() or int(raw) > 60 * 24 * 365:
        raise ProblemError(
            400,
            "INVALID_AGE",
            "olderThanMinutes must be a whole number of minutes, at most a year",
            field="olderThanMinutes",
        )
    return timedelta(minutes=int(raw))


def payment_reversal_blueprint(suspense_report_minutes: int) -> Blueprint:
    bp = Blueprint("payment-reversal")

    @bp.route("/api/payments/{referenceNumber}/reversal", name="reverse")
    class ReversePayment(ApiView):
        @requires("payments:reverse", "Take a payment back (restores the loan's balance)")
        async def post(self, request: aioweb.Request, referenceNumber: str) -> aioweb.Response:
            body = await read_object(request)
            reason = _reason(body)
            app = crm_app(self.app)
            pool = await app.db_pool()
            row = await pool.fetchrow(
                "SELECT loan_account_number, cif, amount, currency, kind, status"
                " FROM payments.payment WHERE reference_number = $1",
                referenceNumber,
            )
            if row is None or row["kind"] != "PAYMENT":
                raise ProblemError(
                    404,
                    "PAYMENT_NOT_FOUND",
                    "No payment has this reference.",
                    field="referenceNumber",
                )
            if row["status"] == "FAILED":
                raise ProblemError(
                    409, "PAYMENT_NOT_APPLIED", "A failed payment has nothing to reverse."
                )
            reversal = {
                "referenceNumber": _reversal_reference(body, referenceNumber),
                "loanAccountNumber": row["loan_account_number"],
                "cif": row["cif"],
                "amount": str(row["amount"]),
                "currency": row["currency"],
                "paidAt": datetime.now(UTC).isoformat(),
                "channel": "MANUAL",
                "kind": "REVERSAL",
                "originalReferenceNumber": referenceNumber,
                "reason": reason,
            }
            user = principal_of(request).user_id
            reference = await publish_notification(app, reversal, Source.MANUAL, user)
            resp = json_response(
                {"referenceNumber": reference, "reverses": referenceNumber, "status": "ACCEPTED"},
                status=202,
            )
            resp.headers["Location"] = f"/api/payments/{referenceNumber}"
            return resp

    # Not /api/payments/suspense: that path is the payment whose reference is "suspense".
    @bp.route("/api/payments/reports/suspense", name="suspense")
    class SuspenseReport(ApiView):
        @requires("payments:read", "Payments held in suspense longer than olderThanMinutes")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            age = _age(request, suspense_report_minutes)
            before = datetime.now(UTC) - age
            pool = await crm_app(self.app).db_pool()
            totals = await pool.fetch(
                "SELECT currency, count(*) AS n, sum(amount) AS amount FROM payments.payment"
                " WHERE status = 'SUSPENSE' AND received_at < $1 GROUP BY currency",
                before,
            )
            rows = await pool.fetch(
                f"SELECT {PAYMENT_COLUMNS} FROM payments.payment"
                " WHERE status = 'SUSPENSE' AND received_at < $1"
                " ORDER BY received_at LIMIT $2",
                before,
                _MAX_REPORT,
            )
            return json_response(
                {
                    "olderThanMinutes": int(age.total_seconds() // 60),
                    "count": sum(t["n"] for t in totals),
                    "amountByCurrency": {t["currency"]: t["amount"] for t in totals},
                    # The oldest first, at most _MAX_REPORT: the ones to chase.
                    "items": [payment_json(r) for r in rows],
                }
            )

    return bp
