"""Payments' web views: record a payment, read payments, a loan's live ledger."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import faust
from aiohttp import web as aioweb
from faust.web import Blueprint

from crm.settings import Settings
from domain.loan_ledger import LoanLedger
from domain.payments import Source, parse_notification
from streams.app import PUBLISH_TIMEOUT_SECONDS, CrmApp, crm_app
from streams.avro import codec_for
from streams.payments import NOTIFICATION, notification_to_avro
from streams.publish import EventPublisher
from streams.topics import PAYMENTS_NOTIFICATIONS
from tables.payments import ledger_from_json
from web.auth import ViewMethod, principal_of, requires
from web.jsonio import json_response, read_object
from web.pagination import date_filter, page_body, page_of, time_key_cursor
from web.problems import ProblemError
from web.sync_access import audit_reads, customer_not_found, customer_scope, scope_cifs
from web.views import ApiView

PAYMENT_COLUMNS = (
    "reference_number, loan_account_number, cif, amount, currency, paid_at, channel, payer,"
    " source, kind, status, reason, received_at, applied_at, updated_at"
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
        "reason": row["reason"],
        "receivedAt": row["received_at"],
        "appliedAt": row["applied_at"],
        "updatedAt": row["updated_at"],
    }


async def publish_notification(
    app: CrmApp, body: dict[str, Any], source: Source, user: str | None
) -> str:
    """Validate and put a notification durably on Kafka; only then is it accepted."""
    return await publish_notification_with(app.settings, lambda: app.publisher, body, source, user)


async def publish_notification_with(
    settings: Settings,
    publisher: Callable[[], EventPublisher],
    body: dict[str, Any],
    source: Source,
    user: str | None,
) -> str:
    """publish_notification for a process without a Faust app (the webhook intake).

    The publisher is asked for only once the body is valid: a service's producer is made on
    first use, and a refused body must not make one.
    """
    notification = parse_notification(body, now=datetime.now(UTC), source=source, entered_by=user)
    value = codec_for(settings).encode(NOTIFICATION, notification_to_avro(notification))
    topic = settings.topic(PAYMENTS_NOTIFICATIONS.name)
    # The service's librdkafka producer, not Faust's aiokafka one: at saturation aiokafka's
    # Python send path took about a tenth of the loop that also serves these requests.
    record = (notification.loan_account_number.encode(), value)
    try:
        async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
            await publisher().publish(topic, [record])
    except Exception as exc:
        raise ProblemError(
            503,
            "BROKER_UNAVAILABLE",
            "The payment was not confirmed as stored; retry later with the identical body.",
        ) from exc
    return notification.reference_number


def ledger_json(state: LoanLedger) -> dict[str, Any]:
    """The loan as the payments service sees it: core figures less payments since."""
    core = state.core
    held = sum((n.amount for n in state.suspense), Decimal(0))
    return {
        "accountNumber": state.account_number,
        "paymentCount": state.payment_count,
        "totalPaid": state.total_paid,
        "lastReferenceNumber": state.last_reference,
        # Applied plus held: every payment the service accepted for this loan.
        "receivedCount": state.payment_count + len(state.suspense),
        "receivedTotal": state.total_paid + held,
        "suspenseCount": len(state.suspense),
        "suspenseAmount": held,
        "loanKnown": core is not None,
        "currency": core.currency if core else None,
        "coreAsOf": core.as_of if core else None,
        "coreOutstanding": core.outstanding if core else None,
        "outstanding": state.outstanding(),
        "dueAmount": state.due_amount(),
        "pendingReferences": [p.reference for p in state.pending],
        "openSegments": [
            {
                "dueDate": day,
                "penalty": due.penalty,
                "fees": due.fees,
                "interest": due.interest,
                "principal": due.principal,
            }
            for day, due in sorted(state.open_segments().items())
        ],
    }


def payment_not_found() -> ProblemError:
    # Also the answer for a payment of a customer outside the caller's scope.
    return ProblemError(
        404, "PAYMENT_NOT_FOUND", "No payment has this reference.", field="referenceNumber"
    )


async def require_visible(app: CrmApp, request: aioweb.Request, cif: str | None) -> None:
    """404 unless the caller may see this customer's payments (no CIF: only callers seeing all)."""
    scope = await customer_scope(app, request)
    if not scope.everything and (cif is None or cif not in scope.cifs):
        raise payment_not_found()


