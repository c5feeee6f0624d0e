"""Payments' web views: record a payment, read payments, a loan's live ledger."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import faust
from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.payments import Source, parse_notification
from streams.app import PUBLISH_TIMEOUT_SECONDS, CrmApp, crm_app
from streams.avro import codec_for
from streams.payments import NOTIFICATION, notification_to_avro
from streams.topics import PAYMENTS_NOTIFICATIONS
from tables.payments import ledger_from_json
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.pagination import date_filter, page_body, page_of
from web.problems import ProblemError
from web.views import ApiView

_COLUMNS = (
    "reference_number, loan_account_number, cif, amount, currency, paid_at, channel, payer,"
    " source, kind, status, received_at, updated_at"
)


def payment_json(row: Any) -> dict[str, Any]:
    return {
        "referenceNumber": row["reference_number"],
        "loanAccountNumber": row["loan_account_number"],
        "cif": row["cif"],
        "amount": row["amount"],
        "currency": row["currency"],
        "paidAt": row["paid_at"],
        "channel": row["channel"],
        "payer": row["payer"],
        "source": row["source"],
        "kind": row["kind"],
        "status": row["status"],
        "receivedAt": row["received_at"],
        "updatedAt": row["updated_at"],
    }


async def publish_notification(
    app: CrmApp, body: dict[str, Any], source: Source, user: str | None
) -> str:
    """Validate and put a notification durably on Kafka; only then is it accepted."""
    notification = parse_notification(body, now=datetime.now(UTC), source=source, entered_by=user)
    value = codec_for(app.settings).encode(NOTIFICATION, notification_to_avro(notification))
    topic = app.settings.topic(PAYMENTS_NOTIFICATIONS.name)
    try:
        await asyncio.wait_for(
            app.producer.send_and_wait(
                topic,
                notification.loan_account_number.encode(),
                value,
                partition=None,
                timestamp=None,
                headers=None,
            ),
            PUBLISH_TIMEOUT_SECONDS,
        )
    except Exception as exc:
        raise ProblemError(
            503,
            "BROKER_UNAVAILABLE",
            "The payment was not confirmed as stored; retry later with the identical body.",
        ) from exc
    return notification.reference_number


def _loan_cursor(after: list[Any] | None) -> tuple[datetime | None, str | None]:
    """The (paidAt, referenceNumber) a page continues after; a forged cursor is a 400."""
    if after is None:
        return None, None
    try:
        paid, ref = after
        if not isinstance(paid, str) or not isinstance(ref, str):
            raise TypeError
        paid_at = datetime.fromisoformat(paid)
        if paid_at.tzinfo is None:
            raise ValueError
    except (TypeError, ValueError) as exc:
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor") from exc
    return paid_at, ref


def payments_blueprint(app: CrmApp, ledger: faust.Table) -> Blueprint:
    bp = Blueprint("payments")

    @bp.route("/api/payments", name="record")
    class RecordPayment(ApiView):
        @requires("payments:write", "Record a payment by hand (same path as the gateway's)")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            body = await read_object(request)
            user = principal_of(request).user_id
            reference = await publish_notification(crm_app(self.app), body, Source.MANUAL, user)
            resp = json_response({"referenceNumber": reference, "status": "ACCEPTED"}, status=202)
            resp.headers["Location"] = f"/api/payments/{reference}"
            return resp

    @bp.route("/api/payments/{referenceNumber}", name="by-reference")
    class PaymentByReference(ApiView):
        @requires("payments:read", "One payment by its reference number")
        async def get(self, request: aioweb.Request, referenceNumber: str) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            row = await pool.fetchrow(
                f"SELECT {_COLUMNS} FROM payments.payment WHERE reference_number = $1",
                referenceNumber,
            )
            if row is None:
                raise ProblemError(
                    404,
                    "PAYMENT_NOT_FOUND",
                    "No payment has this reference.",
                    field="referenceNumber",
                )
            return json_response(payment_json(row))

    @bp.route("/api/payments/loan/{accountNumber}", name="by-loan")
    class PaymentsByLoan(ApiView):
        @requires("payments:read", "A loan's payments, newest first (cursor, limit, from, to)")
        async def get(self, request: aioweb.Request, accountNumber: str) -> aioweb.Response:
            page = page_of(request)
            since, until = date_filter(request, "from"), date_filter(request, "to")
            after_paid, after_ref = _loan_cursor(page.after)
            pool = await crm_app(self.app).db_pool()
            rows = await pool.fetch(
                f"SELECT {_COLUMNS} FROM payments.payment WHERE loan_account_number = $1"
                " AND ($2::timestamptz IS NULL OR paid_at >= $2)"
                " AND ($3::timestamptz IS NULL OR paid_at < $3)"
                " AND ($4::timestamptz IS NULL OR (paid_at, reference_number) < ($4, $5))"
                " ORDER BY paid_at DESC, reference_number DESC LIMIT $6",
                accountNumber,
                since,
                until,
                after_paid,
                after_ref,
                page.limit,
            )
            items = [payment_json(r) for r in rows]
            last = [rows[-1]["paid_at"].isoformat(), rows[-1]["reference_number"]] if rows else None
            return json_response(page_body(items, page, last))

    @bp.route("/api/payments/loan/{accountNumber}/ledger", name="ledger")
    class LoanLedgerView(ApiView):
        @requires(
            "payments:read", "A loan's live payment ledger, answered by the worker that owns it"
        )
        @app.table_route(table=ledger, match_info="accountNumber")  # type: ignore[arg-type]
        async def get(self, request: aioweb.Request, accountNumber: str) -> aioweb.Response:
            state = ledger_from_json(ledger.get(accountNumber))
            if state is None:
                raise ProblemError(
                    404,
                    "LOAN_NOT_FOUND",
                    "No payment is known for this loan.",
                    field="accountNumber",
                )
            return json_response(
                {
                    "accountNumber": state.account_number,
                    "paymentCount": state.payment_count,
                    "totalPaid": state.total_paid,
                    "lastReferenceNumber": state.last_reference,
                    "servedBy": self.app.conf.canonical_url.human_repr(),
                }
            )

    return bp
