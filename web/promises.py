"""Promises to pay: a customer's promises, the approval queue, and approving one.

Promises are made by recording an action whose result takes one (POST /api/actions); their
state is decided by the customer's worker, so approving one is a command too, and the answer
comes once the worker has applied it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.promises import PromiseStatus
from persistence.decision_signal import DecisionWaiter
from streams.app import CrmApp, crm_app
from streams.avro import codec_for
from streams.commands import COMMAND_HEADER
from streams.topics import WORKFLOW_COMMANDS
from streams.workflow_promises import APPROVE_PROMISE, APPROVE_PROMISE_COMMAND
from web.auth import principal_of, requires
from web.jsonio import json_response
from web.pagination import page_body, page_of
from web.problems import ProblemError
from web.sync_access import audit_reads, customer_scope, scope_cifs
from web.views import ApiView

_COLUMNS = (
    "promise_id, cif, account_number, amount, currency, due_date, status, covered, matched,"
    " created_at, created_by, approved_by, closed_at, version"
)


def promise_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "promiseId": row["promise_id"],
        "cif": row["cif"],
        "accountNumber": row["account_number"],
        "amount": row["amount"],
        "currency": row["currency"],
        "dueDate": row["due_date"],
        "status": row["status"],
        "covered": row["covered"],
        "payments": row["matched"],
        "createdAt": row["created_at"],
        "createdBy": row["created_by"],
        "approvedBy": row["approved_by"],
        "closedAt": row["closed_at"],
    }


def _not_found() -> ProblemError:
    return ProblemError(404, "PROMISE_NOT_FOUND", "No promise has this id.")


async def _promise(pool: asyncpg.Pool, promise_id: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM workflow.promise WHERE promise_id = $1", promise_id
    )
    return row


async def _approve(
    app: CrmApp, waiter: DecisionWaiter, row: asyncpg.Record, approver: str
) -> asyncpg.Record:
    record = {
        "cif": row["cif"],
        "promiseId": row["promise_id"],
        "approverUserId": approver,
        "approvedAt": datetime.now(UTC),
    }
    command = codec_for(app.settings).encode(APPROVE_PROMISE, record)
    headers: list[tuple[str, str | bytes | None]] = [
        (COMMAND_HEADER, APPROVE_PROMISE_COMMAND.encode())
    ]
    await app.publisher.publish(
        app.settings.topic(WORKFLOW_COMMANDS.name), [(row["cif"].encode(), command, headers)]
    )
    pool = await app.db_pool()

    async def look() -> asyncpg.Record | None:
        current = await _promise(pool, row["promise_id"])
        return current if current is not None and current["version"] > row["version"] else None

    approved: asyncpg.Record | None = await waiter.wait(
        row["promise_id"], app.settings.action_decision_wait_seconds, look
    )
    if approved is None:
        raise ProblemError(
            503, "DECISION_PENDING", "The approval is queued; read the promise again shortly."
        )
    return approved


def _due_cursor(after: list[Any] | None) -> tuple[date | None, str | None]:
    if after is None:
        return None, None
    try:
        due, promise_id = after
        return date.fromisoformat(due), str(promise_id)
    except (TypeError, ValueError) as exc:
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor") from exc


def promises_blueprint(waiter: DecisionWaiter) -> Blueprint:
    bp = Blueprint("promises")

    @bp.route("/api/promises/customer/{cif}", name="of-customer")
    class CustomerPromises(ApiView):
        @requires("customers:read", "A customer's promises to pay, newest first")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            if not (await customer_scope(app, request)).allows(cif):
                raise ProblemError(
                    404, "CUSTOMER_NOT_FOUND", "No customer has this CIF.", field="cif"
                )
            rows = await (await app.db_pool()).fetch(
                f"SELECT {_COLUMNS} FROM workflow.promise WHERE cif = $1"
                " ORDER BY created_at DESC, promise_id DESC LIMIT 200",
                cif,
            )
            await audit_reads(app, request, [(cif, "promises")] if rows else [])
            return json_response({"items": [promise_json(r) for r in rows]})

    @bp.route("/api/promises/approvals", name="approvals")
    class Approvals(ApiView):
        @requires("promises:approve", "Promises waiting for approval, oldest due first")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            cifs = scope_cifs(await customer_scope(app, request))
            page = page_of(request)
            rows = await (await app.db_pool()).fetch(
                f"SELECT {_COLUMNS} FROM workflow.promise WHERE status = $1"
                " AND ($2::text[] IS NULL OR cif = ANY($2::text[]))"
                " AND ($3::date IS NULL OR (due_date, promise_id) > ($3::date, $4::text))"
                " ORDER BY due_date, promise_id LIMIT $5",
                PromiseStatus.PENDING_APPROVAL.value,
                None if cifs is None else sorted(cifs),
                *_due_cursor(page.after),
                page.limit,
            )
            last = [rows[-1]["due_date"].isoformat(), rows[-1]["promise_id"]] if rows else None
            return json_response(page_body([promise_json(r) for r in rows], page, last))

    @bp.route("/api/promises/{promiseId}/approve", name="approve")
    class Approve(ApiView):
        @requires("promises:approve", "Approve a promise above the limit (not one's own)")
        async def post(self, request: aioweb.Request, promiseId: str) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            row = await _promise(await app.db_pool(), promiseId)
            if row is None or not (await customer_scope(app, request)).allows(row["cif"]):
                raise _not_found()
            if row["status"] != PromiseStatus.PENDING_APPROVAL.value:
                raise ProblemError(409, "NOT_AWAITING_APPROVAL", f"The promise is {row['status']}.")
            if row["created_by"] == caller.user_id:
                raise ProblemError(
                    403, "OWN_PROMISE", "A promise is approved by someone other than its taker."
                )
            return json_response(promise_json(await _approve(app, waiter, row, caller.user_id)))

    return bp
