"""Taking a payment back by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.payments import Source
from streams.app import crm_app
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.payments import publish_notification
from web.problems import ProblemError
from web.views import ApiView

_MAX_REFERENCE = 64


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


def payment_reversal_blueprint() -> Blueprint:
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

    return bp
