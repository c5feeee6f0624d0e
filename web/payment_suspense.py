"""The report of payments held in suspense: money the bank holds for a loan the CRM lacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web as aioweb
from faust.web import Blueprint

from streams.app import crm_app
from web.auth import requires
from web.jsonio import json_response
from web.pagination import page_body, page_of, time_key_cursor
from web.payments import PAYMENT_COLUMNS, payment_json
from web.problems import ProblemError
from web.views import ApiView

_YEAR_MINUTES = 60 * 24 * 365


def _age(request: aioweb.Request, default_minutes: int) -> timedelta:
    raw = request.query.get("olderThanMinutes", str(default_minutes))
    if not raw.isdigit() or int(raw) > _YEAR_MINUTES:
        raise ProblemError(
            400,
            "INVALID_AGE",
            "olderThanMinutes must be a whole number of minutes, at most a year",
            field="olderThanMinutes",
        )
    return timedelta(minutes=int(raw))


def payment_suspense_blueprint(default_minutes: int) -> Blueprint:
    bp = Blueprint("payment-suspense")

    # Not /api/payments/suspense: that path is the payment whose reference is "suspense".
    @bp.route("/api/payments/reports/suspense", name="suspense")
    class SuspenseReport(ApiView):
        @requires(
            "payments:read",
            "Payments held in suspense longer than olderThanMinutes, oldest first"
            " (loanAccountNumber, cursor, limit)",
        )
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            age = _age(request, default_minutes)
            page = page_of(request)
            after_time, after_ref = time_key_cursor(page.after)
            account = request.query.get("loanAccountNumber")
            before = datetime.now(UTC) - age
            pool = await crm_app(self.app).db_pool()
            held = (
                " FROM payments.payment WHERE status = 'SUSPENSE' AND received_at < $1"
                " AND ($2::text IS NULL OR loan_account_number = $2)"
            )
            totals = await pool.fetch(
                f"SELECT currency, count(*) AS n, sum(amount) AS amount{held} GROUP BY currency",
                before,
                account,
            )
            rows = await pool.fetch(
                f"SELECT {PAYMENT_COLUMNS}{held}"
                " AND ($3::timestamptz IS NULL OR (received_at, reference_number) > ($3, $4))"
                " ORDER BY received_at, reference_number LIMIT $5",
                before,
                account,
                after_time,
                after_ref,
                page.limit,
            )
            items = [payment_json(r) for r in rows]
            last = (
                [rows[-1]["received_at"].isoformat(), rows[-1]["reference_number"]]
                if rows
                else None
            )
            return json_response(
                {
                    "olderThanMinutes": int(age.total_seconds() // 60),
                    "count": sum(t["n"] for t in totals),
                    "amountByCurrency": {t["currency"]: t["amount"] for t in totals},
                    **page_body(items, page, last),
                }
            )

    return bp