async def _payments_page(
    app: CrmApp, request: aioweb.Request, column: str, value: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One keyset page of payments whose `column` (a fixed name, never user input) is `value`.

    Only payments of customers in the caller's row scope are listed.
    """
    cifs = scope_cifs(await customer_scope(app, request))
    page = page_of(request)
    since, until = date_filter(request, "from"), date_filter(request, "to")
    after_paid, after_ref = time_key_cursor(page.after)
    pool = await app.db_pool()
    rows = await pool.fetch(
        f"SELECT {PAYMENT_COLUMNS} FROM payments.payment WHERE {column} = $1"
        " AND ($2::timestamptz IS NULL OR paid_at >= $2)"
        " AND ($3::timestamptz IS NULL OR paid_at < $3)"
        " AND ($4::timestamptz IS NULL OR (paid_at, reference_number) < ($4, $5))"
        " AND ($7::text[] IS NULL OR cif = ANY($7::text[]))"
        " ORDER BY paid_at DESC, reference_number DESC LIMIT $6",
        value,
        since,
        until,
        after_paid,
        after_ref,
        page.limit,
        None if cifs is None else sorted(cifs),
    )
    items = [payment_json(r) for r in rows]
    last = [rows[-1]["paid_at"].isoformat(), rows[-1]["reference_number"]] if rows else None
    return items, page_body(items, page, last)


def knows_partitions_of(table: faust.Table) -> Callable[[ViewMethod], ViewMethod]:
    """Fetch the table changelog's metadata before `table_route` hashes a key with it.

    The producer learns a topic's partitions on its first write there; before that (a
    worker that just started) `table_route` failed with a TypeError, a 500.
    """

    def decorate(method: ViewMethod) -> ViewMethod:
        @functools.wraps(method)
        async def routed(view: Any, request: aioweb.Request, *args: Any, **kwargs: Any) -> Any:
            producer = view.app.producer._ensure_producer()
            await producer.partitions_for(table.changelog_topic.get_topic_name())
            return await method(view, request, *args, **kwargs)

        return routed  # type: ignore[return-value]

    return decorate


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
                f"SELECT {PAYMENT_COLUMNS} FROM payments.payment WHERE reference_number = $1",
                referenceNumber,
            )
            if row is None:
                raise payment_not_found()
            await require_visible(crm_app(self.app), request, row["cif"])
            lines = await pool.fetch(
                "SELECT component, due_date, amount FROM payments.payment_allocation"
                " WHERE reference_number = $1 ORDER BY line_no",
                referenceNumber,
            )
            allocation = [
                {"component": r["component"], "dueDate": r["due_date"], "amount": r["amount"]}
                for r in lines
            ]
            if row["cif"]:
                await audit_reads(crm_app(self.app), request, [(row["cif"], "payment")])
            return json_response({**payment_json(row), "allocation": allocation})

    @bp.route("/api/payments/loan/{accountNumber}", name="by-loan")
    class PaymentsByLoan(ApiView):
        @requires("payments:read", "A loan's payments, newest first (cursor, limit, from, to)")
        async def get(self, request: aioweb.Request, accountNumber: str) -> aioweb.Response:
            app = crm_app(self.app)
            items, body = await _payments_page(app, request, "loan_account_number", accountNumber)
            await audit_reads(app, request, [(i["cif"], "payments") for i in items if i["cif"]])
            return json_response(body)

    @bp.route("/api/payments/customer/{cif}", name="by-customer")
    class PaymentsByCustomer(ApiView):
        @requires("payments:read", "A customer's payments, newest first (cursor, limit, from, to)")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            scope = await customer_scope(app, request)
            if not scope.everything and cif not in scope.cifs:
                raise customer_not_found()
            _, body = await _payments_page(app, request, "cif", cif)
            await audit_reads(app, request, [(cif, "payments")])
            return json_response(body)

    @bp.route("/api/payments/loan/{accountNumber}/ledger", name="ledger")
    class LoanLedgerView(ApiView):
        @requires(
            "payments:read", "A loan's live payment ledger, answered by the worker that owns it"
        )
        @knows_partitions_of(ledger)
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
                {**ledger_json(state), "servedBy": self.app.conf.canonical_url.human_repr()}
            )

    return bp
